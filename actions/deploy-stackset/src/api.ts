/**
 * The dependencies every deploy-stackset step takes. The StackSet reads and waits are shared with drift-check
 * (`src/cfn/stackset.ts`); the mutating calls live in `operations.ts`.
 */
import type { StackSetReadDeps } from '../../../src/cfn/stackset';
import type { StsOps } from '../../../src/aws-extra';

export interface StackSetDeps extends StackSetReadDeps {
  sts: () => Promise<StsOps>;
  env: NodeJS.ProcessEnv;
}

export {
  ACTIVE_STATUSES,
  describeOperation,
  listInstances,
  listOperations,
  listResults,
  readStackSet,
  type StackSetRef,
} from '../../../src/cfn/stackset';
