/**
 * Benchmark of the adapter against the emulator over HTTP (jsforce unmodified): the initial
 * sync of the `large` book, an unchanged incremental poll, and draining 10,000 queued
 * activities. Each API-call count is printed beside its floor.
 *
 * Prints `BENCH {…}` lines for the root `pnpm bench`.
 */
import type { IdempotencyKey, SalesforceId, SalesforceWrite } from "@tandem/engine";
import { createEmulator } from "@tandem/salesforce-emulator";
import { Effect } from "effect";
import { apiCalls, connectionFor, Mirror, portFor, signIn } from "../test/harness.js";

const bench = (name: string, value: number, unit: string, note?: string) =>
  console.log(`BENCH ${JSON.stringify({ suite: "salesforce-adapter", name, value, unit, ...(note ? { note } : {}) })}`);

const started = performance.now();
const sf = await createEmulator({ port: 0, dataset: "large", seed: "bench" });
console.log(`large org generated in ${Math.round(performance.now() - started)} ms`);
try {
  const user = sf.users[0];
  if (user === undefined) throw new Error("no user");
  const tokens = await signIn(sf, user.username);
  const port = portFor(sf, tokens, { now: () => sf.control.now() });
  const userId = tokens.userId as SalesforceId;
  const mirror = new Mirror();

  // 1. Initial sync of the large book.
  const callsBefore = await apiCalls(sf.url);
  const t0 = performance.now();
  const full = await Effect.runPromise(port.pullScope({ userId, watermarks: {}, mirrored: mirror.ids() }));
  const fullMs = performance.now() - t0;
  const fullCalls = (await apiCalls(sf.url)) - callsBefore;
  mirror.apply(full);
  const counts = {
    opportunities: full.opportunities.length,
    accounts: full.accounts.length,
    contacts: full.contacts.length,
    roles: full.contactRoles.length,
  };
  const floor = Object.values(counts).reduce((sum, n) => sum + Math.max(1, Math.ceil(n / 2000)), 0);
  console.log(`initial sync: ${JSON.stringify(counts)} in ${Math.round(fullMs)} ms, ${fullCalls} calls`);
  bench(
    "initial sync large book: API calls",
    fullCalls,
    "calls",
    `floor ${floor} (⌈records÷2000⌉ per query: ${JSON.stringify(counts)}); composites bundle pages of different queries`,
  );
  bench(
    "initial sync large book: wall time",
    Math.round(fullMs),
    "ms",
    `${Object.values(counts).reduce((a, b) => a + b, 0)} records`,
  );

  // 2. An unchanged incremental poll.
  const pollBefore = await apiCalls(sf.url);
  const t1 = performance.now();
  const poll = await Effect.runPromise(
    port.pullScope({ userId, watermarks: mirror.watermarks, mirrored: mirror.ids() }),
  );
  const pollMs = performance.now() - t1;
  const pollCalls = (await apiCalls(sf.url)) - pollBefore;
  mirror.apply(poll);
  bench(
    "unchanged incremental poll (scope): API calls",
    pollCalls,
    "calls",
    "floor 1; right after the initial sync the 5-minute overlap re-reads 4,000+ seeded contacts sharing the latest SystemModstamp",
  );
  bench("unchanged incremental poll (scope): wall time", Math.round(pollMs), "ms");
  // The seeded org stamps 4,000+ contacts with the same latest SystemModstamp, so the overlap
  // re-reads them (and drops them) until the watermark moves on. After one real change:
  sf.control.advanceClock(10 * 60_000);
  const someone = mirror.contacts.values().next().value;
  if (someone === undefined) throw new Error("no contact");
  await connectionFor(tokens)
    .sobject("Contact")
    .update({ Id: String(someone.Id), Title: "Changed" });
  mirror.apply(
    await Effect.runPromise(port.pullScope({ userId, watermarks: mirror.watermarks, mirrored: mirror.ids() })),
  );
  const steadyBefore = await apiCalls(sf.url);
  const t1b = performance.now();
  await Effect.runPromise(port.pullScope({ userId, watermarks: mirror.watermarks, mirrored: mirror.ids() }));
  const steadyMs = performance.now() - t1b;
  const steadyCalls = (await apiCalls(sf.url)) - steadyBefore;
  bench(
    "unchanged incremental poll (scope, steady state): API calls",
    steadyCalls,
    "calls",
    "floor 1; after the watermark moved past the seeded stamps",
  );
  bench("unchanged incremental poll (scope, steady state): wall time", Math.round(steadyMs), "ms");

  // Activities of the Key contacts (those with a role), initial and unchanged.
  const whoIds = [...new Set([...mirror.contactRoles.values()].map((r) => String(r.ContactId)))] as SalesforceId[];
  const windowStart = new Date(sf.control.now().getTime() - 90 * 86_400_000).toISOString();
  const actBefore = await apiCalls(sf.url);
  const t4 = performance.now();
  const acts = await Effect.runPromise(
    port.pullActivities({ whoIds, windowStart, watermarks: {}, mirroredIds: new Set() }),
  );
  const actMs = performance.now() - t4;
  const actCalls = (await apiCalls(sf.url)) - actBefore;
  bench(
    "activities of Key contacts, initial: API calls",
    actCalls,
    "calls",
    `${whoIds.length} Key contacts, ${acts.activities.length} activities`,
  );
  bench("activities of Key contacts, initial: wall time", Math.round(actMs), "ms");
  const actQuietBefore = await apiCalls(sf.url);
  const t5 = performance.now();
  await Effect.runPromise(
    port.pullActivities({
      whoIds,
      windowStart,
      watermarks: acts.watermarks,
      mirroredIds: new Set(acts.activities.map((a) => a.Id)),
    }),
  );
  const actQuietMs = performance.now() - t5;
  bench(
    "activities of Key contacts, unchanged: API calls",
    (await apiCalls(sf.url)) - actQuietBefore,
    "calls",
    "one composite per 5 chunks of ~250 contacts",
  );
  bench("activities of Key contacts, unchanged: wall time", Math.round(actQuietMs), "ms");

  // 3. Draining 10,000 queued activities.
  const roles = [...mirror.contactRoles.values()];
  const n = 10_000;
  const writes: SalesforceWrite[] = Array.from({ length: n }, (_, i) => {
    const role = roles[i % roles.length];
    if (role === undefined) throw new Error("no roles");
    return {
      kind: "createTask",
      intentId: `bench-${i}`,
      key: `tdm:bench-${i}` as IdempotencyKey,
      fields: {
        WhoId: role.ContactId as SalesforceId,
        WhatId: role.OpportunityId as SalesforceId,
        Subject: `Call #${i}`,
        Description: null,
        ActivityDate: "2026-11-20",
        Status: "Completed",
        TaskSubtype: "Call",
        CallType: "Outbound",
        CallDurationInSeconds: 120,
      },
    };
  });
  const drainBefore = await apiCalls(sf.url);
  const t2 = performance.now();
  const results = await Effect.runPromise(port.push(writes));
  const drainMs = performance.now() - t2;
  const drainCalls = (await apiCalls(sf.url)) - drainBefore;
  const applied = results.filter((r) => r.outcome === "applied").length;
  if (applied !== n) throw new Error(`only ${applied} of ${n} applied`);
  const created = await connectionFor(tokens).query(
    "SELECT count() FROM Task WHERE CallObject LIKE 'tandem:tdm:bench-%'",
  );
  if (created.totalSize !== n) throw new Error(`expected ${n} Tasks, found ${created.totalSize}`);
  bench("drain 10,000 queued activities: API calls", drainCalls, "calls", "floor 50 (⌈10000÷200⌉)");
  bench("drain 10,000 queued activities: wall time", Math.round(drainMs), "ms");
  // Looking all of them up (the recovery path after a lost response).
  const lookupBefore = await apiCalls(sf.url);
  const t3 = performance.now();
  const found = await Effect.runPromise(
    port.lookup(writes.map((w) => (w.kind === "createTask" ? w.key : ("" as IdempotencyKey)))),
  );
  const lookupMs = performance.now() - t3;
  const lookupCalls = (await apiCalls(sf.url)) - lookupBefore;
  if ([...found.values()].some((v) => v === null)) throw new Error("a key was not found");
  bench("lookup 10,000 idempotency keys: API calls", lookupCalls, "calls", "5 chunked queries per composite call");
  bench("lookup 10,000 idempotency keys: wall time", Math.round(lookupMs), "ms");
} finally {
  await sf.close();
}
