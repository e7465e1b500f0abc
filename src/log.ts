/**
 * The logger domain code takes. The one implementation that writes is the Outbound (src/outbound.ts), so every
 * line is redacted, neutralised and capped; tests use the fake runtime's memory sink (test/helpers/runtime.ts).
 */
export interface Logger {
  info(msg: string): void;
  warning(msg: string): void;
  error(msg: string): void;
  debug(msg: string): void;
  group<T>(name: string, fn: () => Promise<T>): Promise<T>;
}
