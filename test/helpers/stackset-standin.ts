// A loopback stand-in for CloudFormation StackSets (moto finishes every operation at once, never fails an
// instance and ignores OperationId): the query protocol as test/helpers/cfn-query-stub.ts speaks it, with
// operations that step RUNNING → SUCCEEDED / FAILED, per-instance results, another party's running operation
// (OperationInProgressException until it ends), failures within and beyond the failure tolerance, answers that
// are lost after the operation was started (the SDK retries with the same OperationId), and real-time
// instance durations for the benchmark. Also answers STS GetCallerIdentity (the account guard).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseTemplate, templateParameters } from '../../src/cfn/template';
import { CFN_NS, toXml } from './cfn-query-stub';

export const STANDIN_ACCOUNT = '111111111111';
const STS_NS = 'https://sts.amazonaws.com/doc/2011-06-15/';

export interface StandInOptions {
  /** DescribeStackSetOperation answers RUNNING this many times before the operation ends. Default 1. */
  pollsToFinish?: number;
  /** Real-time instance durations (benchmark): the operation ends when its last instance does. */
  durationMs?: (account: string, region: string) => number;
  /** An instance that fails (with this reason) in every operation that touches it. */
  fail?: (account: string, region: string, action: string) => string | undefined;
  /** Actions whose first answer is lost (HTTP 500 after the work was done): the SDK retries. */
  loseFirstAnswer?: string[];
  /** Operations that answer RUNNING for ever (until `finish(id)`). */
  hang?: boolean;
  /** A race: just before the first call of `action` is handled, someone else's operation starts (ends after `polls` listings). */
  raceBefore?: { action: string; polls: number };
  /** Called with each call before it is answered (e.g. to change the state at that moment). */
  onCall?: (action: string, params: Record<string, string>) => void;
  /** DetectStackSetDrift: each instance's drift status (default IN_SYNC). */
  drift?: (account: string, region: string) => 'DRIFTED' | 'IN_SYNC';
}

interface Instance {
  account: string;
  region: string;
  status: 'CURRENT' | 'OUTDATED' | 'INOPERABLE';
  detailed: string;
  reason?: string;
  drift?: string;
  driftCheckedAt?: Date;
}

interface Operation {
  id: string;
  action: 'CREATE' | 'UPDATE' | 'DELETE' | 'DETECT_DRIFT';
  status: string;
  statusReason?: string;
  created: Date;
  ended?: Date;
  targets: Array<{ account: string; region: string }>;
  results: Array<{ account: string; region: string; status: string; reason?: string }>;
  polls: number;
  endsAt?: number;
  tolerance: { count?: number; percentage?: number };
  external?: boolean;
}

export interface StackSetState {
  name: string;
  id: string;
  template: string;
  parameters: Map<string, string>;
  tags: Array<{ Key: string; Value: string }>;
  instances: Map<string, Instance>;
  operations: Operation[];
}

export interface QueryCall {
  action: string;
  params: Record<string, string>;
}

export interface StandIn {
  endpoint: string;
  calls: QueryCall[];
  ops(action: string): QueryCall[];
  sets: Map<string, StackSetState>;
  /** Add a running operation of someone else's; it ends after `polls` reads of the stack set's operations. */
  busy(stackSet: string, id: string, polls: number): void;
  /** End a hanging operation now. */
  finish(id: string): void;
  close(): Promise<void>;
}

class QueryError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** `Name.member.1`, `Name.member.2`, … as a list. */
function members(params: Record<string, string>, name: string): string[] {
  const out: string[] = [];
  for (let index = 1; params[`${name}.member.${index}`] !== undefined; index++)
    out.push(params[`${name}.member.${index}`] as string);
  return out;
}

function pairs(params: Record<string, string>, name: string, key: string, value: string) {
  const out: Array<Record<string, string | undefined>> = [];
  for (let index = 1; params[`${name}.member.${index}.${key}`] !== undefined; index++)
    out.push({
      key: params[`${name}.member.${index}.${key}`],
      value: params[`${name}.member.${index}.${value}`],
      usePrevious: params[`${name}.member.${index}.UsePreviousValue`],
    });
  return out;
}

const ACTIVE = new Set(['RUNNING', 'QUEUED', 'STOPPING']);

