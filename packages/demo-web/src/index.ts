/**
 * Public API of `@tandem/demo-web`: the pure modules other code may reuse (the app itself is
 * built by Vite from `index.html` and served by the Tandem server).
 */
export {
  type IcsImportResult,
  IcsParseError,
  type ImportedInteraction,
  importIcs,
  type MatchableContact,
} from "./calendar/ics-import.js";
export {
  DEFAULT_QUERY,
  type PipelineQuery,
  queryPipeline,
  type SortColumn,
  type SortOrder,
  stagesOf,
  toggleSort,
} from "./pipeline/pipeline-query.js";
export { type SyncStatusInput, type SyncStatusText, syncStatusText } from "./sync/status-text.js";
export { formatAmount, formatDate, formatDateTime, formatPercent } from "./text/format.js";
