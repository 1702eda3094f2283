/**
 * The reads `pullActivities` makes, planned as data (see `activity-pull.ts` for the rounds).
 *
 * Round 1, per chunk of Key contacts: the ids and SystemModstamps of the Tasks and Events dated
 * in the window (`windowStart`..`windowEnd`) that relate one of them — through TaskRelation /
 * EventRelation when the org has Shared Activities (`IsWhat = false`: contacts and leads, the
 * `WhoId` included), each listed with its contact relations' `SystemModstamp` (a child
 * subquery, so a contact added to a mirrored activity shows without an org-wide read),
 * else by `WhoId` — and the latest Task and Event per contact not after `now` (child subqueries,
 * by `WhoId`). So round 1 is three queries per chunk (one composite call for a small book).
 * Round 2: the full rows of what is new or changed, with Shared Activities each with its contact
 * relations (a child subquery).
 *
 * Invariants: planning does no IO and reads no clock; every `IN (…)` list is split so each
 * request URL stays within `maxUrlLength`; only escaped literals and checked ids reach SOQL.
 */
import type { ActivityPullRequest, SalesforceId } from "@tandem/engine";
import type { ReadSpec } from "../client/batch-reads.js";
import type { SalesforceClient } from "../client/salesforce-client.js";
import { chunkedStatements, select, soqlId } from "../soql/builder.js";
import { soqlDate, soqlDateTime } from "../soql/literal.js";
import type { ActivityReadings } from "./extra-fields.js";

/** What planning needs of the client. */
export type ActivityEndpoints = Pick<SalesforceClient, "queryUrlPrefixLength">;

/**
 * What each round-1 read answers: the activities in the window (`task`, `event`; with Shared
 * Activities each row carries its contact relations under {@link RELATIONS_CHILD}), or the
 * latest activity per contact (`latest`).
 */
export type ActivityRead1 = "task" | "event" | "latest";

/** What each round-2 read answers (with Shared Activities, rows carry their relations as children). */
export type ActivityRead2 = "Task" | "Event";

/** A round of reads and, per read, what it answers. */
export interface ActivityRound<K> {
  readonly reads: ReadonlyArray<ReadSpec>;
  readonly kinds: ReadonlyArray<K>;
}

/** Options of the activity plans. */
export interface ActivityPlanOptions {
  /** The org has Shared Activities (TaskRelation); otherwise activities relate by `WhoId` only. */
  readonly shared: boolean;
  readonly maxUrlLength: number;
}

/** The relation object and child relationship, its activity id field, and the activity's date field, per object. */
const OBJECTS = {
  Task: {
    relation: "TaskRelation",
    relations: "TaskRelations",
    activityId: "TaskId",
    child: "Tasks",
    date: "ActivityDate",
  },
  Event: {
    relation: "EventRelation",
    relations: "EventRelations",
    activityId: "EventId",
    child: "Events",
    date: "StartDateTime",
  },
} as const;

/** The child relationship under which a row of `sobject` (round 1 with Shared Activities, and round 2) lists its contact relations. */
export const RELATIONS_CHILD = { Task: OBJECTS.Task.relations, Event: OBJECTS.Event.relations } as const;

/** An activity's contact and lead relations (`IsWhat = false`, the `WhoId`'s included) as a child subquery. */
function relationsSubquery(sobject: "Task" | "Event", fields: ReadonlyArray<string>): string {
  return `(SELECT ${fields.join(", ")} FROM ${OBJECTS[sobject].relations} WHERE IsWhat = false)`;
}

/** The window on `sobject`'s date field: a Task by its (UTC) day, an Event by its start. */
function windowConditions(sobject: "Task" | "Event", start: Date, end: Date | undefined): string[] {
  const literal = sobject === "Task" ? soqlDate : soqlDateTime;
  const field = OBJECTS[sobject].date;
  return [`${field} >= ${literal(start)}`, ...(end === undefined ? [] : [`${field} <= ${literal(end)}`])];
}

