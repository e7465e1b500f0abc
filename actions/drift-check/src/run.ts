/**
 * drift-check on the one entry contract: parse the inputs (L1: nothing is called before they are valid),
 * register secrets, check every stack (bounded concurrency, one log group per stack), publish through the
 * outbound channel, and fail the step when fail-on says so.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { maskNoEchoOverrides } from '../../../src/cfn/noecho';
import { errorMessage, GuardError } from '../../../src/errors';
import { mapLimit } from '../../../src/poll';
import type { Runtime } from '../../../src/runtime';
import { bufferedLogger, replayQueue, stackGroupTitle } from './buffered-log';
import { checkStack, newStackResult, type DriftDeps, type StackResult } from './drift';
import { parseInputs, type DriftInputs } from './inputs';
import { publishOutcome, type Published } from './publish';
import { checkStackSets } from './stackset-drift';

export interface DriftOutcome extends Published {
  inputs: DriftInputs;
  /** One result per stack, in input order. */
  results: StackResult[];
}

/** The step fails (fail-on, or a stack that could not be checked); the outcome was published first. */
export class DriftCheckFailed extends GuardError {
  constructor(
    message: string,
    readonly outcome: DriftOutcome,
  ) {
    super(message);
  }
}

function changeSetDescription(env: NodeJS.ProcessEnv): string {
  return `guarded-deploy drift-check ${env.GITHUB_SHA ? `commit ${env.GITHUB_SHA.slice(0, 12)}` : 'local run'}`;
}

/** Check every stack, at most `concurrency` at a time; a stack that throws becomes an error result. */
async function checkStacks(
  rt: Runtime,
  inputs: DriftInputs,
  cfn: CloudFormationClient,
): Promise<StackResult[]> {
  const replay = replayQueue(rt.log);
  const settled = await mapLimit(inputs.stacks, inputs.concurrency, async (stack) => {
    const log = bufferedLogger();
    const deps: DriftDeps = {
      cfn,
      log,
      clock: rt.clock,
      secrets: rt.out,
      cancel: rt.cancel,
      changeSetDescription: changeSetDescription(rt.env),
    };
    try {
      return await checkStack(deps, inputs, stack);
    } finally {
      await replay(log, stackGroupTitle(rt.action, stack, inputs.environment));
    }
  });
  return settled.map((outcome, index) => {
    if (outcome.status === 'fulfilled') return outcome.value;
    const failed = newStackResult(inputs.stacks[index] as string);
    failed.error = rt.out.redact(errorMessage(outcome.reason));
    failed.verdict = 'error';
    return failed;
  });
}

/** The action with every dependency from the runtime; throws when the step must fail. */
export async function runWith(rt: Runtime): Promise<DriftOutcome> {
  const inputs = parseInputs(rt.inputs, rt.env, rt.clock.now());
  // C3: secrets are registered before anything is printed. NoEcho names of a file template are known now;
  // those of the stacks' own templates are learned (and registered) per stack before anything prints them.
  rt.out.addSecret(inputs.githubToken);
  maskNoEchoOverrides(rt.out, inputs.templateParameters, inputs.parameterOverrides);
  const cfn = rt.aws(CloudFormationClient, inputs.region);
  if (inputs.stackSets?.length) {
    // S1: stack sets (a step checks stacks or stack sets, never both).
    const published = await checkStackSets(rt, inputs, {
      cfn,
      log: rt.log,
      clock: rt.clock,
      cancel: rt.cancel,
    });
    const outcome: DriftOutcome = { inputs, results: [], ...published };
    if (outcome.failure !== undefined) throw new DriftCheckFailed(outcome.failure, outcome);
    return outcome;
  }
  rt.log.info(
    `drift-check: ${inputs.stacks.length} stack(s) in ${inputs.region}${inputs.environment ? ` (${inputs.environment})` : ''}, mode ${inputs.mode}, fail-on ${inputs.failOn}, concurrency ${inputs.concurrency}${inputs.revert ? ', revert: true' : ''}.`,
  );
  const results = await checkStacks(rt, inputs, cfn);
  // Cancelled: the cancellation handler reports what was cleaned up; nothing else is claimed.
  rt.cancel.throwIfCancelled();
  const outcome: DriftOutcome = { inputs, results, ...(await publishOutcome(rt, inputs, results)) };
  if (outcome.failure !== undefined) throw new DriftCheckFailed(outcome.failure, outcome);
  return outcome;
}
