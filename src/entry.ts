import { errorMessage } from './errors';
import type { Runtime } from './runtime';
import type { CancellationController } from './cancel';

/**
 * The body of every action's main.ts: run the action on a runtime and turn anything thrown into one
 * readable `::error::` line (through the outbound channel, so it is redacted) with exit code 1. Never throws.
 */
export async function runAction<O>(
  rt: Runtime & { cancel: CancellationController },
  runWith: (rt: Runtime) => Promise<O>,
): Promise<void> {
  try {
    await runWith(rt);
  } catch (e) {
    process.exitCode = 1;
    // When cancelled, the cancellation handler prints the one line (with what it cleaned up) and exits.
    if (!rt.cancel.cancelled) rt.out.error(errorMessage(e));
  } finally {
    if (!rt.cancel.cancelled) rt.cancel.dispose();
  }
}
