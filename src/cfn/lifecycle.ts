/**
 * The lifecycle of a change set we create, tracked from before CreateChangeSet is sent until it is executed,
 * kept (a plan for review) or deleted. The change set's name is ours, so the cleanup can find it by stack and
 * name even when the CreateChangeSet answer was lost or the job was cancelled mid-call. One cleanup serves
 * both cancellation (registered with `cancel.onCancel` before the create call) and our own failure path, and
 * it runs at most once.
 */
import {
  DeleteChangeSetCommand,
  DescribeChangeSetCommand,
  DescribeStacksCommand,
  ListChangeSetsCommand,
  type CloudFormationClient,
  type CreateChangeSetCommandInput,
} from '@aws-sdk/client-cloudformation';
import type { Cancellation } from '../cancel';
import type { Clock } from '../clock';
import { awsErrorName, CancelledError, errorMessage } from '../errors';
import type { Logger } from '../log';
import { beforeDeadline } from '../poll';
import { createChangeSet, type CreateResult } from './changeset';

/** How long a cleanup waits for a CreateChangeSet call in flight to answer before deleting by name. */
export const CREATE_IN_FLIGHT_GRACE_MS = 3_000;

/**
 * none: nothing was created (not sent yet, or CloudFormation answered "no changes").
 * creating: CreateChangeSet is in flight. unknown: the create call failed; the change set may exist.
 * ours: created, not executed — ours to delete. kept: a plan kept for review. executing: ExecuteChangeSet
 * was sent; the stack operation runs on AWS. executed: the operation ended. deleted: gone (verified).
 */
export type ChangeSetFate =
  'none' | 'creating' | 'unknown' | 'ours' | 'kept' | 'executing' | 'executed' | 'deleted';

export interface CleanupResult {
  ok: boolean;
  detail: string;
}

export interface ChangeSetLifecycleDeps {
  cfn: CloudFormationClient;
  log: Logger;
  clock: Clock;
  cancel: Cancellation;
  /**
   * How long a cleanup waits (real time) for a CreateChangeSet call in flight. Default: CREATE_IN_FLIGHT_GRACE_MS,
   * at most half the cancellation deadline (the delete must still fit after it).
   */
  createGraceMs?: number;
}

export interface TrackedChangeSet {
  readonly stackName: string;
  readonly name: string;
  readonly id: string | undefined;
  readonly stackId: string | undefined;
  readonly fate: ChangeSetFate;
  /** CreateChangeSet (M1-aware). Throws CancelledError without sending when the job was cancelled. */
  create(input: CreateChangeSetCommandInput): Promise<CreateResult>;
  /** create-only: the change set is the plan under review; the cleanup leaves it alone. */
  keep(): void;
  /** Send ExecuteChangeSet through this: after it, there is nothing of ours to delete. */
  execute<T>(send: () => Promise<T>): Promise<T>;
  /** The execution we waited for ended (in whatever status). */
  executionEnded(): void;
  /**
   * Delete the change set unless it was executed or kept. Runs once; later calls return the first result,
   * except after a cleanup that could not delete a change set whose create answered later (then by id).
   */
  cleanup(why: string): Promise<CleanupResult>;
  /** Unregister the cancellation cleanup (the run is over). */
  release(): void;
}

function isGone(e: unknown): boolean {
  const name = awsErrorName(e);
  return (
    name === 'ChangeSetNotFoundException' ||
    name === 'ChangeSetNotFound' ||
    (name === 'ValidationError' && /does not exist/i.test((e as Error).message))
  );
}

/**
 * Start tracking change set `name` of `stackName`: registers the cleanup with the job's cancellation NOW,
 * before anything is sent, so a cancellation at any point finds it.
 */
