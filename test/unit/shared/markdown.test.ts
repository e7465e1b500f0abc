import { describe, expect, it } from '@jest/globals';
import { codeBlock, markdownCell } from '../../../src/escape';
import { renderTable } from '../../../src/markdown';

/** Cells of one table row, split on unescaped pipes. */
const cellsOf = (row: string) => row.split(/(?<!\\)\|/).slice(1, -1);

describe('renderTable (the one table helper)', () => {
  it('escapes untrusted text fully (HTML, Markdown links, emphasis) and keeps pipes and line breaks inside the cell', () => {
    const md = renderTable(
      ['Key', 'Value'],
      [
        [{ code: 'release' }, '<img src=x onerror=alert(1)>'],
        ['a|b', 'line 1\nline 2\r\nline 3'],
        ['[click](https://evil.example)', '**bold** @someone #1'],
      ],
    );
    const lines = md.split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe('| Key | Value |');
    expect(lines[1]).toBe('| --- | --- |');
    expect(lines[2]).toBe('| <code>release</code> | &lt;img src=x onerror=alert\\(1\\)&gt; |');
    expect(lines[3]).toBe('| a\\|b | line 1<br>line 2<br>line 3 |');
    expect(lines[4]).toBe('| \\[click\\]\\(https://evil.example\\) | \\*\\*bold\\*\\* @someone \\#1 |');
    for (const row of lines) expect(cellsOf(row)).toHaveLength(2);
  });

  it('clips long values and limits rows when asked', () => {
    const long = 'v'.repeat(1_000);
    const md = renderTable(
      ['a'],
      Array.from({ length: 50 }, () => [long]),
      { maxRows: 10 },
    );
    expect(md).toContain('… \\(+700 chars\\)');
    expect(md).toContain('_… and 40 more rows_');
  });

  it('C3: redacts secrets in every cell kind', () => {
    const md = renderTable(
      ['a', 'b', 'c'],
      [['x s3cr3t-value y', { code: 's3cr3t-value' }, { md: '**s3cr3t-value**' }]],
      {
        secrets: ['s3cr3t-value'],
      },
    );
    expect(md).not.toContain('s3cr3t');
  });
});

describe('markdownCell', () => {
  it('escapes only what could end the cell or the row', () => {
    expect(markdownCell('**bold** | `code`\r\nnext\rlast\n')).toBe('**bold** \\| `code`<br>next<br>last<br>');
  });
});

describe('codeBlock', () => {
  it('uses a fence longer than any backtick run, so the content cannot close it', () => {
    const block = codeBlock('helm upgrade x --set a=```\n```\n## injected');
    expect(block.startsWith('````\n')).toBe(true);
    expect(block.endsWith('\n````')).toBe(true);
  });
});
