/**
 * W1: untrusted text (a service's answer, a tool's output) must never issue a workflow command. The payloads
 * an attacker would plant, and the check that none of them reached the runner as a command.
 */
import { expect } from '@jest/globals';
import type { MemorySink } from './runtime';

export const COMMAND_PAYLOADS = [
  '::add-mask::x',
  '::stop-commands::tok',
  ' ::set-output name=a::b',
  '\u0085::warning::x',
  '##[set-output name=a;]b',
];

/** A line the runner would treat as a workflow command (v2 `::` after whitespace, or v1 `##[` anywhere). */
const COMMAND_LINE = /^[\s\u0085\u180e\u200b-\u200d\u2060\ufeff]*::|##\[/;

export function commandLines(lines: readonly string[]): string[] {
  return lines.flatMap((line) => line.split(/\r\n|\r|\n/)).filter((line) => COMMAND_LINE.test(line));
}

/**
 * The payloads were shown (defused, not dropped), no line is a command, nothing was registered as a mask, and
 * the step's outputs are exactly the action's own.
 */
export function expectPayloadsDefused(sink: MemorySink, outputs: readonly string[]): void {
  const shown = sink.lines.join('\n');
  expect(shown).toContain('stop-commands::tok');
  expect(shown).toContain('set-output name=a;]b');
  expect(commandLines(sink.lines)).toEqual([]);
  expect(sink.masks).toEqual([]);
  expect(Object.keys(sink.outputs).sort()).toEqual([...outputs].sort());
}
