import { errorMessage, GuardError } from '../../../src/errors';
import type { DeployInputs } from './inputs';
import type { DeployDeps } from './outcome';

/**
 * C2: with expected-account-id set, the credentials must be for that account; checked before any mutating
 * call. Returns the account id (undefined when no check was asked for).
 */
export async function accountGuard(
  deps: Pick<DeployDeps, 'sts' | 'log'>,
  inputs: Pick<DeployInputs, 'expectedAccountId' | 'stackName'>,
): Promise<string | undefined> {
  if (!inputs.expectedAccountId) return undefined;
  let accountId: string | undefined;
  try {
    accountId = await (await deps.sts()).accountId();
  } catch (e) {
    throw new GuardError(`Could not verify the AWS account (expected-account-id is set): ${errorMessage(e)}`);
  }
  if (accountId !== inputs.expectedAccountId) {
    throw new GuardError(
      `Refusing to deploy stack ${inputs.stackName}: the credentials are for AWS account ${accountId}, but expected-account-id is ${inputs.expectedAccountId}. Check the role this job assumed (C2).`,
    );
  }
  deps.log.info(`Account guard: credentials are for the expected account ${inputs.expectedAccountId}.`);
  return accountId;
}
