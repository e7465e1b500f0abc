/**
 * The lifecycle of one drift-aware change set, tracked from before CreateChangeSet is sent until the change
 * set is deleted or executed. The name is ours, so a cleanup can delete it by stack and name even when the
 * create answer was lost or the job was cancelled mid-call. The cleanup is registered with the runtime's
 * cancellation (`rt.cancel.onCancel`) and says only what it verified: `ok` when DeleteChangeSet succeeded or
 * CloudFormation says the change set does not exist, otherwise what may remain.
 */
import { DeleteChangeSetCommand, type CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { Cancellation } from '../../../src/cancel';
import type { Clock } from '../../../src/clock';
import { awsErrorName, CancelledError, errorMessage } from '../../../src/errors';
import type { CreateResult } from '../../../src/cfn/changeset';
import { send } from './detect';

/** What a cleanup verified. `ok` only when the change set is deleted or known not to exist. */
export interface ChangeSetCleanup {
  ok: boolean;
  detail: string;
}

/** The cleanup detail when CloudFormation created nothing (no DeleteChangeSet is sent). */
export const NOT_CREATED = 'not created: nothing to delete';

type State =
  /** Registered; CreateChangeSet not answered yet (or not sent). */
  | { kind: 'creating' }
  /** CloudFormation refused the create (4xx), said "no changes", or the call was never sent. */
  | { kind: 'not-created' }
  /** The create answer was lost (network error, timeout, 5xx): it may exist under our name. */
  | { kind: 'unknown' }
  | { kind: 'created'; id: string }
  /** ExecuteChangeSet was sent: CloudFormation consumes the change set. */
  | { kind: 'executing' };

export interface TrackedChangeSetDeps {
  cfn: CloudFormationClient;
  clock: Clock;
  cancel: Cancellation;
}

/** A 4xx answer (or a call refused before it was sent) means CloudFormation created nothing. */
function createdNothing(e: unknown): boolean {
  if (e instanceof CancelledError) return true;
  const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return status !== undefined && status >= 400 && status < 500;
}

function isNotFound(e: unknown): boolean {
  const name = awsErrorName(e) ?? '';
  return name === 'ChangeSetNotFoundException' || name === 'ChangeSetNotFound';
}

export class TrackedChangeSet {
  private state: State = { kind: 'creating' };
  private creating: Promise<unknown> = Promise.resolve();
  private deletion: Promise<ChangeSetCleanup> | undefined;
  private unregister: () => void;

  constructor(
    private readonly deps: TrackedChangeSetDeps,
    readonly stack: string,
    readonly name: string,
  ) {
    this.unregister = deps.cancel.onCancel(`change set ${name} of stack ${stack}`, () =>
      this.cancelCleanup(),
    );
  }

  /** Send CreateChangeSet through here: a cleanup waits for its answer before it deletes. */
  create(call: () => Promise<CreateResult>): Promise<CreateResult> {
    const pending = call().then(
      (created) => {
        this.state =
          created.kind === 'created' ? { kind: 'created', id: created.id } : { kind: 'not-created' };
        return created;
      },
      (e: unknown) => {
        this.state = createdNothing(e) ? { kind: 'not-created' } : { kind: 'unknown' };
        throw e;
      },
    );
    this.creating = pending.catch(() => undefined);
    return pending;
  }

  /** Send ExecuteChangeSet through here. On success the change set is consumed: nothing is left to delete. */
  async execute(call: () => Promise<unknown>): Promise<void> {
    const before = this.state;
    this.state = { kind: 'executing' };
    try {
      await call();
    } catch (e) {
      // Refused (4xx) or never sent: the change set is still there to delete. Otherwise it may be executing.
      if (createdNothing(e)) this.state = before;
      throw e;
    }
    this.unregister();
    // A cancelled job does not stop the update CloudFormation is running: say so instead of "nothing to clean up".
    this.unregister = this.deps.cancel.onCancel(`drift revert of stack ${this.stack}`, async () => ({
      ok: false,
      detail: `change set ${this.name} was executed; the stack update keeps running in CloudFormation — check the stack`,
    }));
  }

  /** Stop tracking (the run is done with this stack). */
  done(): void {
    this.unregister();
  }

  /** Delete the change set unless it was executed; once, whoever asks first (the run or a cancellation). */
  remove(): Promise<ChangeSetCleanup> {
    this.deletion ??= this.removeOnce();
    return this.deletion;
  }

  private async cancelCleanup(): Promise<ChangeSetCleanup> {
    await this.creating;
    if (this.state.kind === 'executing')
      return {
        ok: false,
        detail: `ExecuteChangeSet was sent; the stack update may be running in CloudFormation — check the stack`,
      };
    return this.remove();
  }

  private async removeOnce(): Promise<ChangeSetCleanup> {
    await this.creating;
    const state = this.state;
    if (state.kind === 'not-created' || state.kind === 'creating') return { ok: true, detail: NOT_CREATED };
    if (state.kind === 'executing') return { ok: false, detail: 'ExecuteChangeSet was sent; not deleted' };
    try {
      await send(this.deps.clock, () =>
        this.deps.cfn.send(
          new DeleteChangeSetCommand({
            // By id when CloudFormation gave us one; by our own name when the create answer was lost.
            ChangeSetName: state.kind === 'created' ? state.id : this.name,
            StackName: this.stack,
          }),
        ),
      );
      return { ok: true, detail: 'deleted' };
    } catch (e) {
      if (isNotFound(e)) return { ok: true, detail: 'verified gone (CloudFormation: not found)' };
      return {
        ok: false,
        detail: `DeleteChangeSet failed (${errorMessage(e)}); it may still exist — delete it by hand`,
      };
    }
  }
}