/** The latest Task or Event of a contact dated not after `now` (a future one never takes the slot). */
function latestSubquery(sobject: "Task" | "Event", now: Date | undefined): string {
  const { child, date } = OBJECTS[sobject];
  const literal = sobject === "Task" ? soqlDate : soqlDateTime;
  const where = now === undefined ? "" : ` WHERE ${date} <= ${literal(now)}`;
  return `(SELECT Id, ${date}, SystemModstamp FROM ${child}${where} ORDER BY ${date} DESC NULLS LAST LIMIT 1)`;
}

/**
 * Plans round 1 of an activity pull.
 *
 * @example
 * ```ts
 * const round1 = planActivityRound1(request, { shared: true, maxUrlLength }, client);
 * ```
 */
export function planActivityRound1(
  request: ActivityPullRequest,
  options: ActivityPlanOptions,
  endpoints: ActivityEndpoints,
): ActivityRound<ActivityRead1> {
  const start = new Date(request.windowStart);
  const end = request.windowEnd === undefined ? undefined : new Date(request.windowEnd);
  const now = request.now === undefined ? undefined : new Date(request.now);
  const whoIds = [...new Set(request.whoIds)];
  const reads: ReadSpec[] = [];
  const kinds: ActivityRead1[] = [];
  const add = (kind: ActivityRead1, statements: ReadonlyArray<string>) => {
    for (const soql of statements) {
      reads.push({ kind: "query", soql });
      kinds.push(kind);
    }
  };
  const chunk = (field: string, build: (condition: string) => string) =>
    chunkedStatements(whoIds, field, soqlId, build, {
      baseUrlLength: endpoints.queryUrlPrefixLength,
      maxUrlLength: options.maxUrlLength,
    });
  for (const sobject of ["Task", "Event"] as const) {
    const { relation, activityId } = OBJECTS[sobject];
    const kind = sobject === "Task" ? "task" : "event";
    add(
      kind,
      options.shared
        ? chunk("RelationId", (c) =>
            select({
              // Each activity's relation stamps: a contact added to it is a change of it.
              fields: ["Id", "SystemModstamp", relationsSubquery(sobject, ["SystemModstamp"])],
              from: sobject,
              where: [
                `Id IN (SELECT ${activityId} FROM ${relation} WHERE ${c} AND IsWhat = false)`,
                ...windowConditions(sobject, start, end),
              ],
            }),
          )
        : chunk("WhoId", (c) =>
            select({
              fields: ["Id", "SystemModstamp"],
              from: sobject,
              where: [c, ...windowConditions(sobject, start, end)],
            }),
          ),
    );
  }
  add(
    "latest",
    chunk("Id", (c) =>
      select({
        fields: ["Id", latestSubquery("Task", now), latestSubquery("Event", now)],
        from: "Contact",
        where: [c],
      }),
    ),
  );
  return { reads, kinds };
}

/**
 * Plans round 2: the full rows of `tasks` and `events`, with Shared Activities each with its
 * contact relations as a child subquery (for `WhoIds`; no separate relation reads).
 */
export function planActivityRound2(
  tasks: ReadonlyArray<SalesforceId>,
  events: ReadonlyArray<SalesforceId>,
  readings: ActivityReadings,
  options: Pick<ActivityPlanOptions, "shared" | "maxUrlLength">,
  endpoints: ActivityEndpoints,
): ActivityRound<ActivityRead2> {
  const reads: ReadSpec[] = [];
  const kinds: ActivityRead2[] = [];
  const byIds = (ids: ReadonlyArray<string>, field: string, build: (condition: string) => string) =>
    chunkedStatements(ids, field, soqlId, build, {
      baseUrlLength: endpoints.queryUrlPrefixLength,
      maxUrlLength: options.maxUrlLength,
    });
  const add = (kind: ActivityRead2, statements: ReadonlyArray<string>) => {
    for (const soql of statements) {
      reads.push({ kind: "query", soql });
      kinds.push(kind);
    }
  };
  for (const [sobject, ids] of [
    ["Task", tasks],
    ["Event", events],
  ] as const) {
    const reading = sobject === "Task" ? readings.task : readings.event;
    const fields = options.shared ? [...reading.fields, relationsSubquery(sobject, ["RelationId"])] : reading.fields;
    add(
      sobject,
      byIds(ids, "Id", (c) => select({ fields, from: sobject, where: [c] })),
    );
  }
  return { reads, kinds };
}
