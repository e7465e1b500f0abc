// `npm run demo` shows a step as GitHub does (scripts/demo-render.mjs): workflow commands consumed, groups as
// headings, debug hidden unless asked, every registered mask applied to what is shown, and the job summary's
// Markdown as text a person reads (tables as aligned columns).
import { describe, expect, it } from '@jest/globals';
import { markdownToText, RunnerLog } from '../../../scripts/demo-render.mjs';

describe('demo log rendering', () => {
  it('C3: an ::add-mask:: value (escaped as the runner escapes it) is shown as *** in every later line', () => {
    const log = new RunnerLog();
    expect(log.line('token s3cr%25t%0Aline2 before')).toEqual(['token s3cr%25t%0Aline2 before']);
    expect(log.line('::add-mask::s3cr%25t%0Aline2')).toEqual([]);
    expect(log.line('::add-mask::s3cr%25t')).toEqual([]);
    expect(log.line('value s3cr%t and s3cr%t\nline2')).toEqual(['value *** and ***']);
    expect(log.line('::warning file=a.yaml::bad s3cr%25t')).toEqual(['Warning: bad ***']);
    expect(log.mask('x s3cr%t y')).toBe('x *** y');
  });

  it('groups become headings with their lines indented; debug is hidden unless asked', () => {
    const raw = [
      'before',
      '::group::deploy',
      'inside',
      '::debug::detail',
      '::endgroup::',
      'after',
      '::set-output name=a::b',
    ];
    const quiet = new RunnerLog();
    expect(raw.flatMap((line) => quiet.line(line))).toEqual(['before', '▼ deploy', '  inside', 'after']);
    const verbose = new RunnerLog({ debug: true });
    expect(raw.flatMap((line) => verbose.line(line))).toContain('  [debug] detail');
  });
});

describe('demo job summary rendering', () => {
  it('headings, bold and code lose their marks; escapes are undone; tables become aligned columns', () => {
    const markdown = [
      '### deploy-stack: `guarded-demo` (demo)',
      '',
      '**✅ Stack created**',
      '',
      '| Stack | Stack status | Note |',
      '| --- | --- | --- |',
      '| <code>guarded-demo</code> | CREATE\\_COMPLETE | a \\| b &amp; c |',
      '| x | UPDATE\\_COMPLETE |  |',
      '',
      '<details><summary>Template diff</summary>',
      '</details>',
    ].join('\n');
    expect(markdownToText(markdown)).toEqual([
      '» deploy-stack: guarded-demo (demo)',
      '',
      '✅ Stack created',
      '',
      'Stack         Stack status     Note',
      'guarded-demo  CREATE_COMPLETE  a | b & c',
      'x             UPDATE_COMPLETE',
      '',
      '▸ Template diff',
    ]);
  });
});