export async function startStackSetStandIn(options: StandInOptions = {}): Promise<StandIn> {
  const sets = new Map<string, StackSetState>();
  const calls: QueryCall[] = [];
  const lost = new Set(options.loseFirstAnswer ?? []);
  const hung = new Set<string>();
  let counter = 0;

  const setOf = (name: string | undefined): StackSetState => {
    const found = sets.get(name ?? '');
    if (!found) throw new QueryError('StackSetNotFoundException', `StackSet ${name} not found`);
    return found;
  };
  const key = (account: string, region: string) => `${account}/${region}`;

  /** Move an operation on: by polls, or by real time when durations are given. */
  const advance = (set: StackSetState, operation: Operation): void => {
    if (!ACTIVE.has(operation.status) || hung.has(operation.id)) return;
    if (operation.external) return;
    const done = options.durationMs
      ? Date.now() >= (operation.endsAt ?? 0)
      : operation.polls >= (options.pollsToFinish ?? 1);
    if (!done) return;
    operation.results = operation.targets.map(({ account, region }) => {
      const reason = options.fail?.(account, region, operation.action);
      const instanceKey = key(account, region);
      if (operation.action === 'DETECT_DRIFT') {
        const instance = set.instances.get(instanceKey);
        if (instance) {
          instance.drift = options.drift?.(account, region) ?? 'IN_SYNC';
          instance.driftCheckedAt = new Date();
        }
      } else if (operation.action === 'DELETE') {
        if (!reason) set.instances.delete(instanceKey);
      } else {
        set.instances.set(instanceKey, {
          account,
          region,
          status: reason ? 'OUTDATED' : 'CURRENT',
          detailed: reason ? 'FAILED' : 'SUCCEEDED',
          reason,
        });
      }
      return {
        account,
        region,
        status: reason ? 'FAILED' : 'SUCCEEDED',
        reason: reason ?? 'Stack instance is current',
      };
    });
    const failed = operation.results.filter((result) => result.status === 'FAILED').length;
    const allowed =
      operation.tolerance.count ??
      Math.floor(((operation.tolerance.percentage ?? 0) * operation.targets.length) / 100);
    operation.status = failed > allowed ? 'FAILED' : 'SUCCEEDED';
    if (failed > allowed) operation.statusReason = 'The operation exceeded the failure tolerance.';
    operation.ended = new Date();
  };

  /** The time one operation takes: regions one after another, accounts in each region `concurrency` at a time. */
  const plannedMs = (targets: Operation['targets'], params: Record<string, string>): number => {
    if (!options.durationMs) return 0;
    const concurrency = Number(params['OperationPreferences.MaxConcurrentCount'] ?? '1');
    const parallelRegions = params['OperationPreferences.RegionConcurrencyType'] === 'PARALLEL';
    const regions = [...new Set(targets.map((target) => target.region))];
    const perRegion = regions.map((region) => {
      const durations = targets
        .filter((target) => target.region === region)
        .map((target) => options.durationMs!(target.account, target.region));
      let total = 0;
      for (let index = 0; index < durations.length; index += concurrency)
        total += Math.max(...durations.slice(index, index + concurrency));
      return total;
    });
    return parallelRegions ? Math.max(0, ...perRegion) : perRegion.reduce((sum, ms) => sum + ms, 0);
  };

  const start = (
    set: StackSetState,
    params: Record<string, string>,
    action: Operation['action'],
    targets: Operation['targets'],
  ): string => {
    const id = params.OperationId || `standin-op-${++counter}`;
    if (set.operations.some((operation) => operation.id === id))
      throw new QueryError('OperationIdAlreadyExistsException', `The operation ID ${id} already exists.`);
    const running = set.operations.find((operation) => ACTIVE.has(operation.status));
    if (running)
      throw new QueryError(
        'OperationInProgressException',
        `Another Operation on StackSet ${set.id} is in progress: ${running.id}`,
      );
    const tolerance = params['OperationPreferences.FailureTolerancePercentage']
      ? { percentage: Number(params['OperationPreferences.FailureTolerancePercentage']) }
      : { count: Number(params['OperationPreferences.FailureToleranceCount'] ?? '0') };
    set.operations.push({
      id,
      action,
      status: 'RUNNING',
      created: new Date(),
      targets,
      results: [],
      polls: 0,
      endsAt: Date.now() + plannedMs(targets, params),
      tolerance,
    });
    if (options.hang) hung.add(id);
    return id;
  };

  const targetsOf = (params: Record<string, string>) => {
    const owners = members(params, 'Accounts');
    const units = members(params, 'DeploymentTargets.OrganizationalUnitIds');
    return [...owners, ...units].flatMap((account) =>
      members(params, 'Regions').map((region) => ({ account, region })),
    );
  };

  const describeSet = (set: StackSetState) => {
    let noEcho = new Set<string>();
    try {
      noEcho = new Set(
        templateParameters(parseTemplate(set.template))
          .filter((parameter) => parameter.noEcho)
          .map((parameter) => parameter.name),
      );
    } catch {
      // an unreadable template has no NoEcho parameters to mask
    }
    return {
      StackSetName: set.name,
      StackSetId: set.id,
      Status: 'ACTIVE',
      TemplateBody: set.template,
      Parameters: [...set.parameters].map(([ParameterKey, value]) => ({
        ParameterKey,
        ParameterValue: noEcho.has(ParameterKey) ? '****' : value,
      })),
      Tags: set.tags,
      StackSetARN: `arn:aws:cloudformation:us-east-1:${STANDIN_ACCOUNT}:stackset/${set.id}`,
      PermissionModel: 'SELF_MANAGED',
      ExecutionRoleName: 'AWSCloudFormationStackSetExecutionRole',
    };
  };

  const applyParameters = (set: StackSetState, params: Record<string, string>) => {
    const next = new Map<string, string>();
    for (const parameter of pairs(params, 'Parameters', 'ParameterKey', 'ParameterValue'))
      next.set(
        parameter.key as string,
        parameter.usePrevious === 'true'
          ? (set.parameters.get(parameter.key as string) ?? '')
          : (parameter.value ?? ''),
      );
    set.parameters = next;
  };

  const operationOf = (name: string | undefined, id: string | undefined) => {
    const set = setOf(name);
    const operation = set.operations.find((candidate) => candidate.id === id);
    if (!operation) throw new QueryError('OperationNotFoundException', `Operation ${id} not found`);
    return { set, operation };
  };
  let race = options.raceBefore;
  const handle = (action: string, params: Record<string, string>): unknown => {
    const name = params.StackSetName;
    if (race && race.action === action) {
      setOf(name).operations.push({
        id: 'racing-op',
        action: 'UPDATE',
        status: 'RUNNING',
        created: new Date(),
        targets: [],
        results: [],
        polls: race.polls,
        tolerance: {},
        external: true,
      });
      race = undefined;
    }
    switch (action) {
      case 'GetCallerIdentity':
        return {
          Account: STANDIN_ACCOUNT,
          Arn: `arn:aws:iam::${STANDIN_ACCOUNT}:user/standin`,
          UserId: 'AIDSTANDIN',
        };
      case 'CreateStackSet': {
        if (sets.has(name ?? ''))
          throw new QueryError('NameAlreadyExistsException', `StackSet ${name} already exists`);
        const set: StackSetState = {
          name: name as string,
          id: `${name}:${++counter}`,
          template: params.TemplateBody ?? '',
          parameters: new Map(),
          tags: pairs(params, 'Tags', 'Key', 'Value').map((tag) => ({
            Key: tag.key as string,
            Value: tag.value ?? '',
          })),
          instances: new Map(),
          operations: [],
        };
        applyParameters(set, params);
        sets.set(set.name, set);
        return { StackSetId: set.id };
      }
      case 'DescribeStackSet':
        return { StackSet: describeSet(setOf(name)) };
      case 'UpdateStackSet': {
        const set = setOf(name);
        const targets = [...set.instances.values()].map(({ account, region }) => ({ account, region }));
        const id = start(set, params, 'UPDATE', targets);
        set.template = params.TemplateBody ?? set.template;
        applyParameters(set, params);
        set.tags = pairs(params, 'Tags', 'Key', 'Value').map((tag) => ({
          Key: tag.key as string,
          Value: tag.value ?? '',
        }));
        for (const instance of set.instances.values()) instance.status = 'OUTDATED';
        return { OperationId: id };
      }
      case 'CreateStackInstances':
      case 'UpdateStackInstances':
      case 'DeleteStackInstances': {
        const set = setOf(name);
        const kind =
          action === 'CreateStackInstances'
            ? 'CREATE'
            : action === 'UpdateStackInstances'
              ? 'UPDATE'
              : 'DELETE';
        return { OperationId: start(set, params, kind, targetsOf(params)) };
      }
      case 'DetectStackSetDrift': {
        const set = setOf(name);
        const targets = [...set.instances.values()].map(({ account, region }) => ({ account, region }));
        return { OperationId: start(set, params, 'DETECT_DRIFT', targets) };
      }
      case 'ListStackInstances': {
        const set = setOf(name);
        for (const operation of set.operations) advance(set, operation);
        return {
          Summaries: [...set.instances.values()].map((instance) => ({
            StackSetId: set.id,
            Account: instance.account,
            Region: instance.region,
            Status: instance.status,
            StatusReason: instance.reason,
            StackInstanceStatus: { DetailedStatus: instance.detailed },
            DriftStatus: instance.drift ?? 'NOT_CHECKED',
            LastDriftCheckTimestamp: instance.driftCheckedAt,
          })),
        };
      }
      case 'ListStackSetOperations': {
        const set = setOf(name);
        for (const operation of set.operations) {
          if (operation.external && ACTIVE.has(operation.status) && --operation.polls <= 0) {
            operation.status = 'SUCCEEDED';
            operation.ended = new Date();
          }
          advance(set, operation);
        }
        return {
          Summaries: set.operations.map((operation) => ({
            OperationId: operation.id,
            Action: operation.action,
            Status: operation.status,
            CreationTimestamp: operation.created,
            EndTimestamp: operation.ended,
          })),
        };
      }
      case 'DescribeStackSetOperation': {
        const { set, operation } = operationOf(name, params.OperationId);
        operation.polls += 1;
        advance(set, operation);
        return {
          StackSetOperation: {
            OperationId: operation.id,
            StackSetId: set.id,
            Action: operation.action,
            Status: operation.status,
            StatusReason: operation.statusReason,
            CreationTimestamp: operation.created,
            EndTimestamp: operation.ended,
          },
        };
      }
      case 'ListStackSetOperationResults': {
        const { operation } = operationOf(name, params.OperationId);
        return {
          Summaries: operation.results.map((result) => ({
            Account: result.account,
            Region: result.region,
            Status: result.status,
            StatusReason: result.reason,
          })),
        };
      }
      default:
        throw new QueryError('InvalidAction', `The action ${action} is not valid for this web service.`);
    }
  };

  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const params = Object.fromEntries(new URLSearchParams(body));
      const action = params.Action ?? '';
      calls.push({ action, params });
      options.onCall?.(action, params);
      const ns = action === 'GetCallerIdentity' ? STS_NS : CFN_NS;
      const requestId = `standin-${calls.length}`;
      try {
        const result = handle(action, params);
        if (lost.delete(action)) {
          // The work is done, the answer never arrives: the SDK retries the same request.
          res.writeHead(500, { 'content-type': 'text/xml' });
          res.end(
            `<ErrorResponse xmlns="${ns}"><Error><Type>Receiver</Type><Code>InternalFailure</Code><Message>lost</Message></Error></ErrorResponse>`,
          );
          return;
        }
        res.writeHead(200, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
        res.end(
          `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${ns}"><${action}Result>${toXml(result)}</${action}Result><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
        );
      } catch (error) {
        const known = error instanceof QueryError;
        res.writeHead(known ? 400 : 500, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
        const message = (error as Error).message.replace(/&/g, '&amp;').replace(/</g, '&lt;');
        res.end(
          `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${ns}"><Error><Type>Sender</Type><Code>${known ? error.code : 'InternalFailure'}</Code><Message>${message}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
        );
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    ops: (action) => calls.filter((call) => call.action === action),
    sets,
    busy(stackSet, id, polls) {
      setOf(stackSet).operations.push({
        id,
        action: 'UPDATE',
        status: 'RUNNING',
        created: new Date(),
        targets: [],
        results: [],
        polls,
        tolerance: {},
        external: true,
      });
    },
    finish(id) {
      hung.delete(id);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
