import * as core from '@actions/core';
import { errorMessage } from './errors';

/**
 * The body of every action's main.ts: run `fn`, and turn anything thrown into one readable
 * `::error::` line with exit code 1. Never throws.
 */
export async function runAction(fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    core.setFailed(errorMessage(e));
  }
}

/** Set a step output (stringifying non-strings). */
export function setOutputs(outputs: Record<string, string | number | boolean | undefined>): void {
  for (const [k, v] of Object.entries(outputs)) {
    if (v === undefined) continue;
    core.setOutput(k, typeof v === 'string' ? v : String(v));
  }
}
