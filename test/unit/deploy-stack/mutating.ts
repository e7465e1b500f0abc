/** L1: the calls that change something on AWS, as the deploy-stack unit tests' mocks recorded them. */
import {
  ContinueUpdateRollbackCommand,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DeleteStackCommand,
  ExecuteChangeSetCommand,
  UpdateTerminationProtectionCommand,
} from '@aws-sdk/client-cloudformation';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { cfnMock, s3Mock } from './harness';

const MUTATING_CFN = [
  DeleteStackCommand,
  CreateChangeSetCommand,
  ExecuteChangeSetCommand,
  DeleteChangeSetCommand,
  ContinueUpdateRollbackCommand,
  UpdateTerminationProtectionCommand,
];

/** Every call sent that changes something on AWS (CloudFormation, and S3 uploads), by name. */
export function mutatingCalls(): string[] {
  return [
    ...cfnMock
      .calls()
      .filter((call) => MUTATING_CFN.some((command) => call.args[0] instanceof command))
      .map((call) => call.args[0].constructor.name),
    ...s3Mock
      .calls()
      .filter((call) => call.args[0] instanceof PutObjectCommand)
      .map(() => 'PutObject'),
  ];
}
