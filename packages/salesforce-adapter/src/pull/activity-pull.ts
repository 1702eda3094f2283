/**
 * `pullActivities`: the Tasks and Events of the Key contacts (`whoIds`) in the rolling window,
 * plus the most recent one per contact whatever its age (docs/architecture.md, "Scope of a book", rule 5).
 *
 * Round 1 (one composite call per ≤ 5 chunks of contacts): the ids and SystemModstamps of the
 * activities in the window, and per contact its latest Task and Event through child
 * subqueries. Round 2 (only when something is new or changed): the full rows of those
 * activities. So an unchanged poll reads ids only, a promoted contact's history joins at once,
 * and a deleted activity (or one that left the window) is reported removed.
 *
 * Invariants: returns each activity once; removed ids are mirrored ids no longer in the set;
 * watermarks never move backwards.
 */
import type {
  ActivityPull,
  ActivityPullRequest,
  ActivityRecord,
  SalesforceId,
  SalesforcePortError,
} from "@tandem/engine";
import { readSalesforceId } from "@tandem/engine";
import { Effect, Result } from "effect";
import { type ReadSpec, runReads } from "../client/batch-reads.js";
import type { SalesforceClient } from "../client/salesforce-client.js";
import { chunkedStatements, select, soqlId } from "../soql/builder.js";
import { soqlDate, soqlDateTime } from "../soql/literal.js";
import type { PullOptions } from "./pull-options.js";
import { EVENT_FIELDS, isoDateTime, modstampOf, TASK_FIELDS, toEvent, toTask } from "./records.js";

type Row = Readonly<Record<string, unknown>>;

interface Seen {
  readonly type: "Task" | "Event";
  readonly modstamp: string;
}

function childRows(row: Row, relationship: string): ReadonlyArray<Row> {
  const child = row[relationship];
  if (typeof child !== "object" || child === null) return [];
  const records = (child as { records?: unknown }).records;
  return Array.isArray(records) ? (records as ReadonlyArray<Row>) : [];
}

/** When an activity happened, for picking the latest: the Event start or the Task date. */
function happenedAt(row: Row, type: "Task" | "Event"): string {
  const value = type === "Event" ? row.StartDateTime : row.ActivityDate;
  if (typeof value !== "string") return "";
  return type === "Event" ? isoDateTime(value) : `${value}T00:00:00.000Z`;
}

/**
 * Pulls the activities of `request.whoIds`.
 *
 * @remarks `windowStart` bounds Tasks by `ActivityDate` (its UTC day) and Events by
 * `StartDateTime`.
 */
