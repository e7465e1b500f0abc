/**
 * Plan rendering shared by deploy-stack (normal change sets) and drift-check (drift-aware change sets).
 * `classify` (what a change does), `model` (items and destructive changes, redacted), `render` (Markdown
 * at a level of detail), `fit` (the detail ladder that fits GitHub's limits). This file only re-exports
 * the public names.
 */
export {
  classifyChange,
  emptyCounts,
  isAllowListed,
  isDestructive,
  summaryLine,
  type PlanCounts,
  type PlanKind,
} from './classify';
export type { DestructiveCause, DestructiveChange, PlanChangeSet, PlanHeader, PlanInput } from './model';
export {
  COMMENT_LIMIT,
  COMMENT_RESERVE,
  SUMMARY_LIMIT,
  renderPlan,
  runUrlFromEnv,
  type PlanResult,
} from './fit';
export { renderTable, type Cell, type RenderTableOptions } from '../markdown';
