import { describe, expect, it } from '@jest/globals';
import { markdownCell } from '../../../src/escape';
import { code, renderTable, table } from '../../../src/markdown';

/** Cells of one table row, split on unescaped pipes. */
const cellsOf = (row: string) => row.split(/(?<!\\)\|/).slice(1, -1);

describe('table (the alias of renderTable for Markdown-bearing values)', () => {
  it('keeps code spans we built, escapes HTML, and keeps pipes and line breaks inside the cell', () => {
    const md = table(
      ['Key', 'Value'],
      [
        [code('release'), '<img src=x onerror=alert(1)>'],
        ['a|b', 'line 1\nline 2\r\nline 3'],
      ],
    );
    const lines = md.split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe('| Key | Value |');
    expect(lines[1]).toBe('| --- | --- |');
    expect(lines[2]).toBe('| `release` | &lt;img src=x onerror=alert(1)&gt; |');
    expect(lines[3]).toBe('| a\\|b | line 1<br>line 2<br>line 3 |');
    for (const row of lines) expect(cellsOf(row)).toHaveLength(2);
  });

  it('is renderTable with trusted cells: same header, separator and row shape', () => {
    const rows = [['x', 'y']];
    expect(table(['A', 'B'], rows)).toBe(
      renderTable(
        [{ md: 'A' }, { md: 'B' }],
        rows.map((row) => row.map((value) => ({ md: value }))),
      ),
    );
  });

  it('never clips or drops rows (it has no limits)', () => {
    const long = 'v'.repeat(1_000);
    const md = table(
      ['a'],
      Array.from({ length: 50 }, () => [long]),
    );
    expect(md.split('\n')).toHaveLength(52);
    expect(md).toContain(`| ${long} |`);
  });
});

describe('markdownCell', () => {
  it('escapes only what could end the cell or the row', () => {
    expect(markdownCell('**bold** | `code`\r\nnext\rlast\n')).toBe('**bold** \\| `code`<br>next<br>last<br>');
  });
});
