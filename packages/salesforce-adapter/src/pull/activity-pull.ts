/**
 * `pullActivities`: the Tasks and Events of the Key contacts (`whoIds`) dated in the window
 * (`windowStart`..`windowEnd`), plus the most recent one per contact dated not after `now`
 * whatever its age (docs/architecture.md, "Scope of a book", rule 5). With Shared Activities an
 * activity relates a contact through TaskRelation / EventRelation too, and every returned
 * activity lists its contacts in `WhoIds` (its `WhoId` first).
 *
 * Round 1 (one composite call per ≤ 5 queries, see `activity-plan.ts`): ids and SystemModstamps
 * only, with Shared Activities each activity with its contact relations' stamps.
 * Round 2 (only when something is new or changed): the full rows of those activities, each with
 * its contact relations as a child subquery. An activity is changed when its own stamp or one
 * of its relations' is above the watermark. So an unchanged poll reads ids only (one call for a
 * small book whose mirror holds what the pulls returned), a contact added to a mirrored
 * activity updates its `WhoIds`, a promoted contact's history joins at once, and a deleted
 * activity (or one that left the window) is reported removed. An org without Shared Activities
 * answers the relation reads `INVALID_TYPE`: the pull then relates by `WhoId` alone and leaves
 * `WhoIds` out, and notes it in `options.orgFeatures`, so the port's later pulls read by `WhoId`
 * at once (an unchanged poll stays one call instead of paying a failed attempt every time).
 *
 * Known limits (the request carries mirrored ids only, not each activity's stamp and
 * `WhoIds`): a relation removed from an activity that stays in the book is seen only if
 * Salesforce bumps the activity's own SystemModstamp; a relation added to a contact's latest
 * activity outside the window likewise (the latest is read by `WhoId`, without relations).
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
import { type ReadOutcome, runReads } from "../client/batch-reads.js";
import type { SalesforceClient } from "../client/salesforce-client.js";
import {
  type ActivityRead1,
  type ActivityRound,
  planActivityRound1,
  planActivityRound2,
  RELATIONS_CHILD,
} from "./activity-plan.js";
import { activityReadings } from "./extra-fields.js";
import type { PullOptions } from "./pull-options.js";
import { idOrNull, isoDateTime, modstampOf } from "./records.js";

type Row = Readonly<Record<string, unknown>>;
type Outcome = Result.Result<ReadOutcome, SalesforcePortError>;

/** An activity round 1 listed: its object and its change stamp (see {@link readActivityListing}). */
export interface ListedActivity {
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

/** True for the answer of an org without Shared Activities to a TaskRelation / EventRelation read. */
export function isNoSharedActivities(error: SalesforcePortError): boolean {
  return (
    error._tag === "ValidationFailed" &&
    (error.code === "INVALID_TYPE" || (error.code === "INVALID_FIELD" && /IsWhat/i.test(error.message)))
  );
}

/** The rows of every successful query outcome, with their kind; the first failure is returned instead. */
function rowsByKind<K>(
  round: ActivityRound<K>,
  outcomes: ReadonlyArray<Outcome>,
): Result.Result<ReadonlyArray<readonly [K, Row]>, SalesforcePortError> {
  const rows: Array<readonly [K, Row]> = [];
  for (const [index, outcome] of outcomes.entries()) {
    if (Result.isFailure(outcome)) return Result.fail(outcome.failure);
    const kind = round.kinds[index];
    if (outcome.success.kind !== "query" || kind === undefined) continue;
    for (const row of outcome.success.records) rows.push([kind, row]);
  }
  return Result.succeed(rows);
}

/**
 * Round 1's answer: the activities in the book now, each with its change stamp — the later of
 * its own SystemModstamp and, with Shared Activities, those of its contact relations (a contact
 * added to an activity may leave the activity's own stamp as it was).
 *
 * @example
 * ```ts
 * const listed = readActivityListing([["task", { Id, SystemModstamp, TaskRelations }]]);
 * ```
 */
export function readActivityListing(
  rows: ReadonlyArray<readonly [ActivityRead1, Row]>,
): ReadonlyMap<SalesforceId, ListedActivity> {
  const seen = new Map<SalesforceId, ListedActivity>();
  const note = (id: unknown, type: "Task" | "Event", modstamp: string) => {
    const activityId = readSalesforceId(String(id));
    const previous = seen.get(activityId);
    // An activity both in the window and the latest of a contact keeps its relations' stamp.
    if (previous === undefined || modstamp > previous.modstamp) seen.set(activityId, { type, modstamp });
  };
  for (const [kind, row] of rows) {
    if (kind === "task" || kind === "event") {
      const type = kind === "task" ? "Task" : "Event";
      const stamp = childRows(row, RELATIONS_CHILD[type]).reduce(
        (latest, relation) => laterStamp(latest, modstampOf(relation)),
        modstampOf(row),
      );
      note(row.Id, type, stamp);
    } else {
      // The latest activity per contact: the later of its latest Task and latest Event.
      const candidates = [
        ...childRows(row, "Tasks").map((r) => ({ r, type: "Task" as const })),
        ...childRows(row, "Events").map((r) => ({ r, type: "Event" as const })),
      ].sort((a, b) => (happenedAt(b.r, b.type) > happenedAt(a.r, a.type) ? 1 : -1));
      const top = candidates[0];
      if (top !== undefined) note(top.r.Id, top.type, modstampOf(top.r));
    }
  }
  return seen;
}

/** The later of two ISO 8601 UTC stamps (they compare as strings). */
function laterStamp(a: string, b: string): string {
  if (a > b) return a;
  return b;
}

/**
 * What round 2 reads: the listed activities new to the mirror, or changed (themselves or their
 * relations) above their object's watermark.
 *
 * @remarks The listing is not filtered by stamp, so the threshold is the watermark itself:
 * with the overlap subtracted, every activity changed in the last `overlapMs` would be re-read
 * on every poll. A relation's stamp moves its activity's watermark (else it would be re-read
 * every poll).
 * @example
 * ```ts
 * const { Task, Event } = activitiesToFetch(readActivityListing(rows), request);
 * ```
 */
export function activitiesToFetch(
  listed: ReadonlyMap<SalesforceId, ListedActivity>,
  request: Pick<ActivityPullRequest, "watermarks" | "mirroredIds">,
): { readonly Task: ReadonlyArray<SalesforceId>; readonly Event: ReadonlyArray<SalesforceId> } {
  const fetch = { Task: [] as SalesforceId[], Event: [] as SalesforceId[] };
  for (const [activityId, info] of listed) {
    const threshold = request.watermarks[info.type] ?? "";
    if (!request.mirroredIds.has(activityId) || info.modstamp > threshold) fetch[info.type].push(activityId);
  }
  return fetch;
}

/** `WhoIds`: the `WhoId` first (when a contact), then the other contact relations, each once. */
export function whoIdsOf(whoId: SalesforceId | null, relations: ReadonlyArray<SalesforceId>): SalesforceId[] {
  const out: SalesforceId[] = [];
  for (const id of [...(whoId === null ? [] : [whoId]), ...relations]) {
    if (id.startsWith("003") && !out.includes(id)) out.push(id);
  }
  return out;
}

/**
 * Pulls the activities of `request.whoIds`.
 *
 * @remarks `windowStart` / `windowEnd` bound Tasks by `ActivityDate` (their UTC day) and Events
 * by `StartDateTime`; the latest per contact is the latest (by `WhoId`) dated not after `now`.
 */
export function pullActivities(
  client: SalesforceClient,
  request: ActivityPullRequest,
  options: PullOptions,
): Effect.Effect<ActivityPull, SalesforcePortError> {
  return Effect.gen(function* () {
    const readOptions = { useComposite: options.useComposite };
    const planOptions = { maxUrlLength: options.maxUrlLength };
    const features = options.orgFeatures;
    let shared = features?.noSharedActivities !== true;
    let round1 = planActivityRound1(request, { ...planOptions, shared }, client);
    let rows1 = rowsByKind(round1, yield* runReads(client, round1.reads, readOptions));
    if (shared && Result.isFailure(rows1) && isNoSharedActivities(rows1.failure)) {
      shared = false;
      // For the port's life: an org cannot switch Shared Activities off.
      if (features !== undefined) features.noSharedActivities = true;
      round1 = planActivityRound1(request, { ...planOptions, shared }, client);
      rows1 = rowsByKind(round1, yield* runReads(client, round1.reads, readOptions));
    }
    if (Result.isFailure(rows1)) return yield* Effect.fail(rows1.failure);
    const seen = readActivityListing(rows1.success);
    const fetch = activitiesToFetch(seen, request);
    const readings = activityReadings(request.fields);
    const round2 = planActivityRound2(fetch.Task, fetch.Event, readings, { ...planOptions, shared }, client);
    const outcomes2 = round2.reads.length > 0 ? yield* runReads(client, round2.reads, readOptions) : [];
    const rows2 = rowsByKind(round2, outcomes2);
    if (Result.isFailure(rows2)) return yield* Effect.fail(rows2.failure);
    const activities = new Map<SalesforceId, ActivityRecord>();
    const relations = new Map<SalesforceId, SalesforceId[]>();
    for (const [kind, row] of rows2.success) {
      const record = (kind === "Task" ? readings.task : readings.event).read(row);
      activities.set(record.Id, record);
      const contacts = childRows(row, RELATIONS_CHILD[kind]).map((child) => idOrNull(child, "RelationId"));
      relations.set(
        record.Id,
        contacts.filter((id): id is SalesforceId => id !== null),
      );
    }
    const records = [...activities.values()].map((record) =>
      shared ? { ...record, WhoIds: whoIdsOf(record.WhoId, relations.get(record.Id) ?? []) } : record,
    );

    const removedIds = [...request.mirroredIds].filter((activityId) => !seen.has(activityId));
    let maxTask = request.watermarks.Task;
    let maxEvent = request.watermarks.Event;
    for (const info of seen.values()) {
      if (info.type === "Task" && (maxTask === undefined || info.modstamp > maxTask)) maxTask = info.modstamp;
      if (info.type === "Event" && (maxEvent === undefined || info.modstamp > maxEvent)) maxEvent = info.modstamp;
    }
    return {
      activities: records,
      removedIds,
      watermarks: {
        ...request.watermarks,
        ...(maxTask !== undefined ? { Task: maxTask } : {}),
        ...(maxEvent !== undefined ? { Event: maxEvent } : {}),
      },
    };
  });
}
