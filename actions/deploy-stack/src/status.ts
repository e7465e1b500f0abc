import { StackStatus } from '@aws-sdk/client-cloudformation';

/**
 * What deploy-stack does for each stack status (R2). One row per StackStatus value; a unit test checks
 * that every value the SDK knows is here, and one test per row checks the behaviour.
 */
export type StatusDecision =
  | { action: 'create'; note: string }
  | { action: 'update'; note: string }
  | { action: 'wait'; note: string }
  | { action: 'rollback-complete'; note: string }
  | { action: 'update-rollback-failed'; note: string }
  | { action: 'fail'; note: string };

export const ABSENT = 'ABSENT';

export const STATUS_TABLE: Record<StackStatus | typeof ABSENT, StatusDecision> = {
  [ABSENT]: { action: 'create', note: 'The stack does not exist: a CREATE change set.' },
  DELETE_COMPLETE: { action: 'create', note: 'The stack was deleted: a CREATE change set.' },
  REVIEW_IN_PROGRESS: {
    action: 'create',
    note: 'The stack has only unexecuted CREATE change sets (e.g. a create-only plan): a new CREATE change set.',
  },

  CREATE_COMPLETE: { action: 'update', note: 'Stable: an UPDATE change set.' },
  UPDATE_COMPLETE: { action: 'update', note: 'Stable: an UPDATE change set.' },
  UPDATE_ROLLBACK_COMPLETE: {
    action: 'update',
    note: 'The last update was rolled back; the stack is stable: an UPDATE change set.',
  },
  IMPORT_COMPLETE: { action: 'update', note: 'Stable after an import: an UPDATE change set.' },
  IMPORT_ROLLBACK_COMPLETE: {
    action: 'update',
    note: 'The last import was rolled back; the stack is stable: an UPDATE change set.',
  },

  CREATE_IN_PROGRESS: {
    action: 'wait',
    note: 'Another operation is creating the stack: wait for it, then decide.',
  },
  UPDATE_IN_PROGRESS: {
    action: 'wait',
    note: 'Another deploy is updating the stack: wait for it, then decide.',
  },
  UPDATE_COMPLETE_CLEANUP_IN_PROGRESS: {
    action: 'wait',
    note: 'An update is cleaning up: wait, then decide.',
  },
  UPDATE_ROLLBACK_IN_PROGRESS: { action: 'wait', note: 'An update is rolling back: wait, then decide.' },
  UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS: {
    action: 'wait',
    note: 'A rollback is cleaning up: wait, then decide.',
  },
  ROLLBACK_IN_PROGRESS: { action: 'wait', note: 'A failed create is rolling back: wait, then decide.' },
  DELETE_IN_PROGRESS: { action: 'wait', note: 'The stack is being deleted: wait, then create it again.' },
  IMPORT_IN_PROGRESS: { action: 'wait', note: 'An import is running: wait, then decide.' },
  IMPORT_ROLLBACK_IN_PROGRESS: { action: 'wait', note: 'An import is rolling back: wait, then decide.' },

  ROLLBACK_COMPLETE: {
    action: 'rollback-complete',
    note: 'The first create failed and was rolled back; such a stack cannot be updated. Delete it (set on-rollback-complete: delete to let this action do it) and deploy again.',
  },
  UPDATE_ROLLBACK_FAILED: {
    action: 'update-rollback-failed',
    note: 'An update failed and so did its rollback (often an artifact the old version needs is gone). Fix the cause, then continue the rollback (on-update-rollback-failed: continue, optionally with resources-to-skip).',
  },

  CREATE_FAILED: {
    action: 'fail',
    note: 'The create failed with rollback disabled. Inspect the failed resources, then delete the stack and deploy again.',
  },
  ROLLBACK_FAILED: {
    action: 'fail',
    note: 'A failed create could not be rolled back. Delete the stack (retaining resources that block deletion), then deploy again.',
  },
  DELETE_FAILED: {
    action: 'fail',
    note: 'A stack deletion failed. Resolve the resources that could not be deleted and delete the stack again.',
  },
  UPDATE_FAILED: {
    action: 'fail',
    note: 'An update failed with rollback disabled. Roll it back (aws cloudformation rollback-stack) or fix and update by hand.',
  },
  IMPORT_ROLLBACK_FAILED: {
    action: 'fail',
    note: 'An import failed and could not be rolled back. Resolve it by hand (continue-update-rollback or support).',
  },
};

export function decide(status: string | undefined): StatusDecision {
  const row = STATUS_TABLE[(status ?? ABSENT) as keyof typeof STATUS_TABLE];
  if (row) return row;
  // A status this version does not know: never guess.
  return { action: 'fail', note: `Unknown stack status ${status}; refusing to guess what to do.` };
}

export function isTerminal(status: string | undefined): boolean {
  return decide(status).action !== 'wait';
}

export { StackStatus };
