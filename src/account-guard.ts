import type { StsOps } from './aws-extra';
import { errorMessage, GuardError } from './errors';
import type { Logger } from './log';

export interface AccountGuardDeps {
  /** STS, loaded on demand (a separate chunk). */
  sts: () => Promise<StsOps>;
  log: Pick<Logger, 'info'>;
}

/**
 * C2: with expected-account-id set, the credentials must be for that account; checked before any mutating
 * call. Returns the account id (undefined when no check was asked for). `subject` names what would be
 * deployed ("stack app", "stack set platform").
 */
export async function accountGuard(
  deps: AccountGuardDeps,
  guard: { expectedAccountId?: string; subject: string },
): Promise<string | undefined> {
  if (!guard.expectedAccountId) return undefined;
  let accountId: string | undefined;
  try {
    accountId = await (await deps.sts()).accountId();
  } catch (e) {
    throw new GuardError(`Could not verify the AWS account (expected-account-id is set): ${errorMessage(e)}`);
  }
  if (accountId !== guard.expectedAccountId) {
    throw new GuardError(
      `Refusing to deploy ${guard.subject}: the credentials are for AWS account ${accountId}, but expected-account-id is ${guard.expectedAccountId}. Check the role this job assumed (C2).`,
    );
  }
  deps.log.info(`Account guard: credentials are for the expected account ${guard.expectedAccountId}.`);
  return accountId;
}
