import { StackStatus } from '@aws-sdk/client-cloudformation';

/**
 * What deploy-stack does for each stack status (R2). One row per StackStatus value; a unit test checks
 * that every value the SDK knows is here, and one test per row checks the behaviour.
 */
export type StatusAction =
  'create' | 'update' | 'wait' | 'rollback-complete' | 'update-rollback-failed' | 'fail';

export interface StatusDecision {
  action: StatusAction;
  note: string;
}

export const ABSENT = 'ABSENT';

/** A row of the table: what to do, and the note the log shows. */
const row =
  (action: StatusAction) =>
  (note: string): StatusDecision => ({ action, note });
const create = row('create');
const update = row('update');
const wait = row('wait');
const fail = row('fail');

export const STATUS_TABLE: Record<StackStatus | typeof ABSENT, StatusDecision> = {
  [ABSENT]: create('The stack does not exist: a CREATE change set.'),
  DELETE_COMPLETE: create('The stack was deleted: a CREATE change set.'),
  REVIEW_IN_PROGRESS: create(
    'The stack has only unexecuted CREATE change sets (e.g. a create-only plan): a new CREATE change set.',
  ),

  CREATE_COMPLETE: update('Stable: an UPDATE change set.'),
  UPDATE_COMPLETE: update('Stable: an UPDATE change set.'),
  UPDATE_ROLLBACK_COMPLETE: update(
    'The last update was rolled back; the stack is stable: an UPDATE change set.',
  ),
  IMPORT_COMPLETE: update('Stable after an import: an UPDATE change set.'),
  IMPORT_ROLLBACK_COMPLETE: update(
    'The last import was rolled back; the stack is stable: an UPDATE change set.',
  ),

  CREATE_IN_PROGRESS: wait('Another operation is creating the stack: wait for it, then decide.'),
  UPDATE_IN_PROGRESS: wait('Another deploy is updating the stack: wait for it, then decide.'),
  UPDATE_COMPLETE_CLEANUP_IN_PROGRESS: wait('An update is cleaning up: wait, then decide.'),
  UPDATE_ROLLBACK_IN_PROGRESS: wait('An update is rolling back: wait, then decide.'),
  UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS: wait('A rollback is cleaning up: wait, then decide.'),
  ROLLBACK_IN_PROGRESS: wait('A failed create is rolling back: wait, then decide.'),
  DELETE_IN_PROGRESS: wait('The stack is being deleted: wait, then create it again.'),
  IMPORT_IN_PROGRESS: wait('An import is running: wait, then decide.'),
  IMPORT_ROLLBACK_IN_PROGRESS: wait('An import is rolling back: wait, then decide.'),

  ROLLBACK_COMPLETE: row('rollback-complete')(
    'The first create failed and was rolled back; such a stack cannot be updated. Delete it (set on-rollback-complete: delete to let this action do it) and deploy again.',
  ),
  UPDATE_ROLLBACK_FAILED: row('update-rollback-failed')(
    'An update failed and so did its rollback (often an artifact the old version needs is gone). Fix the cause, then continue the rollback (on-update-rollback-failed: continue, optionally with resources-to-skip).',
  ),

  CREATE_FAILED: fail(
    'The create failed with rollback disabled. Inspect the failed resources, then delete the stack and deploy again.',
  ),
  ROLLBACK_FAILED: fail(
    'A failed create could not be rolled back. Delete the stack (retaining resources that block deletion), then deploy again.',
  ),
  DELETE_FAILED: fail(
    'A stack deletion failed. Resolve the resources that could not be deleted and delete the stack again.',
  ),
  UPDATE_FAILED: fail(
    'An update failed with rollback disabled. Roll it back (aws cloudformation rollback-stack) or fix and update by hand.',
  ),
  IMPORT_ROLLBACK_FAILED: fail(
    'An import failed and could not be rolled back. Resolve it by hand (continue-update-rollback or support).',
  ),
};

/** The table's row for a stack status (undefined: the stack does not exist). */
export function decisionForStatus(status: string | undefined): StatusDecision {
  const row = STATUS_TABLE[(status ?? ABSENT) as keyof typeof STATUS_TABLE];
  if (row) return row;
  // A status this version does not know: never guess.
  return { action: 'fail', note: `Unknown stack status ${status}; refusing to guess what to do.` };
}

export function isTerminal(status: string | undefined): boolean {
  return decisionForStatus(status).action !== 'wait';
}

export { StackStatus };
