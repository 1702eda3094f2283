/**
 * Shared Activities through this adapter against the emulator (issue 20): a Task or Event
 * relates more contacts than its WhoId through TaskRelation / EventRelation; it is pulled for
 * any of them, lists them all in `WhoIds` (WhoId first, contacts only), follows a contact
 * added (to a mirrored activity, or to one that thereby joins the book) or removed, and a quiet
 * poll stays one call.
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

beforeAll(async () => {
  ({ sf, rep, conn, create } = await startRepOrg("shared-activities"));
});

afterAll(async () => {
  await sf.close();
});

describe("shared activities (issue 20)", () => {
  it("pulls an activity for any related contact with WhoIds, follows added and removed contacts, and polls quietly", async () => {
    const account = await create("Account", { Name: "Shared Inc" });
    const [ada, bob, carol] = [
      await create("Contact", { AccountId: account, LastName: "Ada" }),
      await create("Contact", { AccountId: account, LastName: "Bob" }),
      await create("Contact", { AccountId: account, LastName: "Carol" }),
    ];
    const opp = await create("Opportunity", {
      Name: "Shared deal",
      AccountId: account,
      StageName: "Prospecting",
      CloseDate: "2026-12-31",
    });
    const now = sf.control.now();
    const day = now.toISOString().slice(0, 10);
    const task = await create("Task", {
      WhoId: ada,
      WhatId: opp,
      Subject: "Workshop",
      Status: "Completed",
      ActivityDate: day,
    });
    const bobOnTask = await create("TaskRelation", { TaskId: task, RelationId: bob });
    const start = new Date(now.getTime() + 86_400_000).toISOString();
    const event = await create("Event", {
      WhoId: ada,
      WhatId: opp,
      Subject: "Demo",
      StartDateTime: start,
      EndDateTime: new Date(Date.parse(start) + 3_600_000).toISOString(),
    });
    await create("EventRelation", { EventId: event, RelationId: bob });
    // Ada's alone for now: not in Bob's book.
    const aside = await create("Task", {
      WhoId: ada,
      WhatId: opp,
      Subject: "Pricing",
      Status: "Completed",
      ActivityDate: day,
    });

    const port = portFor(sf, rep, { now: () => sf.control.now() });
    const request = (over: Partial<ActivityPullRequest>): ActivityPullRequest => ({
      whoIds: [bob],
      windowStart: new Date(now.getTime() - 7 * 86_400_000).toISOString(),
      windowEnd: new Date(now.getTime() + 30 * 86_400_000).toISOString(),
      now: sf.control.now().toISOString(),
      watermarks: {},
      mirroredIds: new Set(),
      ...over,
    });
    const first = await run(port.pullActivities(request({})));
    const byId = new Map(first.activities.map((a) => [a.Id, a]));
    expect([...byId.keys()].sort()).toEqual([task, event].sort());
    // The opportunity (IsWhat) is not a contact; WhoId first.
    expect(byId.get(task)?.WhoIds).toEqual([ada, bob]);
    expect(byId.get(event)?.WhoIds).toEqual([ada, bob]);
    // Ada's own pull finds them by WhoId too, each once.
    const adas = await run(port.pullActivities(request({ whoIds: [ada, bob] })));
    expect(adas.activities.map((a) => a.Id).sort()).toEqual([task, event, aside].sort());

    const mirrored = new Set([task, event]);
    sf.control.advanceClock(1_000);
    await create("TaskRelation", { TaskId: task, RelationId: carol });
    const carolAdded = await run(port.pullActivities(request({ watermarks: first.watermarks, mirroredIds: mirrored })));
    expect(carolAdded.activities.map((a) => [a.Id, a.WhoIds])).toEqual([[task, [ada, bob, carol]]]);
    expect(carolAdded.removedIds).toEqual([]);

    // Bob is added to Ada's Task: it joins Bob's book, as new.
    sf.control.advanceClock(1_000);
    await create("TaskRelation", { TaskId: aside, RelationId: bob });
    const added = await run(port.pullActivities(request({ watermarks: carolAdded.watermarks, mirroredIds: mirrored })));
    expect(added.activities.map((a) => [a.Id, a.WhoIds])).toEqual([[aside, [ada, bob]]]);
    mirrored.add(aside);

    const before = await apiCalls(sf.url);
    const quiet = await run(port.pullActivities(request({ watermarks: added.watermarks, mirroredIds: mirrored })));
    expect(quiet.activities).toEqual([]);
    expect((await apiCalls(sf.url)) - before).toBe(1);

    // Bob is taken off the Task: it leaves Bob's book.
    sf.control.advanceClock(1_000);
    await conn.sobject("TaskRelation").destroy(bobOnTask);
    const removed = await run(port.pullActivities(request({ watermarks: added.watermarks, mirroredIds: mirrored })));
    expect(removed.removedIds).toEqual([task]);
    expect(removed.activities).toEqual([]);
  });
});
