/**
 * What an activity poll of a small book costs, and what it still notices, through this adapter
 * against the emulator (issue 23's regression of issue 20): the Key contacts are the ones the
 * engine's runner asks for; an unchanged pull is one API call (round 1 only: the window's
 * Tasks and Events, each with its contact relations, and the latest per contact, in one
 * composite request), shared activities included; a contact added to a mirrored activity
 * updates its `WhoIds` in the book on the next cycle.
 */
import {
  type ActivityPull,
  type ActivityPullRequest,
  bookMaps,
  type SalesforceId,
  type SalesforcePort,
  type SalesforcePortError,
} from "@tandem/engine";
import { createEmulator, type Emulator } from "@tandem/salesforce-emulator";
import { Effect, Exit } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import type { SignedInTokens } from "../src/auth/oauth.js";
import { apiCalls, connectionFor, portFor, runnerCycle, signIn } from "./harness.js";

let sf: Emulator;
let me: SignedInTokens;

const run = <A>(effect: Effect.Effect<A, SalesforcePortError>) => Effect.runPromise(effect);

beforeAll(async () => {
  // The sync bench's small book: its second user, opportunities shared read/write.
  sf = await createEmulator({
    port: 0,
    dataset: "small",
    seed: "activity-poll",
    sharing: { Opportunity: "ReadWrite" },
  });
  const user = sf.users[1];
  if (user === undefined) throw new Error("small has two users");
  me = await signIn(sf, user.username);
});

afterAll(async () => {
  await sf.close();
});

/** The port, and the activity request the runner made last (its Key contacts and window) with its answer. */
function watchedPort(): { port: SalesforcePort; last: () => { request: ActivityPullRequest; pulled: ActivityPull } } {
  const inner = portFor(sf, me, { now: () => sf.control.now() });
  let last: { request: ActivityPullRequest; pulled: ActivityPull } | undefined;
  const port: SalesforcePort = {
    ...inner,
    pullActivities: (request) =>
      Effect.tap(inner.pullActivities(request), (pulled) =>
        Effect.sync(() => {
          last = { request, pulled };
        }),
      ),
  };
  return {
    port,
    last: () => {
      if (last === undefined) throw new Error("the runner pulled no activities");
      return last;
    },
  };
}

describe("activity polls of a small book", () => {
  it("an unchanged pull is one API call, activities shared with a Key contact through a relation included", async () => {
    const { port, last } = watchedPort();
    expect(Exit.isSuccess(await runnerCycle(sf, me, new Y.Doc(), port))).toBe(true);
    const request = { ...last().request, watermarks: {}, mirroredIds: new Set<SalesforceId>() };
    const keys = new Set<string>(request.whoIds);

    const first = await run(port.pullActivities(request));
    expect(first.activities.length).toBeGreaterThan(0);
    // Some activities relate a Key contact only through a relation: the case round 1 lists by relation.
    expect(first.activities.some((a) => a.WhoId === null || !keys.has(a.WhoId))).toBe(true);

    const mirrored = new Set(first.activities.map((a) => a.Id));
    const before = await apiCalls(sf.url);
    const quiet = await run(port.pullActivities({ ...request, watermarks: first.watermarks, mirroredIds: mirrored }));
    expect((await apiCalls(sf.url)) - before).toBe(1);
    expect(quiet.activities).toEqual([]);
    expect(quiet.removedIds).toEqual([]);
    expect(quiet.watermarks).toEqual(first.watermarks);
  });

  it("a contact added to a mirrored activity updates its WhoIds on the next cycle, and the next pull is quiet", async () => {
    const { port, last } = watchedPort();
    const doc = new Y.Doc();
    const cycle = async () => expect(Exit.isSuccess(await runnerCycle(sf, me, doc, port))).toBe(true);
    await cycle();
    await cycle();
    const maps = bookMaps(doc);
    const mine = [...maps.activities.values()].find((a) => a.Type === "Task" && a.OwnerId === me.userId);
    if (mine === undefined) throw new Error("the book has no Task of the user's");
    const already = new Set<string>([...(mine.WhoIds ?? []), ...(mine.WhoId === null ? [] : [mine.WhoId])]);
    const newcomer = [...maps.contacts.values()].find((c) => !already.has(c.Id));
    if (newcomer === undefined) throw new Error("no contact left to add");

    sf.control.advanceClock(1_000);
    const added = await connectionFor(me).sobject("TaskRelation").create({ TaskId: mine.Id, RelationId: newcomer.Id });
    expect(added.success).toBe(true);
    await cycle();
    expect(maps.activities.get(mine.Id)?.WhoIds).toContain(newcomer.Id);

    // The relation's stamp moved the watermark: the next cycle does not read that Task again.
    await cycle();
    expect(last().request.mirroredIds.has(mine.Id)).toBe(true);
    expect(last().pulled.activities.map((a) => a.Id)).not.toContain(mine.Id);
  });
});
