import { createHash } from 'node:crypto';
import {
  ContinueUpdateRollbackCommand,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  ExecuteChangeSetCommand,
  GetTemplateSummaryCommand,
  ListChangeSetsCommand,
  UpdateTerminationProtectionCommand,
  type Change,
  type CloudFormationClient,
  type CreateChangeSetCommandInput,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import type { S3Ops, StsOps } from './aws-extra';
import type { Clock } from '../../../src/clock';
import { awsErrorName, GuardError, InputError } from '../../../src/errors';
import type { Logger } from '../../../src/log';
import { maskSecret, type Masker } from '../../../src/mask';
import { pollUntil } from '../../../src/poll';
import { buildParameters } from '../../../src/cfn/parameters';
import { describeStack } from '../../../src/cfn/stack';
import {
  MAX_TEMPLATE_BODY_BYTES,
  parseTemplate,
  templateParameters,
  type TemplateParameter,
} from '../../../src/cfn/template';
import {
  createChangeSet,
  deleteChangeSet,
  describeChangeSetAll,
  waitForChangeSet,
  type DescribeChangeSetOutputAll,
} from '../../../src/cfn/changeset';
import type { DeployInputs } from './inputs';
import { decide, isTerminal } from './status';
import { EventStreamer, firstFailures } from './events';
import { describeRef, rollbackPreflight, type PreflightResult } from './preflight';

export interface DeployDeps {
  cfn: CloudFormationClient;
  /** S3 and STS are built lazily: most deploys need neither, and loading them costs cold-start time. */
  s3: () => Promise<S3Ops>;
  sts: () => Promise<StsOps>;
  log: Logger;
  clock: Clock;
  mask: Masker;
}

export type Result = 'created' | 'updated' | 'no-changes' | 'planned' | 'refused';

export interface DeployResult {
  result: Result;
  stackName: string;
  stackId?: string;
  stackStatus?: string;
  changeSetId?: string;
  changeSetName?: string;
  changeSetType?: 'CREATE' | 'UPDATE';
  hasChanges: boolean;
  changesCount: number;
  changeSet?: DescribeChangeSetOutputAll;
  changes: Change[];
  outputs: Record<string, string>;
  accountId?: string;
  preflight?: PreflightResult;
  /** Values masked in logs; also redacted from anything we render. */
  secrets: string[];
  noEchoParameters: string[];
  notes: string[];
}

/** Hook the destructive-change gate and plan rendering plug into (plan-summaries issue). Returns a reason to refuse, or undefined. */
export type ChangeSetGate = (
  cs: DescribeChangeSetOutputAll,
  result: DeployResult,
) => Promise<string | undefined> | string | undefined;

export class Deployer {
  /** A change set we created and have not executed yet (deleted on cancellation and on our own failure paths). */
  private pending?: { id: string; stackName: string; keep: boolean };
  private executed = false;
  readonly result: DeployResult;

  constructor(
    private readonly inp: DeployInputs,
    private readonly deps: DeployDeps,
    private readonly gate?: ChangeSetGate,
  ) {
    this.result = {
      result: 'no-changes',
      stackName: inp.stackName,
      hasChanges: false,
      changesCount: 0,
      changes: [],
      outputs: {},
      secrets: [],
      noEchoParameters: [],
      notes: [],
    };
  }

  /** Called on SIGINT/SIGTERM and on failure: never leave an orphaned change set behind. */
  async cleanup(why: string): Promise<void> {
    const p = this.pending;
    if (!p || this.executed || p.keep) return;
    this.pending = undefined;
    this.deps.log.info(`Deleting change set ${p.id} (${why}).`);
    await deleteChangeSet(this.deps.cfn, p.id, p.stackName, this.deps.log);
  }

  async run(): Promise<DeployResult> {
    try {
      return await this.runInner();
    } catch (e) {
      await this.cleanup('the deploy did not complete');
      throw e;
    }
  }

  private async runInner(): Promise<DeployResult> {
    const { inp, deps } = this;
    const { cfn, log } = deps;
    const r = this.result;

    // C3: mask NoEcho values before anything is printed.
    const templateParams = await this.maskNoEcho();

    // C2: the account guard runs before any mutating call.
    await this.accountGuard();

    if (inp.mode === 'execute-only') return this.executeOnly();

    let stack = await this.resolveStackState();
    const changeSetType = stack ? 'UPDATE' : 'CREATE';
    r.changeSetType = changeSetType;
    r.changeSetName = inp.changeSetName;

    const input: CreateChangeSetCommandInput = {
      StackName: inp.stackName,
      ChangeSetName: inp.changeSetName,
      ChangeSetType: changeSetType,
      ClientToken: inp.changeSetName,
      Capabilities: inp.capabilities,
      Parameters: buildParameters(
        inp.parameterOverrides,
        templateParams?.map((p) => p.name),
        stack ? (stack.Parameters ?? []).map((p) => p.ParameterKey as string) : undefined,
      ),
      Tags: inp.tags.length ? inp.tags : undefined,
      RoleARN: inp.roleArn,
      NotificationARNs: inp.notificationArns.length ? inp.notificationArns : undefined,
      IncludeNestedStacks: inp.includeNestedStacks || undefined,
      DeploymentMode: inp.deploymentMode,
      OnStackFailure: changeSetType === 'CREATE' && inp.disableRollback ? 'DO_NOTHING' : undefined,
      Description: changeSetDescription(inp.mode, process.env),
      ...(await this.templateArgs()),
    };

    log.info(`Creating ${changeSetType} change set ${inp.changeSetName} for stack ${inp.stackName}.`);
    const created = await createChangeSet(cfn, input);
    if (created.kind === 'empty') return this.noChanges(created.reason, stack);
    r.changeSetId = created.id;
    r.stackId = created.stackId ?? stack?.StackId;
    r.accountId ??= accountOf(r.stackId);
    this.pending = { id: created.id, stackName: inp.stackName, keep: false };

    const state = await waitForChangeSet({
      cfn,
      changeSetId: created.id,
      stackName: inp.stackName,
      clock: deps.clock,
      timeoutMs: inp.waitTimeoutMs,
    });
    if (state.kind === 'empty') {
      if (!inp.noDeleteFailedChangeset) {
        this.pending = undefined;
        await deleteChangeSet(cfn, created.id, inp.stackName, log);
      } else this.pending.keep = true;
      return this.noChanges(state.reason, stack);
    }
    if (state.kind === 'failed') {
      if (inp.noDeleteFailedChangeset) this.pending.keep = true;
      throw new GuardError(
        `Change set ${inp.changeSetName} for stack ${inp.stackName} failed: ${state.reason}`,
      );
    }

    const cs = state.description;
    r.changeSet = cs;
    r.changes = cs.Changes;
    r.changesCount = cs.Changes.length;
    r.hasChanges = true;
    log.info(`Change set ${inp.changeSetName} has ${cs.Changes.length} change(s).`);

    if (stack && inp.rollbackPreflight !== 'off') await this.preflight(stack);

    const refusal = this.gate ? await this.gate(cs, r) : undefined;
    if (inp.mode === 'create-only') {
      this.pending.keep = true;
      r.result = 'planned';
      r.stackStatus = stack?.StackStatus ?? 'REVIEW_IN_PROGRESS';
      log.info(`mode: create-only — change set ${cs.ChangeSetId} is kept for review and not executed.`);
      await this.deleteSupersededPlans(created.id, input.Description as string);
      return r;
    }
    if (refusal) {
      r.result = 'refused';
      throw new GuardError(refusal);
    }
    stack = await this.execute(created.id, changeSetType, stack);
    return this.finish(stack, changeSetType === 'CREATE' ? 'created' : 'updated');
  }

  private async maskNoEcho(): Promise<TemplateParameter[] | undefined> {
    const { inp, deps } = this;
    if (!inp.template) return undefined;
    let params: TemplateParameter[];
    if (inp.template.kind === 'file') {
      params = templateParameters(parseTemplate(inp.template.body));
    } else {
      const s = await deps.cfn.send(new GetTemplateSummaryCommand({ TemplateURL: inp.template.url }));
      params = (s.Parameters ?? []).map((p) => ({
        name: p.ParameterKey as string,
        noEcho: p.NoEcho === true,
        hasDefault: p.DefaultValue !== undefined,
      }));
    }
    const noEcho = new Set(params.filter((p) => p.noEcho).map((p) => p.name));
    this.result.noEchoParameters = [...noEcho];
    for (const o of inp.parameterOverrides) {
      if (noEcho.has(o.key) && o.value) {
        maskSecret(o.value, deps.mask);
        this.result.secrets.push(o.value);
      }
    }
    return params;
  }

  /**
   * A new plan for the same pull request (or branch) supersedes the previous ones: delete our earlier
   * AVAILABLE change sets with the same plan scope, so plan change sets do not pile up on the stack.
   * Plans of other pull requests are left alone. Never fails the step.
   */
  private async deleteSupersededPlans(keepId: string, description: string): Promise<void> {
    const { inp, deps } = this;
    const scope = planScopeOf(description);
    if (!scope) return;
    try {
      let token: string | undefined;
      let pages = 0;
      const stale: string[] = [];
      do {
        const page = await deps.cfn.send(
          new ListChangeSetsCommand({ StackName: inp.stackName, NextToken: token }),
        );
        for (const c of page.Summaries ?? []) {
          if (
            c.ChangeSetId &&
            c.ChangeSetId !== keepId &&
            c.StackName === inp.stackName &&
            c.ExecutionStatus === 'AVAILABLE' &&
            planScopeOf(c.Description) === scope
          ) {
            stale.push(c.ChangeSetId);
          }
        }
        token = page.NextToken;
      } while (token && ++pages < 20);
      for (const id of stale) await deleteChangeSet(deps.cfn, id, inp.stackName, deps.log);
      if (stale.length)
        this.result.notes.push(
          `Deleted ${stale.length} earlier plan change set(s) of ${scope} superseded by this one.`,
        );
    } catch (e) {
      deps.log.warning(
        `Could not clean up earlier plan change sets of stack ${inp.stackName}: ${(e as Error).message}`,
      );
    }
  }

  private async accountGuard(): Promise<void> {
    const { inp, deps } = this;
    if (!inp.expectedAccountId) return;
    try {
      this.result.accountId = await (await deps.sts()).accountId();
    } catch (e) {
      throw new GuardError(
        `Could not verify the AWS account (expected-account-id is set): ${(e as Error).message}`,
      );
    }
    if (this.result.accountId !== inp.expectedAccountId) {
      throw new GuardError(
        `Refusing to deploy stack ${inp.stackName}: the credentials are for AWS account ${this.result.accountId}, but expected-account-id is ${inp.expectedAccountId}. Check the role this job assumed (C2).`,
      );
    }
    deps.log.info(`Account guard: credentials are for the expected account ${inp.expectedAccountId}.`);
  }

  private describeStack(): Promise<Stack | undefined> {
    return describeStack(this.deps.cfn, this.inp.stackName);
  }

  /**
   * Poll DescribeStacks until `accept` says the wait is over. `sawProgress` tells whether an *_IN_PROGRESS
   * status was seen during this wait: operations we start (DeleteStack, ContinueUpdateRollback) are
   * asynchronous, so right after the call the stack can still show the state we acted on.
   */
  private async waitForStable(
    what: string,
    accept: (s: Stack | undefined, sawProgress: boolean) => boolean = (s) => !s || isTerminal(s.StackStatus),
  ): Promise<Stack | undefined> {
    let sawProgress = false;
    return pollUntil<{ s: Stack | undefined }>({
      what: `stack ${this.inp.stackName} ${what}`,
      timeoutMs: this.inp.waitTimeoutMs,
      clock: this.deps.clock,
      initialMs: 1000,
      factor: 1.5,
      maxMs: 10_000,
      check: async () => {
        const s = await this.describeStack();
        if (s && !isTerminal(s.StackStatus)) sawProgress = true;
        return accept(s, sawProgress) ? { s } : undefined;
      },
    }).then((x) => x.s);
  }

  /** Apply the stack status decision table (R2) until the stack is ready for a CREATE or UPDATE change set. */
  private async resolveStackState(): Promise<Stack | undefined> {
    const { inp, deps } = this;
    const { log, cfn } = deps;
    let stack = await this.describeStack();
    for (let round = 0; round < 5; round++) {
      const status = stack?.StackStatus;
      const d = decide(status);
      log.info(`Stack ${inp.stackName}: ${status ?? 'does not exist'} → ${d.action}. ${d.note}`);
      switch (d.action) {
        case 'create':
          return undefined;
        case 'update':
          return stack;
        case 'wait':
          stack = await this.waitForStable(`to leave ${status}`);
          continue;
        case 'rollback-complete': {
          if (inp.onRollbackComplete !== 'delete') {
            throw new GuardError(
              `Stack ${inp.stackName} is in ROLLBACK_COMPLETE: ${d.note}${await this.failureHint()}`,
            );
          }
          if (inp.mode === 'create-only') {
            throw new GuardError(
              `Stack ${inp.stackName} is in ROLLBACK_COMPLETE; mode: create-only never deletes stacks. Deploy with create-and-execute and on-rollback-complete: delete, or delete it by hand.`,
            );
          }
          log.warning(
            `Stack ${inp.stackName} is in ROLLBACK_COMPLETE (it holds no resources); deleting it as on-rollback-complete: delete asks.`,
          );
          await cfn.send(new DeleteStackCommand({ StackName: inp.stackName, RoleARN: inp.roleArn }));
          stack = await this.waitForStable(
            'to be deleted',
            (s, sawProgress) =>
              !s || s.StackStatus === 'DELETE_FAILED' || (sawProgress && isTerminal(s.StackStatus)),
          );
          if (stack && stack.StackStatus !== 'DELETE_COMPLETE') {
            throw new GuardError(`Deleting stack ${inp.stackName} ended in ${stack.StackStatus}.`);
          }
          this.result.notes.push('Deleted the ROLLBACK_COMPLETE stack before creating it again.');
          continue;
        }
        case 'update-rollback-failed': {
          const hint = await this.failureHint();
          if (inp.onUpdateRollbackFailed !== 'continue' || inp.mode === 'create-only') {
            throw new GuardError(`Stack ${inp.stackName} is in UPDATE_ROLLBACK_FAILED: ${d.note}${hint}`);
          }
          log.warning(
            `Stack ${inp.stackName} is in UPDATE_ROLLBACK_FAILED; continuing the rollback${inp.resourcesToSkip.length ? `, skipping ${inp.resourcesToSkip.join(', ')}` : ''}.${hint}`,
          );
          await cfn.send(
            new ContinueUpdateRollbackCommand({
              StackName: inp.stackName,
              RoleARN: inp.roleArn,
              ResourcesToSkip: inp.resourcesToSkip.length ? inp.resourcesToSkip : undefined,
              ClientRequestToken: `${inp.changeSetName}-continue`.slice(0, 128),
            }),
          );
          stack = await this.waitForStable(
            'to finish continue-update-rollback',
            (s, sawProgress) =>
              !s ||
              s.StackStatus === 'UPDATE_ROLLBACK_COMPLETE' ||
              (sawProgress && isTerminal(s.StackStatus)),
          );
          if (stack?.StackStatus !== 'UPDATE_ROLLBACK_COMPLETE') {
            throw new GuardError(
              `ContinueUpdateRollback on ${inp.stackName} ended in ${stack?.StackStatus ?? 'a deleted stack'}.${await this.failureHint()}`,
            );
          }
          this.result.notes.push('Continued the failed rollback before updating.');
          continue;
        }
        case 'fail':
          throw new GuardError(
            `Stack ${inp.stackName} is in ${status}: ${d.note}${stack?.StackStatusReason ? ` (reason: ${stack.StackStatusReason})` : ''}`,
          );
      }
    }
    throw new GuardError(`Stack ${inp.stackName} did not reach a deployable state.`);
  }

  /** " Failed resources: ..." from the newest page of stack events. */
  private async failureHint(): Promise<string> {
    try {
      const r = await this.deps.cfn.send(new DescribeStackEventsCommand({ StackName: this.inp.stackName }));
      const f = firstFailures(r.StackEvents ?? []);
      return f.length ? ` Failed resources: ${f.join('; ')}` : '';
    } catch {
      return '';
    }
  }

  private async templateArgs(): Promise<Pick<CreateChangeSetCommandInput, 'TemplateBody' | 'TemplateURL'>> {
    const { inp, deps } = this;
    const t = inp.template;
    if (!t) throw new InputError("Input 'template' is required.");
    if (t.kind === 'url') return { TemplateURL: t.url };
    const size = Buffer.byteLength(t.body);
    if (size <= MAX_TEMPLATE_BODY_BYTES) return { TemplateBody: t.body };
    if (!inp.s3Bucket) {
      throw new InputError(
        `The template is ${size} bytes, over CloudFormation's ${MAX_TEMPLATE_BODY_BYTES}-byte limit for inline templates: set s3-bucket (and optionally s3-prefix) so it can be uploaded.`,
      );
    }
    const hash = createHash('sha256').update(t.body).digest('hex').slice(0, 32);
    const key = `${inp.s3Prefix}${inp.s3Prefix && !inp.s3Prefix.endsWith('/') ? '/' : ''}${inp.stackName}/${hash}.template`;
    await (await deps.s3()).putObject(inp.s3Bucket, key, t.body);
    const url = `https://${inp.s3Bucket}.s3.${inp.region}.amazonaws.com/${key}`;
    deps.log.info(`Uploaded the ${size}-byte template to s3://${inp.s3Bucket}/${key}.`);
    return { TemplateURL: url };
  }

  private noChanges(reason: string, stack: Stack | undefined): DeployResult {
    const { inp, deps } = this;
    const r = this.result;
    r.result = 'no-changes';
    r.hasChanges = false;
    r.changesCount = 0;
    r.stackId = stack?.StackId ?? r.stackId;
    r.stackStatus = stack?.StackStatus;
    r.accountId ??= accountOf(r.stackId);
    if (stack) r.outputs = outputsOf(stack);
    deps.log.info(`No changes for stack ${inp.stackName} (${reason.trim()}). Nothing to deploy.`);
    if (inp.failOnEmptyChangeset) {
      throw new GuardError(
        `The change set for stack ${inp.stackName} contains no changes and fail-on-empty-changeset is true.`,
      );
    }
    return r;
  }

  private async preflight(stack: Stack): Promise<void> {
    const { inp, deps } = this;
    const res = await rollbackPreflight(
      { cfn: deps.cfn, s3: await deps.s3() },
      inp.stackName,
      stack.Parameters ?? [],
      {
        region: inp.region,
        accountId: this.result.accountId,
        partition: /^arn:([^:]+):/.exec(stack.StackId ?? '')?.[1],
      },
    );
    this.result.preflight = res;
    const total = res.present.length + res.missing.length + res.notChecked.length;
    if (total === 0) {
      deps.log.info('Rollback preflight: the deployed template references no S3 artifacts.');
      return;
    }
    deps.log.info(
      `Rollback preflight: ${res.present.length} artifact(s) present, ${res.missing.length} missing, ${res.notChecked.length} not checked.`,
    );
    for (const n of res.notChecked) deps.log.info(`Rollback preflight: not checked: ${describeRef(n)}`);
    if (res.missing.length === 0) return;
    const msg = `Rollback preflight (R1): the deployed version of ${inp.stackName} needs S3 objects that no longer exist, so a failed update could not roll back (UPDATE_ROLLBACK_FAILED): ${res.missing.map(describeRef).join('; ')}.`;
    if (inp.rollbackPreflight === 'fail')
      throw new GuardError(`${msg} Restore the objects or set rollback-preflight: warn.`);
    deps.log.warning(msg);
  }

  /**
   * Wait for the execution we started to end. ExecuteChangeSet is asynchronous: right after it, DescribeStacks
   * can still show the previous state (UPDATE_COMPLETE of the last deploy, REVIEW_IN_PROGRESS before a create).
   * So a final status counts only once this operation has visibly started: an *_IN_PROGRESS status was seen,
   * LastUpdatedTime moved, or the stack's own event with that status arrived after we started.
   */
  private async waitForExecution(
    type: 'CREATE' | 'UPDATE',
    before: Stack | undefined,
    streamer: EventStreamer,
  ): Promise<Stack | undefined> {
    let sawProgress = false;
    const beforeTime = before?.LastUpdatedTime?.getTime() ?? 0;
    return pollUntil<{ s: Stack | undefined }>({
      what: `stack ${this.inp.stackName} to finish the ${type}`,
      timeoutMs: this.inp.waitTimeoutMs,
      clock: this.deps.clock,
      initialMs: 1000,
      factor: 1.5,
      maxMs: 10_000,
      onTick: () => streamer.poll().then(() => undefined),
      check: async () => {
        const s = await this.describeStack();
        if (!s) return { s }; // deleted (OnStackFailure DELETE)
        const status = s.StackStatus ?? '';
        if (status.endsWith('_IN_PROGRESS') && status !== 'REVIEW_IN_PROGRESS') {
          sawProgress = true;
          return undefined;
        }
        if (!FINAL_AFTER[type].has(status)) return undefined;
        if (type === 'CREATE') return { s };
        const started =
          sawProgress ||
          (s.LastUpdatedTime?.getTime() ?? 0) !== beforeTime ||
          streamer.stackStatuses.includes(status);
        return started ? { s } : undefined;
      },
    }).then((x) => x.s);
  }

  private async execute(
    changeSetId: string,
    type: 'CREATE' | 'UPDATE',
    before: Stack | undefined,
  ): Promise<Stack> {
    const { inp, deps } = this;
    const streamer = new EventStreamer(deps.cfn, inp.stackName, deps.log);
    return deps.log.group(
      `deploy-stack: ${inp.stackName}${inp.environment ? ` (${inp.environment})` : ''} — executing ${type}`,
      async () => {
        await streamer.prime();
        deps.log.info(`Executing change set ${changeSetId}.`);
        await deps.cfn.send(
          new ExecuteChangeSetCommand({
            ChangeSetName: changeSetId,
            StackName: inp.stackName,
            DisableRollback: type === 'UPDATE' && inp.disableRollback ? true : undefined,
            ClientRequestToken: `${inp.changeSetName}-exec`.slice(0, 128),
          }),
        );
        this.executed = true;
        this.pending = undefined;
        const stack = await this.waitForExecution(type, before, streamer);
        await streamer.poll();
        const ok = type === 'CREATE' ? 'CREATE_COMPLETE' : 'UPDATE_COMPLETE';
        if (!stack || stack.StackStatus !== ok) {
          const f = firstFailures([...streamer.failures].reverse());
          this.result.stackStatus = stack?.StackStatus ?? 'DELETE_COMPLETE';
          throw new GuardError(
            `Deploying stack ${inp.stackName} failed: it ended in ${this.result.stackStatus}.${f.length ? ` First failures: ${f.join('; ')}` : ''}`,
          );
        }
        if (type === 'CREATE' && inp.terminationProtection) {
          await deps.cfn.send(
            new UpdateTerminationProtectionCommand({
              StackName: inp.stackName,
              EnableTerminationProtection: true,
            }),
          );
          deps.log.info(`Enabled termination protection on ${inp.stackName}.`);
        }
        return stack;
      },
    );
  }

  private finish(stack: Stack, result: Result): DeployResult {
    const r = this.result;
    r.accountId ??= accountOf(stack.StackId);
    r.result = result;
    r.stackId = stack.StackId;
    r.stackStatus = stack.StackStatus;
    r.outputs = outputsOf(stack);
    this.deps.log.info(`Stack ${this.inp.stackName} is ${stack.StackStatus}.`);
    return r;
  }

  /** execute-only: run exactly the reviewed change set, if it is still AVAILABLE and the stack has not changed since. */
  private async executeOnly(): Promise<DeployResult> {
    const { inp, deps } = this;
    const r = this.result;
    const id = inp.executeChangeSetId as string;
    let cs: DescribeChangeSetOutputAll;
    try {
      cs = await describeChangeSetAll(deps.cfn, id, inp.stackName);
    } catch (e) {
      if (awsErrorName(e) === 'ChangeSetNotFoundException' || awsErrorName(e) === 'ChangeSetNotFound') {
        throw new GuardError(
          `Change set ${id} of stack ${inp.stackName} no longer exists; create a new plan.`,
        );
      }
      throw e;
    }
    r.changeSet = cs;
    r.changeSetId = cs.ChangeSetId;
    r.changeSetName = cs.ChangeSetName;
    r.changes = cs.Changes;
    r.changesCount = cs.Changes.length;
    r.hasChanges = true;
    if (cs.StackName && cs.StackName !== inp.stackName) {
      throw new GuardError(`Change set ${id} belongs to stack ${cs.StackName}, not ${inp.stackName}.`);
    }
    if (cs.ExecutionStatus !== 'AVAILABLE' || cs.Status !== 'CREATE_COMPLETE') {
      throw new GuardError(
        `Change set ${cs.ChangeSetName ?? id} cannot be executed: its status is ${cs.Status}/${cs.ExecutionStatus}${cs.StatusReason ? ` (${cs.StatusReason})` : ''}. It was executed, failed or went stale; create a new plan.`,
      );
    }
    const stack = await this.describeStack();
    const changed =
      stack?.LastUpdatedTime ??
      (stack?.StackStatus === 'REVIEW_IN_PROGRESS' ? undefined : stack?.CreationTime);
    if (stack && changed && cs.CreationTime && changed.getTime() > cs.CreationTime.getTime()) {
      throw new GuardError(
        `Stack ${inp.stackName} changed at ${changed.toISOString()}, after change set ${cs.ChangeSetName} was created (${cs.CreationTime.toISOString()}); the reviewed plan is stale. Create a new plan.`,
      );
    }
    if (stack && !isTerminal(stack.StackStatus)) {
      throw new GuardError(`Stack ${inp.stackName} is ${stack.StackStatus}; another operation is running.`);
    }
    const type = stack && stack.StackStatus !== 'REVIEW_IN_PROGRESS' ? 'UPDATE' : 'CREATE';
    r.changeSetType = type;
    if (stack && type === 'UPDATE' && inp.rollbackPreflight !== 'off') await this.preflight(stack);
    if (this.gate) await this.gate(cs, r); // render the plan; the review already happened, so no refusal here
    const done = await this.execute(cs.ChangeSetId as string, type, stack);
    return this.finish(done, type === 'CREATE' ? 'created' : 'updated');
  }
}

/**
 * Change set description: `guarded-deploy plan <scope> <commit>` for create-only plans (scope `pr-<n>` on pull
 * requests, `ref-<branch>` otherwise), `guarded-deploy <commit>` for deploys.
 */
export function changeSetDescription(mode: string, env: NodeJS.ProcessEnv): string {
  const commit =
    env.GITHUB_SHA && /^[0-9a-f]{7,40}$/i.test(env.GITHUB_SHA) ? env.GITHUB_SHA.slice(0, 12) : 'local';
  if (mode !== 'create-only') return `guarded-deploy ${commit}`;
  const pr = /^refs\/pull\/(\d+)\//.exec(env.GITHUB_REF ?? '')?.[1];
  const ref = (env.GITHUB_HEAD_REF || env.GITHUB_REF_NAME || '').replace(/[^\w./-]/g, '_').slice(0, 200);
  const scope = pr ? `pr-${pr}` : ref ? `ref-${ref}` : undefined;
  return scope ? `guarded-deploy plan ${scope} ${commit}` : `guarded-deploy ${commit}`;
}

export function planScopeOf(description: string | undefined): string | undefined {
  return /^guarded-deploy plan (\S+) /.exec(description ?? '')?.[1];
}

/** The account id inside a CloudFormation ARN (arn:aws:cloudformation:region:ACCOUNT:stack/...). */
export function accountOf(arn: string | undefined): string | undefined {
  return /^arn:[^:]+:cloudformation:[^:]*:(\d{12}):/.exec(arn ?? '')?.[1];
}

/** Where an execution of each kind can end. */
const FINAL_AFTER: Record<'CREATE' | 'UPDATE', Set<string>> = {
  CREATE: new Set([
    'CREATE_COMPLETE',
    'CREATE_FAILED',
    'ROLLBACK_COMPLETE',
    'ROLLBACK_FAILED',
    'DELETE_FAILED',
  ]),
  UPDATE: new Set(['UPDATE_COMPLETE', 'UPDATE_FAILED', 'UPDATE_ROLLBACK_COMPLETE', 'UPDATE_ROLLBACK_FAILED']),
};

export function outputsOf(stack: Stack): Record<string, string> {
  const out: Record<string, string> = {};
  for (const o of stack.Outputs ?? []) if (o.OutputKey) out[o.OutputKey] = o.OutputValue ?? '';
  return out;
}
