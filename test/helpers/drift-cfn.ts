/**
 * What the drift-check fakes share: the unit tests' mocked CloudFormation client (test/unit/drift-check/harness.ts)
 * and the dist tests' query-protocol stub (cfn-query-stub.ts) page answers the same way, and both check the same
 * drift-aware change set request for scenario D1.
 */
import {
  D1_TEMPLATE,
  DETECTED_AT,
  resourceChange,
  resourceDrift,
  stack,
  type DriftScenario,
} from '../fixtures/drift';

/** A drift scenario with the template deployed on its stack (what GetTemplate answers; null: GetTemplate fails). */
export type DeployedScenario = DriftScenario & { templateBody?: string | null };

/**
 * GetTemplate's answer for a scenario: its own template, else one that declares the scenario's parameters
 * (NoEcho flags included) and feeds none of them into a resource.
 */
export function deployedTemplate(scenario: DeployedScenario): string | undefined {
  if (scenario.templateBody === null) return undefined;
  if (scenario.templateBody !== undefined) return scenario.templateBody;
  const parameters = Object.fromEntries(
    scenario.parameters.map((parameter) => [
      parameter.ParameterKey as string,
      { Type: parameter.ParameterType ?? 'String', ...(parameter.NoEcho ? { NoEcho: true } : {}) },
    ]),
  );
  return JSON.stringify({ AWSTemplateFormatVersion: '2010-09-09', Parameters: parameters, Resources: {} });
}

/** One page of `items` from `nextToken` (an index; undefined: the first page), with the token of the next. */
export function pageOf<T>(
  items: readonly T[],
  nextToken: string | undefined,
  pageSize: number,
): { page: T[]; nextToken: string | undefined } {
  const start = Number(nextToken ?? 0);
  const next = start + pageSize;
  return { page: items.slice(start, next), nextToken: next < items.length ? String(next) : undefined };
}

/** D1's drift-aware change set request (REVERT_DRIFT, the given template), the fields both protocols name alike. */
export const D1_CREATE_CHANGE_SET = {
  StackName: 'orders-prod',
  ChangeSetName: 'drift-orders-prod-4242-1',
  ChangeSetType: 'UPDATE',
  DeploymentMode: 'REVERT_DRIFT',
  TemplateBody: D1_TEMPLATE,
};

// C3 (NoEcho-fed values): a password fed by a NoEcho parameter through Ref, Fn::Sub and Fn::Join drifted.

/** Previous and live password: every character an escaper changes (HTML, Markdown table cells). */
export const OLD = 'Old<Pa55>&|w0rd-"q"';
export const NEW = 'New<Pa55>&|w0rd-2';

/** The deployed template: DbPassword (NoEcho: 'true', a YAML 1.1 string) feeds three properties. */
export const DEPLOYED = `AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  DbPassword:
    Type: String
    NoEcho: 'true'
  Env:
    Type: String
Resources:
  Db:
    Type: AWS::RDS::DBInstance
    Properties:
      Engine: postgres
      MasterUserPassword: !Ref DbPassword
  OrdersFn:
    Type: AWS::Lambda::Function
    Properties:
      MemorySize: 128
      Environment:
        Variables:
          ENV: !Ref Env
          DSN: !Sub 'postgres://app:\${DbPassword}@db/orders'
          URL: !Join ['', ['https://app:', !Ref DbPassword, '@api']]
`;

export const dsn = (password: string) => `postgres://app:${password}@db/orders`;
export const url = (password: string) => `https://app:${password}@api`;

const target = (name: string, path: string, previous: string, live: string, proposed: string) => ({
  Attribute: 'Properties' as const,
  Name: name,
  Path: path,
  RequiresRecreation: 'Never' as const,
  BeforeValue: live,
  AfterValue: proposed,
  BeforeValueFrom: 'ACTUAL_STATE' as const,
  AfterValueFrom: 'TEMPLATE' as const,
  Drift: { PreviousValue: previous, ActualValue: live, DriftDetectionTimestamp: DETECTED_AT },
  AttributeChangeType: 'Modify' as const,
});

