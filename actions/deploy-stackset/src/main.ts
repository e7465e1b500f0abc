import { runAction } from '../../../src/entry';
import { realRuntime } from '../../../src/runtime';
import { runWith } from './run';

/** The runner's entry: the real runtime, the action, one error line on failure. */
export async function run(): Promise<void> {
  await runAction(realRuntime('deploy-stackset'), runWith);
}
