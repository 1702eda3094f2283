import { type ActivityPullRequest, readSalesforceId, type SalesforceId, ValidationFailed } from "@tandem/engine";
import { describe, expect, it } from "vitest";
import type { ReadSpec } from "../client/batch-reads.js";
import { planActivityRound1, planActivityRound2 } from "./activity-plan.js";
import { activitiesToFetch, isNoSharedActivities, readActivityListing, whoIdsOf } from "./activity-pull.js";
import { activityReadings } from "./extra-fields.js";

const endpoints = { queryUrlPrefixLength: "https://example.my.salesforce.com/services/data/v60.0/queryAll?q=".length };
const ADA = readSalesforceId("003000000000001");
const BOB = readSalesforceId("003000000000002");
const LEAD = readSalesforceId("00Q000000000001");
const base: ActivityPullRequest = {
  whoIds: [ADA],
  windowStart: "2026-01-01T00:00:00.000Z",
  windowEnd: "2026-09-01T00:00:00.000Z",
  now: "2026-03-10T12:00:00.000Z",
  watermarks: {},
  mirroredIds: new Set(),
};
const options = { shared: true, maxUrlLength: 8_000 };
const soqlOf = (spec: ReadSpec | undefined) => (spec?.kind === "query" ? spec.soql : "");

