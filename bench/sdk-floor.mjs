// The floor of any action built on the AWS SDK: a bundle that only builds a CloudFormationClient and, with
// inputs (INPUT_NAME), sends one DescribeStacks. bench/cold-start.mjs bundles it with ncc as the actions are
// and measures it beside them, so "× node" can be read against what the SDK alone costs.
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';

const client = new CloudFormationClient({ region: process.env.AWS_REGION ?? 'us-east-1', maxAttempts: 1 });
if (process.env.INPUT_NAME) await client.send(new DescribeStacksCommand({})).catch(() => undefined);
process.exitCode = 1;
