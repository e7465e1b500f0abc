/**
 * The runner's protocol, written directly: workflow commands on stdout (`::name::message`, data escaped the
 * runner's way) and file commands (GITHUB_OUTPUT heredocs with a random delimiter, GITHUB_STEP_SUMMARY). This is
 * what @actions/core does for the calls we make; doing it here keeps @actions/core — and the HTTP client and
 * undici its OIDC helper pulls in — off every action's load path (cold start). A test checks byte equality with
 * @actions/core.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';

/** The runner unescapes these in command data: `%`, `\r`, `\n`. */
export function escapeCommandData(value: string): string {
  return value.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** `::name::message` + EOL, the message escaped so it cannot end the command or start another. */
export function formatCommand(name: string, message: string): string {
  return `::${name}::${escapeCommandData(message)}${os.EOL}`;
}

/** One `name<<delimiter … delimiter` block for GITHUB_OUTPUT (the delimiter is random and checked). */
export function formatFileValue(name: string, value: string): string {
  const delimiter = `ghadelimiter_${randomUUID()}`;
  if (name.includes(delimiter) || value.includes(delimiter)) {
    throw new Error(`Output ${name} contains the file-command delimiter.`);
  }
  return `${name}<<${delimiter}${os.EOL}${value}${os.EOL}${delimiter}${os.EOL}`;
}

export interface RunnerWriter {
  write(text: string): void;
}

/** Writes the protocol for one process: stdout for commands and lines, files named by the runner's env. */
export function runnerProtocol(env: NodeJS.ProcessEnv, out: RunnerWriter = process.stdout) {
  return {
    line: (text: string): void => out.write(`${text}${os.EOL}`),
    command: (name: string, message: string): void => out.write(formatCommand(name, message)),
    output: (name: string, value: string): void => {
      const file = env.GITHUB_OUTPUT;
      if (file) fs.appendFileSync(file, formatFileValue(name, value), { encoding: 'utf8' });
      else
        out.write(`${os.EOL}::set-output name=${escapeProperty(name)}::${escapeCommandData(value)}${os.EOL}`);
    },
  };
}

function escapeProperty(value: string): string {
  return escapeCommandData(value).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