describe("activity pull plans (issue 20)", () => {
  it("with Shared Activities, finds activities in the window through their contact relations, bounded on both sides, each with its relations", () => {
    const round = planActivityRound1(base, options, endpoints);
    expect(round.kinds).toEqual(["task", "event", "latest"]);
    expect(soqlOf(round.reads[0])).toBe(
      `SELECT Id, SystemModstamp, (SELECT SystemModstamp FROM TaskRelations WHERE IsWhat = false) FROM Task WHERE (Id IN (SELECT TaskId FROM TaskRelation WHERE RelationId IN ('${ADA}') AND IsWhat = false)) AND (ActivityDate >= 2026-01-01) AND (ActivityDate <= 2026-09-01)`,
    );
    expect(soqlOf(round.reads[1])).toBe(
      `SELECT Id, SystemModstamp, (SELECT SystemModstamp FROM EventRelations WHERE IsWhat = false) FROM Event WHERE (Id IN (SELECT EventId FROM EventRelation WHERE RelationId IN ('${ADA}') AND IsWhat = false)) AND (StartDateTime >= 2026-01-01T00:00:00Z) AND (StartDateTime <= 2026-09-01T00:00:00Z)`,
    );
    // The latest per contact is the latest dated not after now: a future one never takes the slot.
    expect(soqlOf(round.reads[2])).toContain("FROM Tasks WHERE ActivityDate <= 2026-03-10 ORDER BY ActivityDate DESC");
    expect(soqlOf(round.reads[2])).toContain("FROM Events WHERE StartDateTime <= 2026-03-10T12:00:00Z ORDER BY");
  });

  it("without Shared Activities relates by WhoId, and with no windowEnd or now has no upper bound", () => {
    const { windowEnd: _e, now: _n, ...open } = base;
    const round = planActivityRound1(open, { ...options, shared: false }, endpoints);
    expect(soqlOf(round.reads[0])).toBe(
      `SELECT Id, SystemModstamp FROM Task WHERE (WhoId IN ('${ADA}')) AND (ActivityDate >= 2026-01-01)`,
    );
    expect(soqlOf(round.reads[2])).toContain("(SELECT Id, ActivityDate, SystemModstamp FROM Tasks ORDER BY");
    expect(round.reads.some((spec) => soqlOf(spec).includes("Relation"))).toBe(false);
  });

  it("incrementally reads three queries per chunk of contacts and no org-wide relation read, whatever the watermarks", () => {
    const many = Array.from({ length: 1_000 }, (_, i) => readSalesforceId(`003${String(i).padStart(12, "0")}`));
    const marks = { Task: "2026-03-01T10:00:00.000Z", Event: "2026-03-02T10:00:00.000Z" };
    const round = planActivityRound1({ ...base, whoIds: many, watermarks: marks }, options, endpoints);
    const count = (kind: string) => round.kinds.filter((k) => k === kind).length;
    expect(count("task")).toBeGreaterThan(1);
    expect([count("event"), count("latest")]).toEqual([count("task"), count("task")]);
    expect(round.reads).toHaveLength(3 * count("task"));
    expect(round.reads.some((spec) => /FROM (Task|Event)Relation WHERE \(IsWhat/.test(soqlOf(spec)))).toBe(false);
    // The small book's round 1 fits one composite request (at most 5 queries).
    expect(planActivityRound1({ ...base, watermarks: marks }, options, endpoints).reads).toHaveLength(3);
    // Every chunk stays within the URL budget, with the relation subquery counted.
    for (const spec of round.reads) {
      expect(endpoints.queryUrlPrefixLength + encodeURIComponent(soqlOf(spec)).length).toBeLessThanOrEqual(8_000);
    }
  });

  it("reads full rows with the selected fields and, with Shared Activities, every contact relation of them in the same query", () => {
    const task = readSalesforceId("00T000000000001") as SalesforceId;
    const readings = activityReadings({ Task: { extra: ["Outcome__c"], hidden: ["Description"] } });
    const round = planActivityRound2([task], [], readings, options, endpoints);
    expect(round.kinds).toEqual(["Task"]);
    expect(soqlOf(round.reads[0])).toMatch(
      new RegExp(
        `, Outcome__c, \\(SELECT RelationId FROM TaskRelations WHERE IsWhat = false\\) FROM Task WHERE Id IN \\('${task}'\\)$`,
      ),
    );
    expect(soqlOf(round.reads[0])).not.toContain("Description");
    const unshared = planActivityRound2([task], [], readings, { ...options, shared: false }, endpoints);
    expect(unshared.kinds).toEqual(["Task"]);
    expect(soqlOf(unshared.reads[0])).not.toContain("Relation");
  });

  it("counts a mirrored activity as changed when one of its relations is newer than the watermark, even if it is not", () => {
    const task = readSalesforceId("00T000000000001");
    const other = readSalesforceId("00T000000000002");
    const relations = (...stamps: string[]) => ({
      totalSize: stamps.length,
      done: true,
      records: stamps.map((SystemModstamp) => ({ SystemModstamp })),
    });
    const mark = "2026-03-01T10:00:00.000Z";
    const listing = (bobAddedAt: string) =>
      readActivityListing([
        [
          "task",
          {
            Id: task,
            SystemModstamp: "2026-03-01T09:00:00.000+0000",
            TaskRelations: relations("2026-03-01T09:00:00.000+0000", bobAddedAt),
          },
        ],
        ["task", { Id: other, SystemModstamp: "2026-03-01T08:00:00.000+0000", TaskRelations: null }],
        // The same Task as Ada's latest, read by WhoId without its relations: it keeps the later stamp.
        [
          "latest",
          {
            Id: ADA,
            Tasks: {
              totalSize: 1,
              done: true,
              records: [{ Id: task, ActivityDate: "2026-03-01", SystemModstamp: "2026-03-01T09:00:00.000+0000" }],
            },
            Events: null,
          },
        ],
      ]);
    const mirrored = { watermarks: { Task: mark }, mirroredIds: new Set([task, other]) };
    const quiet = listing("2026-03-01T09:30:00.000+0000");
    expect(activitiesToFetch(quiet, mirrored)).toEqual({ Task: [], Event: [] });
    const added = listing("2026-03-01T10:00:01.000+0000");
    expect(added.get(task)).toEqual({ type: "Task", modstamp: "2026-03-01T10:00:01.000Z" });
    expect(activitiesToFetch(added, mirrored)).toEqual({ Task: [task], Event: [] });
    // Once the watermark has moved to the relation's stamp, the activity is quiet again.
    expect(activitiesToFetch(added, { ...mirrored, watermarks: { Task: "2026-03-01T10:00:01.000Z" } })).toEqual({
      Task: [],
      Event: [],
    });
    // An activity new to the mirror is read whatever its stamp.
    expect(activitiesToFetch(quiet, { ...mirrored, mirroredIds: new Set([task]) })).toEqual({
      Task: [other],
      Event: [],
    });
  });

  it("lists an activity's contacts WhoId first, each once, contacts only", () => {
    expect(whoIdsOf(ADA, [ADA, LEAD, BOB, BOB])).toEqual([ADA, BOB]);
    expect(whoIdsOf(null, [BOB])).toEqual([BOB]);
    expect(whoIdsOf(LEAD, [LEAD])).toEqual([]);
  });

  it("tells an org without Shared Activities from other failures", () => {
    const invalidType = new ValidationFailed({
      code: "INVALID_TYPE",
      message: "sObject type 'TaskRelation' is not supported.",
      fields: [],
    });
    expect(isNoSharedActivities(invalidType)).toBe(true);
    expect(isNoSharedActivities(new ValidationFailed({ code: "MALFORMED_QUERY", message: "x", fields: [] }))).toBe(
      false,
    );
  });
});