export function pullActivities(
  client: SalesforceClient,
  request: ActivityPullRequest,
  options: PullOptions,
): Effect.Effect<ActivityPull, SalesforcePortError> {
  return Effect.gen(function* () {
    const windowStart = new Date(request.windowStart);
    const whoIds = [...new Set(request.whoIds)];
    const chunk = (build: (condition: string) => string) =>
      chunkedStatements(whoIds, "WhoId", soqlId, build, {
        baseUrlLength: client.queryUrlPrefixLength,
        maxUrlLength: options.maxUrlLength,
      });
    const specs: ReadSpec[] = [];
    const taskWindow = chunk((c) =>
      select({
        fields: ["Id", "SystemModstamp"],
        from: "Task",
        where: [c, `ActivityDate >= ${soqlDate(windowStart)}`],
      }),
    );
    const eventWindow = chunk((c) =>
      select({
        fields: ["Id", "SystemModstamp"],
        from: "Event",
        where: [c, `StartDateTime >= ${soqlDateTime(windowStart)}`],
      }),
    );
    const latest = chunkedStatements(
      whoIds,
      "Id",
      soqlId,
      (c) =>
        select({
          fields: [
            "Id",
            "(SELECT Id, ActivityDate, SystemModstamp FROM Tasks ORDER BY ActivityDate DESC NULLS LAST LIMIT 1)",
            "(SELECT Id, StartDateTime, SystemModstamp FROM Events ORDER BY StartDateTime DESC NULLS LAST LIMIT 1)",
          ],
          from: "Contact",
          where: [c],
        }),
      { baseUrlLength: client.queryUrlPrefixLength, maxUrlLength: options.maxUrlLength },
    );
    const kinds: Array<"task" | "event" | "latest"> = [];
    for (const soql of taskWindow) kinds[specs.push({ kind: "query", soql }) - 1] = "task";
    for (const soql of eventWindow) kinds[specs.push({ kind: "query", soql }) - 1] = "event";
    for (const soql of latest) kinds[specs.push({ kind: "query", soql }) - 1] = "latest";

    const round1 = specs.length > 0 ? yield* runReads(client, specs, { useComposite: options.useComposite }) : [];
    const seen = new Map<SalesforceId, Seen>();
    for (const [index, outcome] of round1.entries()) {
      if (Result.isFailure(outcome)) return yield* Effect.fail(outcome.failure);
      if (outcome.success.kind !== "query") continue;
      const kind = kinds[index];
      for (const row of outcome.success.records) {
        if (kind === "task" || kind === "event") {
          seen.set(readSalesforceId(String(row.Id)), {
            type: kind === "task" ? "Task" : "Event",
            modstamp: modstampOf(row),
          });
          continue;
        }
        // The latest activity per contact: the later of its latest Task and latest Event.
        const candidates = [
          ...childRows(row, "Tasks").map((r) => ({ r, type: "Task" as const })),
          ...childRows(row, "Events").map((r) => ({ r, type: "Event" as const })),
        ].sort((a, b) => (happenedAt(b.r, b.type) > happenedAt(a.r, a.type) ? 1 : -1));
        const top = candidates[0];
        if (top !== undefined) {
          seen.set(readSalesforceId(String(top.r.Id)), { type: top.type, modstamp: modstampOf(top.r) });
        }
      }
    }

    // Round 2: full rows of what is new to the mirror or changed since the watermark.
    // A mirrored activity is news only above its watermark (it was delivered up to there).
    const taskSince = request.watermarks.Task ?? "";
    const eventSince = request.watermarks.Event ?? "";
    const fetchTasks: string[] = [];
    const fetchEvents: string[] = [];
    for (const [activityId, info] of seen) {
      const threshold = info.type === "Task" ? taskSince : eventSince;
      if (!request.mirroredIds.has(activityId) || info.modstamp > threshold) {
        (info.type === "Task" ? fetchTasks : fetchEvents).push(activityId);
      }
    }
    const byIds = (ids: ReadonlyArray<string>, from: "Task" | "Event") =>
      chunkedStatements(
        ids,
        "Id",
        soqlId,
        (c) => select({ fields: from === "Task" ? TASK_FIELDS : EVENT_FIELDS, from, where: [c] }),
        {
          baseUrlLength: client.queryUrlPrefixLength,
          maxUrlLength: options.maxUrlLength,
        },
      );
    const specs2: ReadSpec[] = [];
    const types: Array<"Task" | "Event"> = [];
    for (const soql of byIds(fetchTasks, "Task")) types[specs2.push({ kind: "query", soql }) - 1] = "Task";
    for (const soql of byIds(fetchEvents, "Event")) types[specs2.push({ kind: "query", soql }) - 1] = "Event";
    const round2 = specs2.length > 0 ? yield* runReads(client, specs2, { useComposite: options.useComposite }) : [];
    const activities = new Map<SalesforceId, ActivityRecord>();
    for (const [index, outcome] of round2.entries()) {
      if (Result.isFailure(outcome)) return yield* Effect.fail(outcome.failure);
      if (outcome.success.kind !== "query") continue;
      for (const row of outcome.success.records) {
        const record = types[index] === "Task" ? toTask(row) : toEvent(row);
        activities.set(record.Id, record);
      }
    }

    const removedIds = [...request.mirroredIds].filter((activityId) => !seen.has(activityId));
    let maxTask = request.watermarks.Task;
    let maxEvent = request.watermarks.Event;
    for (const info of seen.values()) {
      if (info.type === "Task" && (maxTask === undefined || info.modstamp > maxTask)) maxTask = info.modstamp;
      if (info.type === "Event" && (maxEvent === undefined || info.modstamp > maxEvent)) maxEvent = info.modstamp;
    }
    return {
      activities: [...activities.values()],
      removedIds,
      watermarks: {
        ...request.watermarks,
        ...(maxTask !== undefined ? { Task: maxTask } : {}),
        ...(maxEvent !== undefined ? { Event: maxEvent } : {}),
      },
    };
  });
}
