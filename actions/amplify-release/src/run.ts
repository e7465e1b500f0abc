/** amplify-release on the one entry contract: inputs → secrets → client → env vars + release guard → publish. */
import { AmplifyClient } from '@aws-sdk/client-amplify';
import { errorMessage } from '../../../src/errors';
import type { Runtime } from '../../../src/runtime';
import type { AmplifyReleaseDeps } from './amplify-api';
import { parseInputs, secretValues } from './inputs';
import { newOutcome, outputsOf, type AmplifyReleaseOutcome } from './outcome';
import { amplifyRelease } from './release';
import { renderSummary } from './summary';

/**
 * The action on a runtime. Every input is checked before anything else (L1: bad input makes zero AWS calls),
 * secret values are registered before anything can print them (C3), and outputs and the summary are
 * published through `rt.out` whatever happened. Throws on failure (the entry turns that into one error line).
 */
export async function runWith(rt: Runtime): Promise<AmplifyReleaseOutcome> {
  const inputs = parseInputs(rt.inputs, rt.env);
  for (const value of secretValues(inputs)) rt.out.addSecret(value);

  const outcome = newOutcome(inputs);
  const deps: AmplifyReleaseDeps = {
    amplify: rt.aws(AmplifyClient, inputs.region),
    log: rt.log,
    clock: rt.clock,
    addSecret: (value) => rt.out.addSecret(value),
    cancel: rt.cancel,
  };
  try {
    await amplifyRelease(deps, inputs, outcome);
  } catch (e) {
    outcome.error = errorMessage(e);
    if (!outcome.reason) outcome.reason = `failed: ${outcome.error}`;
    throw e;
  } finally {
    rt.out.setOutputs(outputsOf(outcome));
    await rt.out.summary(renderSummary(outcome, rt.out.secrets()));
  }
  return outcome;
}
