/**
 * Issue 25 in the runner: a write that reached Salesforce is read back in the same cycle (a
 * closed opportunity leaves the mirror, a created Task joins it), and `meta.org` — the
 * instance URL and the stages in sales-process order — is written on the first cycle.
 */
import { Exit } from "effect";
import { describe, expect, it } from "vitest";
import { bookMaps } from "../doc/layout.js";
import type { OrgInfo } from "../model/schemas.js";
import { createBookFixture } from "../testing/book-fixture.js";

const ok = <A, E>(exit: Exit.Exit<A, E>): A => {
  if (Exit.isSuccess(exit)) return exit.value;
  throw new Error(`cycle failed: ${String(exit.cause)}`);
};

describe("runner: the mirror follows a write at once (issue 25, bug 4)", () => {
  it("closing an opportunity takes it out of the mirror in the cycle that wrote the close", async () => {
    const f = createBookFixture();
    ok(await f.sync());
    const maps = bookMaps(f.doc);
    expect(maps.opportunities.has(f.ids.opp)).toBe(true);
    const edit = f.device("phone").editField({
      sobject: "Opportunity",
      recordId: f.ids.opp,
      field: "StageName",
      value: "Closed Won",
    });
    expect(edit.ok).toBe(true);
    f.clock.advance(1000);
    const report = ok(await f.sync());
    expect(report.applied).toBe(1);
    expect(f.org.opportunities.get(f.ids.opp)?.IsClosed).toBe(true);
    expect(maps.opportunities.has(f.ids.opp)).toBe(false);
  });

  it("a logged call's Task is in the mirror after the cycle that created it, with its times", async () => {
    const f = createBookFixture();
    ok(await f.sync());
    const logged = f.device("phone").logActivity({ opportunityId: f.ids.opp, contactId: f.ids.ada, type: "call" });
    if (!logged.ok) throw new Error("not logged");
    f.clock.advance(1000);
    ok(await f.sync());
    const taskId = bookMaps(f.doc).receipts.get(logged.value.id)?.salesforceId;
    expect(taskId).toBeDefined();
    const task = bookMaps(f.doc).activities.get(taskId ?? "");
    expect(task).toMatchObject({ Type: "Task", Status: "Completed", IsClosed: true });
    expect(task?.CreatedDate).toMatch(/T/);
  });

  it("a cycle without writes reads the scope once", async () => {
    const f = createBookFixture();
    ok(await f.sync());
    const before = f.org.apiCalls;
    ok(await f.sync());
    // Scope and activities: no second round without a write.
    expect(f.org.apiCalls - before).toBe(2);
  });
});

describe("runner: meta.org (issue 25, bug 6 and the Salesforce link)", () => {
  it("writes the instance URL and the stages in sales-process order on the first cycle only", async () => {
    const f = createBookFixture();
    ok(await f.sync());
    const org = bookMaps(f.doc).meta.get("org") as OrgInfo;
    expect(org.instanceUrl).toBe(f.org.instanceUrl);
    expect(org.stages.slice(0, 3).map((s) => s.name)).toEqual(["Prospecting", "Qualification", "Needs Analysis"]);
    expect(org.stages.find((s) => s.name === "Closed Won")).toMatchObject({ isClosed: true, isWon: true });
    const calls = f.org.apiCalls;
    bookMaps(f.doc).meta.set("org", { broken: true });
    ok(await f.sync());
    // A damaged meta.org is read again: the scope and activities, plus the fake's cost of
    // pullOrgInfo (the stages, the user, four describes).
    expect(f.org.apiCalls - calls).toBe(2 + 6);
    expect((bookMaps(f.doc).meta.get("org") as OrgInfo).stages.length).toBeGreaterThan(0);
  });
});
