// C3: property values fed by a NoEcho parameter — through Ref, Fn::Sub and Fn::Join — are never shown, in any
// mode (detect included: the detection reports expected and actual values), whatever the change source says.
import fs from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { errorMessage } from '../../../src/errors';
import { createOctokit } from '../../../src/pr-comment';
import { REDACTED } from '../../../src/secrets';
import { isFedPath, noEchoFeedsOf } from '../../../actions/drift-check/src/noecho-feeds';
import { parseTemplate } from '../../../src/cfn/template';
import { dsn, NEW, OLD, passwordDrift, url } from '../../helpers/drift-cfn';
import { findLeak } from '../../helpers/leaks';
import { gitHubStubPerTest, harness, install, runAction, workspace } from './harness';

describe('C3: values fed by a NoEcho parameter are redacted in every mode', () => {
  const github = gitHubStubPerTest();

  it.each(['detect', 'change-set', 'both'])(
    'C3: mode %s — previous and live password values (Ref, Sub, Join) never reach the log, summary, outputs, report or PR comment',
    async (mode) => {
      const ws = workspace();
      const event = `${ws}/event.json`;
      fs.writeFileSync(event, JSON.stringify({ pull_request: { number: 7 } }));
      const fake = install([passwordDrift()]);
      const h = harness(
        {
          stacks: 'secret-prod',
          mode,
          'fail-on': 'never',
          'github-token': 'ghs_x',
          'comment-on-pr': 'always',
        },
        { GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: event, GITHUB_REPOSITORY: 'acme/infra' },
        { octokit: createOctokit('ghs_x', github().url) },
      );
      const { error, result } = await runAction(h);
      if (error) h.rt.out.error(errorMessage(error));
      expect(error).toBeUndefined();
      expect(fake.ops('GetTemplate')).toHaveLength(1);

      const stackResult = result!.results[0]!;
      // The values reached the result (so the test can fail) and were replaced there ...
      if (mode !== 'change-set') {
        const diffs = stackResult.detection!.resources.flatMap((resource) => resource.differences);
        expect(diffs.map((diff) => [diff.path, diff.expected, diff.actual])).toEqual(
          expect.arrayContaining([
            ['/MasterUserPassword', REDACTED, REDACTED],
            ['/Environment/Variables/DSN', REDACTED, REDACTED],
            ['/Environment', REDACTED, REDACTED],
            // ... and a value no NoEcho parameter feeds is still shown.
            ['/MemorySize', '128', '512'],
          ]),
        );
      }
      if (mode !== 'detect') {
        const rows = stackResult.classification!.rows.map((row) => [
          row.logicalId,
          row.property,
          row.previous,
          row.live,
        ]);
        expect(rows).toEqual(
          expect.arrayContaining([
            ['Db', 'MasterUserPassword', REDACTED, REDACTED],
            ['OrdersFn', 'Environment', REDACTED, REDACTED],
            ['OrdersFn', 'MemorySize', '128', '512'],
          ]),
        );
      }
      const report = h.sink.files[h.outputs['report-path']!]!;
      const comment = github().on(7, 'acme', 'infra')[0]?.body ?? '';
      expect(comment).toContain('secret-prod');
      const visible = [h.sink.text(), ...h.summary, JSON.stringify(h.outputs), report, comment].join('\n');
      expect(visible).toContain('512');
      for (const secret of [OLD, NEW, dsn(OLD), dsn(NEW), url(OLD), url(NEW)])
        expect(findLeak(visible, secret)).toBeUndefined();
    },
  );

  it('C3: a deployed template that cannot be read, with NoEcho parameters declared → every value is redacted, and the summary says why', async () => {
    install([{ ...passwordDrift(), templateBody: null }]);
    const h = harness({ stacks: 'secret-prod', mode: 'both', 'fail-on': 'never' });
    const { error, result } = await runAction(h);
    expect(error).toBeUndefined();
    const visible = [h.sink.text(), ...h.summary, h.sink.files[h.outputs['report-path']!]!].join('\n');
    for (const secret of [OLD, NEW]) expect(findLeak(visible, secret)).toBeUndefined();
    const diffs = result!.results[0]!.detection!.resources.flatMap((resource) => resource.differences);
    expect(diffs.every((diff) => diff.expected === REDACTED && diff.actual === REDACTED)).toBe(true);
    expect(h.summary.join('')).toMatch(
      /Every property value is shown as \\\*\\\*\\\*: the deployed template could not be read/,
    );
  });

  it('C3: which paths a NoEcho parameter feeds (Ref, Sub — not an escaped ${!Name} —, Join, inside lists)', () => {
    const feeds = noEchoFeedsOf(
      parseTemplate(`Parameters:
  Secret: { Type: String, NoEcho: true }
  Plain: { Type: String }
Resources:
  Thing:
    Type: AWS::X::Y
    Properties:
      A: !Ref Secret
      B: !Sub 'literal \${!Secret}'
      C: !Sub ['x\${v}', { v: !Ref Secret }]
      D: [ { Value: !Ref Plain }, { Value: !Join [':', [a, !Ref Secret]] } ]
      E: !Ref Plain
`),
    );
    expect(feeds.get('Thing')).toEqual(['/A', '/C', '/D/1/Value']);
    const paths = { kind: 'paths' as const, byResource: feeds };
    expect(isFedPath(paths, 'Thing', '/D/0/Value')).toBe(true); // list order is not trusted
    expect(isFedPath(paths, 'Thing', '/D')).toBe(true); // an ancestor holds it
    expect(isFedPath(paths, 'Thing', '/A/Inner')).toBe(true); // a descendant is part of it
    expect(isFedPath(paths, 'Thing', '/Properties/C')).toBe(true); // change-set paths start with /Properties
    expect(isFedPath(paths, 'Thing', '/B')).toBe(false);
    expect(isFedPath(paths, 'Thing', '/E')).toBe(false);
    expect(isFedPath(paths, 'Other', '/A')).toBe(false);
  });
});
