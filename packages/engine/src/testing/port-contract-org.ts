/**
 * The org-description and activity-time cases of the port contract suite (issue 25): the
 * org's stages in sales-process order with which close, its instance URL, and the times a Task
 * carries (`CreatedDate`, `CompletedDateTime`) with `IsClosed` telling a to-do from a done one.
 */
import { describe, expect, it } from "vitest";
import type { IdempotencyKey } from "../port/salesforce-port.js";
import { type ContractContext, run } from "./port-contract-context.js";

const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Registers the pullOrgInfo and activity-time cases. */
export function describeOrgAndTimes(c: ContractContext): void {
  describe("the org and activity times", () => {
    it("pullOrgInfo gives the instance URL and the active stages in sales-process order", async () => {
      const pullOrgInfo = c.port.pullOrgInfo;
      expect(pullOrgInfo).toBeDefined();
      if (pullOrgInfo === undefined) return;
      const org = await run(pullOrgInfo());
      expect(org.instanceUrl).toMatch(/^https?:\/\/[^/]+/);
      expect(org.instanceUrl?.endsWith("/")).toBe(false);
      const orders = org.stages.map((s) => s.sortOrder);
      expect(orders).toEqual([...orders].sort((a, b) => a - b));
      expect(org.stages.slice(0, 2).map((s) => s.name)).toEqual(["Prospecting", "Qualification"]);
      expect(org.stages.find((s) => s.name === "Closed Won")).toMatchObject({ isClosed: true, isWon: true });
      expect(org.stages.find((s) => s.name === "Closed Lost")).toMatchObject({ isClosed: true, isWon: false });
      expect(org.stages.find((s) => s.name === "Prospecting")).toMatchObject({ isClosed: false });
    });

    it("a Task carries CreatedDate, and CompletedDateTime with IsClosed once done", async () => {
      const deal = await c.seedDeal(c.me, "t1");
      const todo = await c.h.org.createTask({
        WhoId: deal.ada,
        WhatId: deal.opp,
        Subject: "Send the questionnaire",
        ActivityDate: "2026-04-01",
        OwnerId: c.me,
        Status: "Not Started",
      });
      const [done] = await run(
        c.port.push([
          {
            kind: "createTask",
            intentId: "t1",
            key: "tandem-contract-times-1" as IdempotencyKey,
            fields: {
              WhoId: deal.ada,
              WhatId: deal.opp,
              Subject: "Call with Ada",
              Description: null,
              ActivityDate: "2026-03-02",
              Status: "Completed",
              TaskSubtype: "Call",
              CallType: "Outbound",
            },
          },
        ]),
      );
      expect(done?.outcome).toBe("applied");
      const doneId = done?.outcome === "applied" ? done.salesforceId : undefined;
      const pulled = await run(
        c.port.pullActivities({
          whoIds: [deal.ada],
          windowStart: "2026-01-01T00:00:00.000Z",
          watermarks: {},
          mirroredIds: new Set(),
        }),
      );
      const open = pulled.activities.find((a) => a.Id === todo);
      expect(open).toMatchObject({ Type: "Task", IsClosed: false, CompletedDateTime: null });
      expect(open?.CreatedDate).toMatch(DATETIME);
      const closed = pulled.activities.find((a) => a.Id === doneId);
      expect(closed).toMatchObject({ Type: "Task", Status: "Completed", IsClosed: true });
      expect(closed?.CompletedDateTime).toMatch(DATETIME);
      expect(closed?.CreatedDate).toMatch(DATETIME);
    });
  });
}
