import { errorMessage } from './errors';
import type { RealRuntime, Runtime } from './runtime';

/**
 * The body of every action's main.ts: run the action on a runtime, turn anything thrown into one readable
 * `::error::` line (through the outbound channel, so it is redacted), and end the process (0 or 1) — also when
 * calls are still hanging in the background. Never throws. When the job was cancelled, the cancellation handler
 * prints the one line (with what it cleaned up) and ends the process itself.
 */
export async function runAction<O>(rt: RealRuntime, runWith: (rt: Runtime) => Promise<O>): Promise<void> {
  let code = 0;
  try {
    await runWith(rt);
  } catch (e) {
    code = 1;
    if (!rt.cancel.cancelled) rt.out.error(errorMessage(e));
  }
  if (rt.cancel.cancelled) return;
  rt.cancel.dispose();
  rt.exit(code);
}
