import * as core from '@actions/core';

/** Everything an action prints goes through this, so tests can capture it and scan it for secrets. */
export interface Logger {
  info(msg: string): void;
  warning(msg: string): void;
  error(msg: string): void;
  debug(msg: string): void;
  group<T>(name: string, fn: () => Promise<T>): Promise<T>;
}

export const coreLogger: Logger = {
  info: (m) => core.info(m),
  warning: (m) => core.warning(m),
  error: (m) => core.error(m),
  debug: (m) => core.debug(m),
  group: (name, fn) => core.group(name, fn),
};

export interface MemoryLogger extends Logger {
  lines: string[];
  warnings: string[];
  text(): string;
}

/** Captures output in memory (unit tests). */
export function memoryLogger(): MemoryLogger {
  const lines: string[] = [];
  const warnings: string[] = [];
  return {
    lines,
    warnings,
    text: () => lines.join('\n'),
    info: (m) => void lines.push(m),
    warning: (m) => {
      warnings.push(m);
      lines.push(`warning: ${m}`);
    },
    error: (m) => void lines.push(`error: ${m}`),
    debug: (m) => void lines.push(`debug: ${m}`),
    group: async (name, fn) => {
      lines.push(`::group::${name}`);
      try {
        return await fn();
      } finally {
        lines.push('::endgroup::');
      }
    },
  };
}
