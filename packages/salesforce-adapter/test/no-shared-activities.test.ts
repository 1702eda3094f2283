/**
 * An org without Shared Activities through this adapter against the emulator (issue 23): the
 * org answers TaskRelation / EventRelation reads `INVALID_TYPE`, so the port's first activity
 * pull falls back to reading by `WhoId` (no `WhoIds`), and remembers it — a later unchanged
 * poll costs what a `WhoId`-only poll costs (one composite call for a small book), not a failed
 * attempt more, and a changed activity is still pulled.
 */
import type { ActivityPullRequest, SalesforcePortError } from "@tandem/engine";
import type { Emulator } from "@tandem/salesforce-emulator";
import { Effect } from "effect";
import type { Connection } from "jsforce";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SignedInTokens } from "../src/auth/oauth.js";
import { apiCalls, portFor, type RepOrg, startRepOrg } from "./harness.js";

let sf: Emulator;
let rep: SignedInTokens;
let conn: Connection;
let create: RepOrg["create"];

const run = <A>(effect: Effect.Effect<A, SalesforcePortError>) => Effect.runPromise(effect);

/** The `errorCode` a rejected jsforce call carries. */
const errorCodeOf = async (call: PromiseLike<unknown>): Promise<string> => {
  try {
    await call;
  } catch (error) {
    return String((error as { errorCode?: unknown }).errorCode);
  }
  return "no error";
};

beforeAll(async () => {
  ({ sf, rep, conn, create } = await startRepOrg("no-shared-activities", { sharedActivities: false }));
});

afterAll(async () => {
  await sf.close();
});

describe("an org without Shared Activities (issue 23)", () => {
  it("answers relation reads INVALID_TYPE, as a real one", async () => {
    expect(await errorCodeOf(conn.query("SELECT Id FROM TaskRelation"))).toBe("INVALID_TYPE");
    expect(await errorCodeOf(conn.query("SELECT Id FROM EventRelation"))).toBe("INVALID_TYPE");
    expect(await errorCodeOf(conn.query("SELECT Id, (SELECT RelationId FROM TaskRelations) FROM Task LIMIT 1"))).toBe(
      "INVALID_TYPE",
    );
    const describeTask = (await conn.sobject("Task").describe()) as {
      childRelationships: ReadonlyArray<{ relationshipName: string | null }>;
    };
    expect(describeTask.childRelationships.map((c) => c.relationshipName)).not.toContain("TaskRelations");
  });

  it("pulls the Key contact's activities by WhoId, then polls without retrying the relation reads", async () => {
    const account = await create("Account", { Name: "Solo Inc" });
    const ada = await create("Contact", { AccountId: account, LastName: "Ada" });
    const bob = await create("Contact", { AccountId: account, LastName: "Bob" });
    const now = sf.control.now();
    const day = now.toISOString().slice(0, 10);
    const task = await create("Task", { WhoId: ada, Subject: "Call", Status: "Completed", ActivityDate: day });
    const start = new Date(now.getTime() + 86_400_000).toISOString();
    const event = await create("Event", {
      WhoId: ada,
      Subject: "Demo",
      StartDateTime: start,
      EndDateTime: new Date(Date.parse(start) + 3_600_000).toISOString(),
    });
    // Bob's own: not in Ada's book.
    await create("Task", { WhoId: bob, Subject: "Other", Status: "Completed", ActivityDate: day });

    const port = portFor(sf, rep, { now: () => sf.control.now() });
    const request = (over: Partial<ActivityPullRequest>): ActivityPullRequest => ({
      whoIds: [ada],
      windowStart: new Date(now.getTime() - 7 * 86_400_000).toISOString(),
      windowEnd: new Date(now.getTime() + 30 * 86_400_000).toISOString(),
      now: sf.control.now().toISOString(),
      watermarks: {},
      mirroredIds: new Set(),
      ...over,
    });

    const beforeFirst = await apiCalls(sf.url);
    const first = await run(port.pullActivities(request({})));
    const firstCalls = (await apiCalls(sf.url)) - beforeFirst;
    expect(first.activities.map((a) => a.Id).sort()).toEqual([task, event].sort());
    // Related by WhoId alone: no WhoIds.
    expect(first.activities.map((a) => a.WhoIds)).toEqual([undefined, undefined]);
    expect(first.removedIds).toEqual([]);

    const mirrored = new Set([task, event]);
    const beforeQuiet = await apiCalls(sf.url);
    const quiet = await run(port.pullActivities(request({ watermarks: first.watermarks, mirroredIds: mirrored })));
    const quietCalls = (await apiCalls(sf.url)) - beforeQuiet;
    expect(quiet.activities).toEqual([]);
    expect(quiet.removedIds).toEqual([]);
    // A WhoId-only unchanged poll of a small book: one composite call of round 1's reads.
    expect(quietCalls).toBe(1);
    expect(quietCalls).toBeLessThan(firstCalls);

    // The remembered path still pulls a change (round 2 without relation subqueries).
    sf.control.advanceClock(1_000);
    await conn.sobject("Task").update({ Id: task, Subject: "Call back" });
    const changed = await run(port.pullActivities(request({ watermarks: quiet.watermarks, mirroredIds: mirrored })));
    expect(changed.activities.map((a) => [a.Id, a.Subject])).toEqual([[task, "Call back"]]);
  });
});
