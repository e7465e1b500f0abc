/**
 * What the drift-check fakes share: the unit tests' mocked CloudFormation client (test/unit/drift-check/harness.ts)
 * and the dist tests' query-protocol stub (cfn-query-stub.ts) page answers the same way, and both check the same
 * drift-aware change set request for scenario D1.
 */
import { D1_TEMPLATE } from '../fixtures/drift';

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