export function trackChangeSet(
  deps: ChangeSetLifecycleDeps,
  stackName: string,
  name: string,
): TrackedChangeSet {
  let fate: ChangeSetFate = 'none';
  let id: string | undefined;
  let stackId: string | undefined;
  let inFlight: Promise<unknown> | undefined;
  let cleaning: Promise<CleanupResult> | undefined;
  let lastCleanup: CleanupResult | undefined;
  const label = `change set ${name} of stack ${stackName}`;

  /** The stack's status right now, for an honest report (a read; allowed after cancellation). */
  const stackStatusNow = async (): Promise<string> => {
    try {
      // Bounded well inside the cleanup deadline: a status we cannot read must not cost the whole report.
      const answer = await beforeDeadline(
        deps.cfn.send(new DescribeStacksCommand({ StackName: stackId ?? stackName })),
        deps.cancel.deadlineMs / 4,
        () => new Error('no answer in time'),
      );
      return answer.Stacks?.[0]?.StackStatus ?? 'gone';
    } catch (e) {
      return `in a state we could not read (${errorMessage(e)})`;
    }
  };

  /** Does the change set still exist? true / false, or undefined when we could not tell. */
  const exists = async (target: string): Promise<boolean | undefined> => {
    try {
      await deps.cfn.send(new DescribeChangeSetCommand({ ChangeSetName: target, StackName: stackName }));
      return true;
    } catch (e) {
      return isGone(e) ? false : undefined;
    }
  };

  const deleteIt = async (why: string): Promise<CleanupResult> => {
    switch (fate) {
      case 'none':
        return { ok: true, detail: `no change set was created for stack ${stackName}` };
      case 'kept':
        return { ok: true, detail: `${label} is kept for review (create-only), as asked` };
      case 'executed':
        return { ok: true, detail: `${label} was executed; nothing to delete` };
      case 'deleted':
        return { ok: true, detail: `${label} was deleted` };
      case 'executing':
        return {
          ok: false,
          detail: `${label} was already executing: nothing to delete, and the stack operation continues on AWS (cancelling the job does not stop it); stack ${stackName} is ${await stackStatusNow()}`,
        };
      default:
        break;
    }
    if (fate === 'creating' && inFlight) {
      // Give the create call a moment to answer so we can delete by id. Real time, like the cancellation
      // deadline that bounds every cleanup (the pipeline's clock may be a test's instant one).
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        inFlight.catch(() => undefined),
        new Promise<void>((resolve) => {
          timer = setTimeout(
            resolve,
            deps.createGraceMs ?? Math.min(CREATE_IN_FLIGHT_GRACE_MS, deps.cancel.deadlineMs / 2),
          );
          timer.unref();
        }),
      ]);
      clearTimeout(timer);
    }
    // The create may have answered meanwhile.
    if ((fate as ChangeSetFate) === 'none')
      return { ok: true, detail: `no change set was created for stack ${stackName}` };
    const stillCreating = (fate as ChangeSetFate) === 'creating';
    const target = id ?? name;
    const by = id ? 'by id' : 'by name';
    let deleted = false;
    let failure: string | undefined;
    try {
      await deps.cfn.send(new DeleteChangeSetCommand({ ChangeSetName: target, StackName: stackName }));
      deleted = true;
    } catch (e) {
      if (!isGone(e)) failure = errorMessage(e);
    }
    if (deleted) {
      fate = 'deleted';
      deps.log.info(`Deleted ${label} (${why}).`);
      return { ok: true, detail: `deleted ${label} (${by})` };
    }
    const present = await exists(target);
    if (present === false && !stillCreating) {
      fate = 'deleted';
      return { ok: true, detail: `${label} does not exist (verified): nothing to delete` };
    }
    const reason = stillCreating
      ? 'CreateChangeSet was still in flight'
      : (failure ?? 'its deletion could not be verified');
    const detail = `${label} may remain (${reason}); delete it by hand`;
    deps.log.warning(`Could not delete ${label}: ${reason}. Delete it by hand.`);
    return { ok: false, detail };
  };

  /**
   * The SDK retried CreateChangeSet: an attempt whose answer was lost may have created a change set of the
   * same name (the service should treat the retry as the same request; an emulator may not). Delete every
   * other change set of this stack with our name — the name is unique to this run — and never fail on it.
   */
  const sweepTwins = async (keepId: string): Promise<void> => {
    try {
      const twins: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await deps.cfn.send(
          new ListChangeSetsCommand({ StackName: stackId ?? stackName, NextToken: token }),
        );
        for (const summary of page.Summaries ?? []) {
          if (
            summary.ChangeSetName === name &&
            summary.ChangeSetId &&
            summary.ChangeSetId !== keepId &&
            summary.StackName === stackName
          )
            twins.push(summary.ChangeSetId);
        }
        token = page.NextToken;
      } while (token && ++pages < 20);
      for (const twin of twins) {
        await deps.cfn.send(new DeleteChangeSetCommand({ ChangeSetName: twin, StackName: stackName }));
        deps.log.info(`Deleted ${twin}: a twin of ${label} left by a CreateChangeSet answer that was lost.`);
      }
    } catch (e) {
      deps.log.warning(
        `CreateChangeSet was retried; could not check for a twin of ${label}: ${errorMessage(e)}. Check the stack's change sets by hand.`,
      );
    }
  };

  const unregister = deps.cancel.onCancel(label, () =>
    tracked.cleanup(`the job was cancelled (${deps.cancel.reason ?? 'signal'})`),
  );

  const tracked: TrackedChangeSet = {
    stackName,
    name,
    get id() {
      return id;
    },
    get stackId() {
      return stackId;
    },
    get fate() {
      return fate;
    },
    async create(input) {
      deps.cancel.throwIfCancelled();
      fate = 'creating';
      // Pending before anything is sent, so a cleanup that runs at any point can wait for this call.
      const call = Promise.resolve().then(() => createChangeSet(deps.cfn, input));
      inFlight = call;
      try {
        const created = await call;
        if (created.kind === 'created') {
          id = created.id;
          stackId = created.stackId;
          if (fate === 'creating') fate = 'ours';
          if (created.attempts > 1) await sweepTwins(created.id);
        } else if (fate === 'creating') fate = 'none';
        return created;
      } catch (e) {
        // Refused by the client guard after a cancellation: nothing was sent. Otherwise the answer was lost
        // or the call was refused: the change set may or may not exist.
        if (fate === 'creating') fate = e instanceof CancelledError ? 'none' : 'unknown';
        throw e;
      } finally {
        inFlight = undefined;
      }
    },
    keep() {
      if (fate === 'ours') fate = 'kept';
    },
    async execute(send) {
      deps.cancel.throwIfCancelled();
      fate = 'executing';
      try {
        return await send();
      } catch (e) {
        // Not started (or unknown): the change set is still ours to delete; a delete of one that is
        // executing is refused by CloudFormation and reported.
        fate = 'ours';
        throw e;
      }
    },
    executionEnded() {
      if (fate === 'executing') fate = 'executed';
    },
    cleanup(why) {
      // Runs once — unless it could not delete because CreateChangeSet was still in flight and the change set
      // has since become ours (its id is known now): then a later cleanup tries again, by id.
      const retry = lastCleanup !== undefined && !lastCleanup.ok && fate === 'ours';
      if (!cleaning || retry) {
        // Bounded like a cancellation cleanup: a silent network must not hold the step (T1).
        const bound = deps.cancel.deadlineMs;
        cleaning = beforeDeadline(
          deleteIt(why),
          bound,
          () => new Error(`its deletion was not confirmed within ${Math.round(bound / 1000)} s`),
        )
          .catch((e: unknown) => ({
            ok: false,
            detail: `${label} may remain (${errorMessage(e)}); delete it by hand`,
          }))
          .then((result) => (lastCleanup = result));
      }
      return cleaning;
    },
    release() {
      unregister();
    },
  };
  return tracked;
}