/** The password was changed by hand (OLD → NEW); the memory too (128 → 512, not a secret: still shown). */
export function passwordDrift(name = 'secret-prod'): DeployedScenario {
  return {
    id: 'noecho-fed',
    stack: stack(name, 'UPDATE_COMPLETE', {
      Parameters: [
        { ParameterKey: 'DbPassword', ParameterValue: '****' },
        { ParameterKey: 'Env', ParameterValue: 'prod' },
      ],
    }),
    templateBody: DEPLOYED,
    parameters: [
      { ParameterKey: 'DbPassword', ParameterType: 'String', NoEcho: true },
      { ParameterKey: 'Env', ParameterType: 'String', NoEcho: false },
    ],
    detection: {
      DetectionStatus: 'DETECTION_COMPLETE',
      StackDriftStatus: 'DRIFTED',
      DriftedStackResourceCount: 2,
    },
    resourceDrifts: [
      resourceDrift(name, 'Db', 'AWS::RDS::DBInstance', 'MODIFIED', {
        PropertyDifferences: [
          {
            PropertyPath: '/MasterUserPassword',
            ExpectedValue: OLD,
            ActualValue: NEW,
            DifferenceType: 'NOT_EQUAL',
          },
        ],
      }),
      resourceDrift(name, 'OrdersFn', 'AWS::Lambda::Function', 'MODIFIED', {
        PropertyDifferences: [
          {
            PropertyPath: '/MemorySize',
            ExpectedValue: '128',
            ActualValue: '512',
            DifferenceType: 'NOT_EQUAL',
          },
          {
            PropertyPath: '/Environment/Variables/DSN',
            ExpectedValue: dsn(OLD),
            ActualValue: dsn(NEW),
            DifferenceType: 'NOT_EQUAL',
          },
          {
            PropertyPath: '/Environment',
            ExpectedValue: JSON.stringify({ Variables: { URL: url(OLD) } }),
            ActualValue: JSON.stringify({ Variables: { URL: url(NEW) } }),
            DifferenceType: 'NOT_EQUAL',
          },
        ],
      }),
    ],
    changeSet: {
      Status: 'CREATE_COMPLETE',
      ExecutionStatus: 'AVAILABLE',
      StackDriftStatus: 'DRIFTED',
      DeploymentMode: 'REVERT_DRIFT',
      CreationTime: DETECTED_AT,
      Changes: [
        resourceChange({
          Action: 'Modify',
          LogicalResourceId: 'Db',
          ResourceType: 'AWS::RDS::DBInstance',
          ResourceDriftStatus: 'MODIFIED',
          // DirectModification: the change source does not name the NoEcho parameter; only the template does.
          Details: [
            {
              Evaluation: 'Static',
              ChangeSource: 'DirectModification',
              Target: target('MasterUserPassword', '/Properties/MasterUserPassword', OLD, NEW, OLD),
            },
          ],
          BeforeContext: JSON.stringify({ MasterUserPassword: NEW }),
          AfterContext: JSON.stringify({ MasterUserPassword: OLD }),
        }),
        resourceChange({
          Action: 'Modify',
          LogicalResourceId: 'OrdersFn',
          ResourceType: 'AWS::Lambda::Function',
          ResourceDriftStatus: 'MODIFIED',
          Details: [
            {
              Evaluation: 'Static',
              ChangeSource: 'DirectModification',
              Target: target('MemorySize', '/Properties/MemorySize', '128', '512', '128'),
            },
            {
              Evaluation: 'Static',
              ChangeSource: 'DirectModification',
              Target: target(
                'Environment',
                '/Properties/Environment/Variables/DSN',
                dsn(OLD),
                dsn(NEW),
                dsn(OLD),
              ),
            },
          ],
        }),
      ],
    },
  };
}
