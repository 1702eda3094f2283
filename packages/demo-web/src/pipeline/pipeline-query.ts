/**
 * Sorting, stage filtering and free-text search of the pipeline table. Runs over the local
 * document only, so it works offline.
 *
 * Invariants: pure; never mutates its input; sorting is stable and puts empty values last in
 * either direction; search is case- and accent-insensitive over name, account and stage.
 */
import type { PipelineRow } from "../view-model/view-model.js";

/** Columns the table can sort by. */
export type SortColumn = "name" | "accountName" | "amount" | "stage" | "closeDate" | "probability" | "forecastCategory";

/** A sort order. */
export interface SortOrder {
  readonly column: SortColumn;
  readonly direction: "asc" | "desc";
}

/** The table's query: search text, stage filter ("" for all), and sort. */
export interface PipelineQuery {
  readonly search: string;
  readonly stage: string;
  readonly sort: SortOrder;
}

/** The default query: everything, soonest close date first. */
export const DEFAULT_QUERY: PipelineQuery = { search: "", stage: "", sort: { column: "closeDate", direction: "asc" } };

/** Lower-cases and strips diacritics, for matching. */
export function foldText(text: string): string {
  return text
    .normalize("NFD")
    .replace(/\p{Diacritic}/gu, "")
    .toLowerCase()
    .trim();
}

/** True when every word of the search appears in the row's name, account or stage. */
export function matchesSearch(row: PipelineRow, search: string): boolean {
  const words = foldText(search).split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const haystack = foldText(`${row.name} ${row.accountName} ${row.stage}`);
  return words.every((w) => haystack.includes(w));
}

function compareValues(a: string | number | null, b: string | number | null): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a).localeCompare(String(b), "en", { numeric: true, sensitivity: "base" });
}

/**
 * Stages in the org's sales-process order (issue 25): by rank where the org ranks both; a stage
 * the org does not list comes after every ranked one in either direction, then by name.
 */
function compareStages(x: PipelineRow, y: PipelineRow, sign: number): number {
  if (x.stageRank !== null && y.stageRank !== null) return (x.stageRank - y.stageRank) * sign;
  if (x.stageRank !== null || y.stageRank !== null) return x.stageRank !== null ? -1 : 1;
  return compareValues(x.stage, y.stage) * sign;
}

/** Applies search, stage filter and sort. */
export function queryPipeline(rows: readonly PipelineRow[], query: PipelineQuery): PipelineRow[] {
  const filtered = rows.filter(
    (row) => (query.stage === "" || row.stage === query.stage) && matchesSearch(row, query.search),
  );
  const sign = query.sort.direction === "asc" ? 1 : -1;
  const column = query.sort.column;
  return filtered
    .map((row, index) => ({ row, index }))
    .sort((x, y) => {
      if (column === "stage") return compareStages(x.row, y.row, sign) || x.index - y.index;
      const a = x.row[column];
      const b = y.row[column];
      const aEmpty = a === null || a === "";
      const bEmpty = b === null || b === "";
      if (aEmpty !== bEmpty) return aEmpty ? 1 : -1;
      const c = aEmpty ? 0 : compareValues(a, b) * sign;
      return c !== 0 ? c : x.index - y.index;
    })
    .map((x) => x.row);
}

/**
 * The stages present in the rows, in the org's sales-process order (`stageRank`); stages the
 * org does not list follow, by typical probability, then name.
 */
export function stagesOf(rows: readonly PipelineRow[]): string[] {
  const probability = new Map<string, number>();
  const rank = new Map<string, number>();
  for (const row of rows) {
    const p = row.probability ?? 0;
    probability.set(row.stage, Math.max(probability.get(row.stage) ?? 0, p));
    if (row.stageRank !== null) rank.set(row.stage, row.stageRank);
  }
  const order = (s: string): number => rank.get(s) ?? Number.POSITIVE_INFINITY;
  return [...probability.keys()].sort(
    (a, b) =>
      (order(a) === order(b) ? 0 : order(a) < order(b) ? -1 : 1) ||
      (probability.get(a) ?? 0) - (probability.get(b) ?? 0) ||
      a.localeCompare(b),
  );
}

/** Toggles a sort: same column flips direction, a new column starts ascending. */
export function toggleSort(current: SortOrder, column: SortColumn): SortOrder {
  if (current.column === column) return { column, direction: current.direction === "asc" ? "desc" : "asc" };
  return { column, direction: "asc" };
}

/** Sum of amounts (ignoring empty ones). */
export function totalAmount(rows: readonly PipelineRow[]): number {
  return rows.reduce((sum, row) => sum + (row.amount ?? 0), 0);
}
