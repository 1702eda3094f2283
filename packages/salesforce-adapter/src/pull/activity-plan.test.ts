import { type ActivityPullRequest, readSalesforceId, type SalesforceId, ValidationFailed } from "@tandem/engine";
import { describe, expect, it } from "vitest";
import type { ReadSpec } from "../client/batch-reads.js";
import { planActivityRound1, planActivityRound2 } from "./activity-plan.js";
import { isNoSharedActivities, whoIdsOf } from "./activity-pull.js";
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
const options = { shared: true, overlapMs: 5 * 60_000, maxUrlLength: 8_000 };
const soqlOf = (spec: ReadSpec | undefined) => (spec?.kind === "query" ? spec.soql : "");

describe("activity pull plans (issue 20)", () => {
  it("with Shared Activities, finds activities in the window through their contact relations, bounded on both sides", () => {
    const round = planActivityRound1(base, options, endpoints);
    expect(round.kinds).toEqual(["task", "event", "latest"]);
    expect(soqlOf(round.reads[0])).toBe(
      `SELECT Id, SystemModstamp FROM Task WHERE (Id IN (SELECT TaskId FROM TaskRelation WHERE RelationId IN ('${ADA}') AND IsWhat = false)) AND (ActivityDate >= 2026-01-01) AND (ActivityDate <= 2026-09-01)`,
    );
    expect(soqlOf(round.reads[1])).toBe(
      `SELECT Id, SystemModstamp FROM Event WHERE (Id IN (SELECT EventId FROM EventRelation WHERE RelationId IN ('${ADA}') AND IsWhat = false)) AND (StartDateTime >= 2026-01-01T00:00:00Z) AND (StartDateTime <= 2026-09-01T00:00:00Z)`,
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

  it("incrementally reads the relations changed since each watermark minus the overlap, once for all chunks", () => {
    const many = Array.from({ length: 1_000 }, (_, i) => readSalesforceId(`003${String(i).padStart(12, "0")}`));
    const round = planActivityRound1(
      { ...base, whoIds: many, watermarks: { Task: "2026-03-01T10:00:00.000Z", Event: "2026-03-02T10:00:00.000Z" } },
      options,
      endpoints,
    );
    const count = (kind: string) => round.kinds.filter((k) => k === kind).length;
    // The contacts take several chunks; the relation reads do not follow them.
    expect(count("task")).toBeGreaterThan(1);
    expect([count("taskRelations"), count("eventRelations")]).toEqual([1, 1]);
    expect(soqlOf(round.reads[round.kinds.indexOf("taskRelations")])).toBe(
      "SELECT TaskId, RelationId, SystemModstamp FROM TaskRelation WHERE (IsWhat = false) AND (SystemModstamp > 2026-03-01T09:55:00Z)",
    );
    expect(soqlOf(round.reads[round.kinds.indexOf("eventRelations")])).toBe(
      "SELECT EventId, RelationId, SystemModstamp FROM EventRelation WHERE (IsWhat = false) AND (SystemModstamp > 2026-03-02T09:55:00Z)",
    );
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
