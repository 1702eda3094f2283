/**
 * The activity, push and lookup cases of the port contract suite: the activity window, the
 * exactly-once Task create found by its key, three-way field updates, typed per-record
 * failures and API usage.
 */
import { describe, expect, it } from "vitest";
import type { IdempotencyKey } from "../port/salesforce-port.js";
import { type ContractContext, Mirror, run } from "./port-contract-context.js";

/** Registers the pullActivities and create-then-lookup cases. */
export function describeActivitiesAndTasks(c: ContractContext): void {
  describe("activities and Task creation", () => {
    it("pullActivities returns Key contacts' activities in the window plus each one's most recent, and no one else's", async () => {
      const deal = await c.seedDeal(c.me, "f1");
      const recent = await c.h.org.createTask({
        WhoId: deal.ada,
        WhatId: deal.opp,
        Subject: "Recent call",
        ActivityDate: "2026-03-01",
        OwnerId: c.me,
      });
      const old = await c.h.org.createTask({
        WhoId: deal.ada,
        Subject: "Old",
        ActivityDate: "2025-01-01",
        OwnerId: c.me,
      });
      const onlyOld = await c.h.org.createTask({
        WhoId: deal.bob,
        Subject: "Bob old",
        ActivityDate: "2025-02-01",
        OwnerId: c.me,
      });
      const other2 = await c.h.org.createTask({
        WhoId: deal.bob,
        Subject: "Bob older",
        ActivityDate: "2024-02-01",
        OwnerId: c.me,
      });
      const result = await run(
        c.port.pullActivities({
          whoIds: [deal.ada, deal.bob],
          windowStart: "2026-01-01T00:00:00.000Z",
          watermarks: {},
          mirroredIds: new Set(),
        }),
      );
      const ids = result.activities.map((a) => a.Id);
      expect(ids).toContain(recent);
      expect(ids).toContain(onlyOld);
      expect(ids).not.toContain(old);
      expect(ids).not.toContain(other2);
      expect(result.activities.find((a) => a.Id === recent)).toMatchObject({
        Type: "Task",
        WhoId: deal.ada,
        WhatId: deal.opp,
        Subject: "Recent call",
        ActivityDate: "2026-03-01",
      });
      const none = await run(
        c.port.pullActivities({
          whoIds: [deal.ada],
          windowStart: "2026-01-01T00:00:00.000Z",
          watermarks: {},
          mirroredIds: new Set(),
        }),
      );
      expect(none.activities.map((a) => a.Id)).not.toContain(onlyOld);
    });

    it("push creates a completed Task whose key lookup finds, exactly one result per write, in order", async () => {
      const deal = await c.seedDeal(c.me, "g1");
      const key = `tdm:contract-${Math.random().toString(36).slice(2)}` as IdempotencyKey;
      const missing = `tdm:missing-${Math.random().toString(36).slice(2)}` as IdempotencyKey;
      const results = await run(
        c.port.push([
          {
            kind: "createTask",
            intentId: "i1",
            key,
            fields: {
              WhoId: deal.ada,
              WhatId: deal.opp,
              Subject: "Call with Ada",
              Description: "Pricing",
              ActivityDate: "2026-03-02",
              Status: "Completed",
              TaskSubtype: "Call",
              CallType: "Outbound",
              CallDurationInSeconds: 60,
            },
          },
          {
            kind: "updateField",
            intentId: "i2",
            sobject: "Opportunity",
            recordId: deal.opp,
            field: "Amount",
            base: 1000,
            value: 1500,
          },
        ]),
      );
      expect(results.map((r) => r.intentId)).toEqual(["i1", "i2"]);
      const created = results[0];
      expect(created?.outcome).toBe("applied");
      const taskId = created?.outcome === "applied" ? created.salesforceId : null;
      expect(taskId).toHaveLength(18);
      const found = await run(c.port.lookup([key, missing]));
      expect(found.get(key)).toBe(taskId);
      expect(found.get(missing)).toBeNull();
      const acts = await run(
        c.port.pullActivities({
          whoIds: [deal.ada],
          windowStart: "2026-01-01T00:00:00.000Z",
          watermarks: {},
          mirroredIds: new Set(),
        }),
      );
      expect(acts.activities.find((a) => a.Id === taskId)).toMatchObject({
        Status: "Completed",
        Subject: "Call with Ada",
        WhoId: deal.ada,
        WhatId: deal.opp,
        ActivityDate: "2026-03-02",
      });
    });
  });
}

/** Registers the field-update, per-record failure and usage cases. */
export function describeUpdatesAndUsage(c: ContractContext): void {
  describe("field updates, failures and usage", () => {
    it("updates apply only when Salesforce still holds the base: applied, unchanged or conflict with theirs", async () => {
      const deal = await c.seedDeal(c.me, "h1");
      const update = (intentId: string, base: unknown, value: unknown) =>
        ({
          kind: "updateField",
          intentId,
          sobject: "Opportunity",
          recordId: deal.opp,
          field: "StageName",
          base,
          value,
        }) as const;
      const [applied] = await run(c.port.push([update("u1", "Prospecting", "Qualification")]));
      expect(applied?.outcome).toBe("applied");
      const [unchanged] = await run(c.port.push([update("u2", "Prospecting", "Qualification")]));
      expect(unchanged?.outcome).toBe("unchanged");
      const [conflict] = await run(c.port.push([update("u3", "Prospecting", "Needs Analysis")]));
      expect(conflict).toMatchObject({ outcome: "conflict", theirs: "Qualification" });
      const mirror = new Mirror();
      const after = await c.pull(mirror);
      expect(after.opportunities.find((o) => o.Id === deal.opp)?.StageName).toBe("Qualification");
    });

    it("per-record failures are typed: validation names the field, a missing record is NotFound, another user's opportunity is AccessDenied", async () => {
      const deal = await c.seedDeal(c.me, "k1");
      const theirs = await c.seedDeal(c.other, "k2");
      await c.h.org.deleteRecord("Contact", deal.bob);
      const results = await run(
        c.port.push([
          {
            kind: "updateField",
            intentId: "v1",
            sobject: "Contact",
            recordId: deal.ada,
            field: "LastName",
            base: "Lovelace k1",
            value: "",
          },
          {
            kind: "updateField",
            intentId: "v2",
            sobject: "Contact",
            recordId: deal.bob,
            field: "Title",
            base: null,
            value: "CEO",
          },
          {
            kind: "updateField",
            intentId: "v3",
            sobject: "Opportunity",
            recordId: theirs.opp,
            field: "Amount",
            base: 1000,
            value: 1,
          },
        ]),
      );
      expect(results).toHaveLength(3);
      const [bad, missing, denied] = results;
      expect(bad?.outcome === "failed" && bad.error._tag).toBe("ValidationFailed");
      expect(bad?.outcome === "failed" && bad.error._tag === "ValidationFailed" && bad.error.fields).toContain(
        "LastName",
      );
      expect(missing?.outcome === "failed" && missing.error._tag).toBe("NotFound");
      expect(denied?.outcome === "failed" && denied.error._tag).toBe("AccessDenied");
    });

    it("usage reports the org's API usage and counts this port's calls", async () => {
      const before = c.port.usage();
      await c.pull(new Mirror());
      const after = c.port.usage();
      expect(after.callsMade).toBeGreaterThan(before.callsMade);
      expect(after.max).toBeGreaterThan(0);
      expect(after.used).toBeGreaterThanOrEqual(0);
      expect(after.used).toBeLessThanOrEqual(after.max);
    });
  });
}
