import { DescribeStacksCommand, type CloudFormationClient, type Stack } from '@aws-sdk/client-cloudformation';
import { awsErrorName } from '../errors';

/** DescribeStacks for one stack; undefined when it does not exist (or is DELETE_COMPLETE). */
export async function describeStack(
  cfn: CloudFormationClient,
  stackName: string,
  wrap: <T>(call: () => Promise<T>) => Promise<T> = (call) => call(),
): Promise<Stack | undefined> {
  try {
    const answer = await wrap(() => cfn.send(new DescribeStacksCommand({ StackName: stackName })));
    const stack = answer.Stacks?.[0];
    return stack && stack.StackStatus !== 'DELETE_COMPLETE' ? stack : undefined;
  } catch (e) {
    if (awsErrorName(e) === 'ValidationError' && /does not exist/i.test((e as Error).message))
      return undefined;
    throw e;
  }
}
