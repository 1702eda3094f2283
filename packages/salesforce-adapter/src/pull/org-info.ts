/**
 * `pullOrgInfo`: what the book shows of the org beyond its records — the instance URL (links to
 * a record are `<instanceUrl>/<Id>`) and the active opportunity stages in sales-process order,
 * from `OpportunityStage` (`SortOrder`, `IsClosed`, `IsWon`): one query, one API call. Given a
 * request, also the user's time zone, the synced objects' fields as the user's describes list
 * them (`org-fields.ts`) and the record types available to the user with their picklist values:
 * one composite call (stages, time zone, four describes) plus one UI API call per record type.
 *
 * Invariants: stages come back sorted by `SortOrder` (ties by name); a stage's `name` is the
 * StageName picklist value (`ApiName`, else `MasterLabel`); a row without a name is skipped;
 * `fetchedAt` is the engine's to set.
 */
import type { OrgInfo, OrgInfoRequest, RecordTypeInfo, SalesforcePortError, StageInfo } from "@tandem/engine";
import { Effect, Result } from "effect";
import { type ReadSpec, runReads } from "../client/batch-reads.js";
import type { SalesforceClient } from "../client/salesforce-client.js";
import { soqlId } from "../soql/builder.js";
import { DESCRIBED_OBJECTS, orgFieldsOf, picklistsOf } from "./org-fields.js";

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

function stagesOf(rows: ReadonlyArray<Row>): StageInfo[] {
  const stages = rows.flatMap((row, i) => {
    const stage = toStage(row, i);
    return stage === null ? [] : [stage];
  });
  stages.sort((a, b) => a.sortOrder - b.sortOrder || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return stages;
}

function instanceUrlOf(client: SalesforceClient): string | null {
  const url = client.connection.instanceUrl;
  return typeof url === "string" && url !== "" ? url.replace(/\/+$/, "") : null;
}

/** The rows of a query outcome, or its failure. */
function success<A>(outcome: Result.Result<A, SalesforcePortError> | undefined): Effect.Effect<A, SalesforcePortError> {
  if (outcome === undefined) return Effect.die(new Error("a planned read has no outcome"));
  return Result.isSuccess(outcome) ? Effect.succeed(outcome.success) : Effect.fail(outcome.failure);
}

/**
 * Reads the org info of the org `client` is connected to.
 *
 * @remarks Without a request: the instance URL and the stages (one call). With one: see the
 * file comment; a configured field the user cannot see is a `fieldNotes` entry, never a failure.
 * @example
 * ```ts
 * const info = yield* pullOrgInfo(client, { userId, extraFields: { Opportunity: ["NextStep"] } }, { useComposite: true });
 * ```
 */
export function pullOrgInfo(
  client: SalesforceClient,
  request?: OrgInfoRequest | undefined,
  options: { readonly useComposite?: boolean | undefined } = {},
): Effect.Effect<OrgInfo, SalesforcePortError> {
  if (request === undefined) {
    return Effect.map(client.queryAll(STAGES_SOQL), (rows) => ({
      instanceUrl: instanceUrlOf(client),
      stages: stagesOf(rows),
    }));
  }
  return Effect.gen(function* () {
    const reads: ReadSpec[] = [
      { kind: "query", soql: STAGES_SOQL },
      { kind: "query", soql: `SELECT TimeZoneSidKey FROM User WHERE Id = ${soqlId(request.userId)}` },
      ...DESCRIBED_OBJECTS.map(
        (sobject): ReadSpec => ({ kind: "get", url: `${client.apiBase}/sobjects/${sobject}/describe` }),
      ),
    ];
    const [stagesOutcome, userOutcome, ...describeOutcomes] = yield* runReads(client, reads, options);
    const stageRows = yield* success(stagesOutcome);
    const userRows = yield* success(userOutcome);
    const describes: Record<string, unknown> = {};
    for (const [i, sobject] of DESCRIBED_OBJECTS.entries()) {
      const outcome = yield* success(describeOutcomes[i]);
      describes[sobject] = outcome.kind === "get" ? outcome.body : undefined;
    }
    const org = orgFieldsOf(describes, request.extraFields);
    // The UI API is not a composite resource: one call per record type.
    const picklistReads = org.recordTypes.map(
      (rt): ReadSpec => ({
        kind: "get",
        url: `${client.apiBase}/ui-api/object-info/${rt.sobject}/picklist-values/${rt.id}`,
      }),
    );
    const picklistOutcomes =
      picklistReads.length > 0 ? yield* runReads(client, picklistReads, { useComposite: false }) : [];
    const recordTypes: Record<string, RecordTypeInfo[]> = {};
    for (const [i, rt] of org.recordTypes.entries()) {
      const outcome = yield* success(picklistOutcomes[i]);
      const list = recordTypes[rt.sobject] ?? [];
      list.push({
        id: rt.id,
        name: rt.name,
        developerName: rt.developerName,
        isDefault: rt.isDefault,
        picklists: picklistsOf(outcome.kind === "get" ? outcome.body : undefined, rt.picklistFields),
      });
      recordTypes[rt.sobject] = list;
    }
    const userRow = userRows.kind === "query" ? userRows.records[0] : undefined;
    const timeZone =
      typeof userRow?.TimeZoneSidKey === "string" && userRow.TimeZoneSidKey !== "" ? userRow.TimeZoneSidKey : null;
    return {
      instanceUrl: instanceUrlOf(client),
      stages: stagesOf(stageRows.kind === "query" ? stageRows.records : []),
      timeZone,
      fields: org.fields,
      recordTypes,
      fieldNotes: org.fieldNotes,
    };
  });
}
