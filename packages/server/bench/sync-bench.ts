/**
 * Sync-worker benchmark (issue 7), in process against the emulator:
 * - API calls per user per day in steady state at the default 5-minute schedule, for an
 *   unchanged book and for a book where a colleague changes one opportunity per cycle;
 * - the time from a device logging a call online to its `applied` receipt (default trigger
 *   policy: ~1 s debounce), p50 and p95;
 * - the initial sync of the `large` book through the server (wall time, API calls), with Bulk
 *   2.0 for its contacts and with REST only, side by side, unless TANDEM_BENCH_LARGE=0.
 * Prints `BENCH {…}` lines for `pnpm bench`.
 */
import { randomBytes } from "node:crypto";
import { bookMaps, createDevice } from "@tandem/engine";
import { createSalesforcePort } from "@tandem/salesforce-adapter";
import { createEmulator, type Emulator } from "@tandem/salesforce-emulator";
import { createMemoryLogger } from "../src/obs/logger.js";
import { startTandemServer, type TandemServer } from "../src/server.js";
import { createMemoryStore } from "../src/store/memory-store.js";
import { type Device, openDevice, orgSession, signIn, until } from "../test/sync-helpers.js";

const CYCLES_PER_DAY = (24 * 60) / 5;

function bench(name: string, value: number, unit: string, note?: string): void {
  console.log(`BENCH ${JSON.stringify({ suite: "sync", name, value, unit, ...(note ? { note } : {}) })}`);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function start(emu: Emulator, quick: boolean): Promise<TandemServer> {
  return startTandemServer({
    store: createMemoryStore(),
    logger: createMemoryLogger(),
    org: { loginUrl: emu.url, clientId: emu.clientId, clientSecret: emu.clientSecret },
    tokenKey: randomBytes(32),
    // Quick: the schedule never fires on its own; cycles are driven by "sync now".
    sync: quick ? { trigger: { scheduleMs: 86_400_000, quietMs: 86_400_000 } } : {},
  });
}

function callsSince(emu: Emulator, before: number): number {
  return emu.control.stats().apiCalls.total - before;
}

async function steadyState(): Promise<void> {
  const emu = await createEmulator({ port: 0, dataset: "small", sharing: { Opportunity: "ReadWrite" } });
  const server = await start(emu, true);
  const [colleague, user] = emu.users;
  if (!user || !colleague) throw new Error("small has users");
  const cookie = await signIn(server.url, user.username);
  const device = await openDevice(server.url, cookie);
  await until(() => bookMaps(device.doc).opportunities.size > 0, "first sync", 120_000);
  const syncNow = async () => {
    const r = await fetch(`${server.url}/api/sync`, { method: "POST", headers: { cookie } });
    if (!r.ok) throw new Error(`sync answered ${r.status}`);
  };
  await syncNow(); // settle the overlap window after the initial pull
  const rounds = 10;
  let before = emu.control.stats().apiCalls.total;
  for (let i = 0; i < rounds; i++) await syncNow();
  const unchanged = callsSince(emu, before) / rounds;
  bench("API calls per unchanged cycle", unchanged, "calls");
  bench(
    "API calls per user per day, unchanged book",
    Math.round(unchanged * CYCLES_PER_DAY),
    "calls/day",
    "288 cycles",
  );
  // With push live (issue 23), the schedule is a 60-minute safety net: 24 unchanged cycles a
  // day, plus one cycle per pushed change that touches the book. Computed from the measured
  // cycle, as the 288-cycle row is.
  bench(
    "API calls per user per day, unchanged book, push live (60-minute safety net)",
    Math.round(unchanged * 24),
    "calls/day",
    "24 cycles, computed from the measured cycle; each pushed change adds one cycle, and meta.org is read once a day",
  );

  const asColleague = await orgSession(emu, colleague.username, colleague.password);
  const oppIds = [...bookMaps(device.doc).opportunities.keys()];
  before = emu.control.stats().apiCalls.total;
  let colleagueCalls = 0;
  for (let i = 0; i < rounds; i++) {
    const id = oppIds[i % oppIds.length] ?? "";
    await asColleague.patch("Opportunity", id, { Description: `Colleague note ${i}` });
    colleagueCalls++;
    await syncNow();
  }
  const changed = (callsSince(emu, before) - colleagueCalls) / rounds;
  bench("API calls per cycle with one change", changed, "calls");
  bench(
    "API calls per user per day, one change per cycle",
    Math.round(changed * CYCLES_PER_DAY),
    "calls/day",
    "288 cycles",
  );
  device.destroy();
  await server.close();
  await emu.close();
}

async function logToApplied(): Promise<void> {
  const emu = await createEmulator({ port: 0, dataset: "small" });
  const server = await start(emu, false);
  const user = emu.users[1];
  if (!user) throw new Error("small has users");
  const cookie = await signIn(server.url, user.username);
  const device: Device = await openDevice(server.url, cookie);
  const maps = bookMaps(device.doc);
  await until(() => maps.opportunities.size > 0, "first sync", 120_000);
  const opp = [...maps.opportunities.values()].find((o) =>
    [...maps.contacts.values()].some((c) => c.AccountId === o.AccountId),
  );
  const contact = [...maps.contacts.values()].find((c) => c.AccountId === opp?.AccountId);
  if (!opp || !contact) throw new Error("no opportunity with a contact");
  const dev = createDevice(device.doc, {
    deviceId: "bench",
    now: () => new Date(),
    random: () => randomBytes(16),
  });
  const samples: number[] = [];
  for (let i = 0; i < 15; i++) {
    const t0 = performance.now();
    const logged = dev.logActivity({
      opportunityId: opp.Id,
      contactId: contact.Id,
      type: "note",
      description: `n${i}`,
    });
    if (!logged.ok) throw new Error(logged.error.message);
    await until(() => maps.receipts.get(logged.value.id)?.status === "applied", "applied", 60_000);
    samples.push(performance.now() - t0);
  }
  samples.sort((x, y) => x - y);
  bench("log → applied p50", Math.round(percentile(samples, 50)), "ms", "default 1 s debounce");
  bench("log → applied p95", Math.round(percentile(samples, 95)), "ms", "default 1 s debounce");
  dev.dispose();
  device.destroy();
  await server.close();
  await emu.close();
}

/**
 * The first sync of `large` through the server, with the port's default (contacts above 10,000
 * through a Bulk API 2.0 job) and with REST only (`bulkThreshold: Infinity`), on one emulator
 * each so neither warms the other's caches. Done once the worker's report has no pages left.
 */
async function largeInitialSync(mode: "bulk" | "rest"): Promise<{ ms: number; calls: number; cycles: number }> {
  const emu = await createEmulator({ port: 0, dataset: "large" });
  const org = { loginUrl: emu.url, clientId: emu.clientId, clientSecret: emu.clientSecret };
  const server = await startTandemServer({
    store: createMemoryStore(),
    logger: createMemoryLogger(),
    org,
    tokenKey: randomBytes(32),
    sync: {
      trigger: { scheduleMs: 86_400_000, quietMs: 86_400_000 },
      createPort: ({ tokens, onTokenRefresh }) =>
        createSalesforcePort({
          tokens,
          oauth: org,
          onTokenRefresh,
          ...(mode === "rest" ? { bulkThreshold: Number.POSITIVE_INFINITY } : {}),
        }),
    },
  });
  const user = emu.users[0];
  if (!user) throw new Error("large has a user");
  const before = emu.control.stats().apiCalls.total;
  const t0 = performance.now();
  await signIn(server.url, user.username);
  const worker = server.sync?.worker(`book:${emu.orgId}:${user.id}`);
  if (!worker) throw new Error("no worker after sign-in");
  let cycles = 0;
  let seen: unknown = null;
  await until(
    () => {
      const s = worker.status();
      if (s.lastError) return true;
      if (s.lastReport !== seen && s.lastReport !== null) {
        seen = s.lastReport;
        cycles++;
      }
      return s.lastReport !== null && !s.lastReport.more;
    },
    "initial sync",
    600_000,
  );
  const ms = performance.now() - t0;
  const status = worker.status();
  if (status.lastError) throw new Error(`initial sync (${mode}) failed: ${status.lastError}`);
  const calls = callsSince(emu, before);
  const counts = server.sync?.worker(`book:${emu.orgId}:${user.id}`)?.status().lastReport;
  bench(`initial sync of large (${mode}) through the server`, Math.round(ms), "ms", `${cycles} cycle(s)`);
  bench(
    `initial sync of large (${mode}): API calls`,
    calls,
    "calls",
    `last cycle pulled ${counts?.pulled.records} records`,
  );
  await server.close();
  await emu.close();
  return { ms, calls, cycles };
}

await steadyState();
await logToApplied();
if (process.env.TANDEM_BENCH_LARGE !== "0") {
  const bulk = await largeInitialSync("bulk");
  const rest = await largeInitialSync("rest");
  console.log("\n| first sync of `large` (48,108 contacts) | Bulk 2.0 for contacts | REST only |");
  console.log("|---|---|---|");
  console.log(
    `| wall time, sign-in → book complete | ${(bulk.ms / 1000).toFixed(1)} s | ${(rest.ms / 1000).toFixed(1)} s |`,
  );
  console.log(`| API calls | ${bulk.calls} | ${rest.calls} |`);
  console.log(`| cycles | ${bulk.cycles} | ${rest.cycles} |`);
}
