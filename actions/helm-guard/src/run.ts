/** helm-guard on the one entry contract: inputs → secrets → helm → read + decide → outputs → upgrade → summary. */
import { workspaceRoot } from '../../../src/inputs';
import type { Runtime } from '../../../src/runtime';
import {
  checkRelease,
  failureOf,
  outputsOf,
  upgradeIfAllowed,
  type HelmGuardDeps,
  type HelmGuardOutcome,
} from './flow';
import { execHelmRunner, type HelmRunner } from './helm-exec';
import { parseInputs, type HelmGuardInputs } from './inputs';
import { renderSummary } from './summary';

/** Builds the helm runner once inputs are valid (helm-path is an input); tests pass a fake. */
export type HelmRunnerFactory = (inputs: HelmGuardInputs, rt: Runtime) => HelmRunner;

/** The real helm: the runtime's environment; stopped on cancellation. */
export const realHelm: HelmRunnerFactory = (inputs, rt) =>
  execHelmRunner(inputs.helmPath, {
    env: rt.env,
    cancel: rt.cancel,
    deadlineMs: inputs.helmTimeoutMs,
    deadlineLabel: `${inputs.helmTimeoutMs / 60_000} minute(s) (helm-timeout-minutes)`,
  });

/** The action on a runtime, with the real helm. */
export async function runWith(rt: Runtime): Promise<HelmGuardOutcome> {
  return runHelmGuardWith(rt, realHelm);
}

/**
 * Every input is checked first (L1: helm is never built or run on bad input), set-secret values are
 * registered as they are read (C3); outputs are set before any upgrade, the summary after it, and the step
 * fails (throws) when the guard refused or helm upgrade failed.
 */
export async function runHelmGuardWith(rt: Runtime, makeHelm: HelmRunnerFactory): Promise<HelmGuardOutcome> {
  const inputs = parseInputs(rt.inputs, {
    addSecret: (value) => rt.out.addSecret(value),
    workspace: workspaceRoot(rt.env),
  });
  if (inputs.debugWithSecrets.length > 0) {
    rt.log.warning(
      `extra-args ${inputs.debugWithSecrets.join(' ')} make helm print the rendered values, set-secret values included (allow-debug-with-secrets: true). They are redacted in every form registered for them (exact, escaped, base64, YAML-quoted); anything helm derives from them otherwise is not.`,
    );
  }
  const deps: HelmGuardDeps = { helm: makeHelm(inputs, rt), log: rt.log, cancel: rt.cancel };
  const check = await checkRelease(inputs, deps);
  rt.out.setOutputs(outputsOf(inputs, check));
  const outcome: HelmGuardOutcome = { ...check, ...(await upgradeIfAllowed(inputs, check, deps)) };
  await rt.out.summary(renderSummary(inputs, outcome));
  const failure = failureOf(inputs, outcome);
  if (failure) throw failure;
  return outcome;
}
