import { DescribeStacksCommand, type CloudFormationClient, type Stack } from '@aws-sdk/client-cloudformation';
import { awsErrorName } from '../errors';

/** DescribeStacks for one stack; undefined when it does not exist (or is DELETE_COMPLETE). */
export async function describeStack(
  cfn: CloudFormationClient,
  stackName: string,
  wrap: <T>(call: () => Promise<T>) => Promise<T> = (call) => call(),
): Promise<Stack | undefined> {
  try {
    const r = await wrap(() => cfn.send(new DescribeStacksCommand({ StackName: stackName })));
    const s = r.Stacks?.[0];
    return s && s.StackStatus !== 'DELETE_COMPLETE' ? s : undefined;
  } catch (e) {
    if (awsErrorName(e) === 'ValidationError' && /does not exist/i.test((e as Error).message))
      return undefined;
    throw e;
  }
}
