/**
 * `pullOrgInfo`: what the book shows of the org beyond its records — the instance URL (links to
 * a record are `<instanceUrl>/<Id>`) and the active opportunity stages in sales-process order,
 * from `OpportunityStage` (`SortOrder`, `IsClosed`, `IsWon`). One query, one API call.
 *
 * Invariants: stages come back sorted by `SortOrder` (ties by name); a stage's `name` is the
 * StageName picklist value (`ApiName`, else `MasterLabel`); a row without a name is skipped.
 */
import type { OrgInfo, SalesforcePortError, StageInfo } from "@tandem/engine";
import { Effect } from "effect";
import type { SalesforceClient } from "../client/salesforce-client.js";

/** The query of the org's active stages, in sales-process order. */
export const STAGES_SOQL =
  "SELECT ApiName, MasterLabel, SortOrder, IsClosed, IsWon FROM OpportunityStage WHERE IsActive = true ORDER BY SortOrder";

type Row = Readonly<Record<string, unknown>>;

/** One `OpportunityStage` row as a stage, or `null` when it has no name. */
export function toStage(row: Row, index: number): StageInfo | null {
  const name = typeof row.ApiName === "string" && row.ApiName !== "" ? row.ApiName : row.MasterLabel;
  if (typeof name !== "string" || name === "") return null;
  return {
    name,
    sortOrder: typeof row.SortOrder === "number" ? row.SortOrder : index + 1,
    isClosed: row.IsClosed === true,
    isWon: row.IsWon === true,
  };
}

/** Reads the instance URL and the stages of the org `client` is connected to. */
export function pullOrgInfo(client: SalesforceClient): Effect.Effect<OrgInfo, SalesforcePortError> {
  return Effect.map(client.queryAll(STAGES_SOQL), (rows) => {
    const stages = rows.flatMap((row, i) => {
      const stage = toStage(row, i);
      return stage === null ? [] : [stage];
    });
    stages.sort((a, b) => a.sortOrder - b.sortOrder || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const url = client.connection.instanceUrl;
    return { instanceUrl: typeof url === "string" && url !== "" ? url.replace(/\/+$/, "") : null, stages };
  });
}
