/**
 * Per-stack log buffering (L4). Stacks are checked concurrently; each stack writes into its own buffer, and
 * the buffer is replayed into the runtime's logger inside one group when the stack is done, one group at a
 * time, so concurrent stacks never interleave their lines or nest their groups. Replay goes through the
 * outbound channel, so every line is redacted (with every secret registered by then) and neutralised there.
 */
import type { Logger } from '../../../src/log';

type Level = keyof Omit<Logger, 'group'>;

export interface BufferedLogger extends Logger {
  /** Replay the buffered lines into `into`, inside one group titled `title`. */
  replay(into: Logger, title: string): Promise<void>;
}

export function bufferedLogger(): BufferedLogger {
  const lines: Array<{ level: Level; message: string }> = [];
  const push = (level: Level) => (message: string) => void lines.push({ level, message });
  return {
    info: push('info'),
    warning: push('warning'),
    error: push('error'),
    debug: push('debug'),
    // Already inside the stack's own group: a nested group would break the one-group-per-stack layout.
    group: <T>(_title: string, fn: () => Promise<T>) => fn(),
    replay: (into, title) =>
      into.group(title, async () => {
        for (const line of lines) into[line.level](line.message);
      }),
  };
}

/**
 * Serialises replays: a group opened by one stack is closed before the next one opens. A failing replay
 * never blocks the ones after it.
 */
export function replayQueue(into: Logger): (log: BufferedLogger, title: string) => Promise<void> {
  let last: Promise<void> = Promise.resolve();
  return (log, title) => {
    last = last.then(() => log.replay(into, title)).catch(() => undefined);
    return last;
  };
}

/** The group title for one stack: action, stack and environment (L4). */
export function stackGroupTitle(action: string, stack: string, environment?: string): string {
  return `${action}: ${stack}${environment ? ` (${environment})` : ''}`;
}
