/**
 * Push benchmark (issue 23), in process against the emulator with its Streaming API: the server's
 * change subscriber signed in as the administrator (View All Data), a rep signed in on two stock
 * y-websocket devices, the workers' schedule at push's 60-minute safety net. 50 changes, one at a
 * time, made by the administrator through the REST API to opportunities in the rep's book; each
 * one's latency runs from the PATCH's response to the moment BOTH devices show the new value.
 * Also the API calls the org counted during the changes, less the 50 PATCHes themselves (the
 * workers' triggered cycles; the Streaming API's own requests are not API calls).
 *
 * Run: `cd packages/server && node --conditions=@tandem/source --import tsx bench/push-bench.ts`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bookMaps } from "@tandem/engine";
import { createEmulator } from "@tandem/salesforce-emulator";
import { createFileReplayStore } from "../src/sync/change-subscriber.js";
import { startTestServer } from "../test/helpers.js";
import { openDevice, orgSession, signIn, until } from "../test/sync-helpers.js";

const CHANGES = Number(process.env.TANDEM_BENCH_PUSH_CHANGES ?? "50");

function bench(name: string, value: number, unit: string, note?: string): void {
  console.log(`BENCH ${JSON.stringify({ suite: "push", name, value, unit, ...(note ? { note } : {}) })}`);
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const emu = await createEmulator({ port: 0, dataset: "small", sharing: { Opportunity: "ReadWrite" } });
const rep = emu.users[1];
const admin = emu.users.at(-1);
if (!rep || !admin) throw new Error("the small dataset has reps and an administrator");
const dir = mkdtempSync(join(tmpdir(), "tandem-push-bench-"));
const t = await startTestServer({
  org: { loginUrl: emu.url, clientId: emu.clientId, clientSecret: emu.clientSecret },
  sync: { push: { userId: admin.id, replay: createFileReplayStore(join(dir, "cdc-replay.json")) } },
});
try {
  const asAdmin = await orgSession(emu, admin.username, admin.password);
  await signIn(t.server.url, admin.username);
  await until(() => t.server.push?.subscriber()?.status().live === true, "push to be live", 60_000);
  const devices = [
    await openDevice(t.server.url, await signIn(t.server.url, rep.username)),
    await openDevice(t.server.url, await signIn(t.server.url, rep.username)),
  ];
  await until(() => devices.every((d) => bookMaps(d.doc).opportunities.size > 0), "the rep's book", 120_000);
  const first = devices[0];
  if (!first) throw new Error("two devices");
  const ids = [...bookMaps(first.doc).opportunities.keys()];
  // Let the first sync's follow-ups settle before counting.
  await new Promise((r) => setTimeout(r, 3_000));

  const both: number[] = [];
  const each: number[] = [];
  const before = emu.control.stats().apiCalls.total;
  for (let i = 0; i < CHANGES; i++) {
    const id = ids[i % ids.length] as string;
    const value = `Push bench step ${i} ${Date.now()}`;
    await asAdmin.patch("Opportunity", id, { Description: value });
    const started = performance.now();
    const arrived = devices.map(() => Number.NaN);
    await until(
      () => {
        devices.forEach((d, k) => {
          const seen = bookMaps(d.doc).opportunities.get(id)?.Description === value;
          if (seen && Number.isNaN(arrived[k])) arrived[k] = performance.now() - started;
        });
        return arrived.every((a) => !Number.isNaN(a));
      },
      `change ${i} on both devices`,
      60_000,
    );
    each.push(...arrived);
    both.push(Math.max(...arrived));
  }
  const calls = emu.control.stats().apiCalls.total - before - CHANGES;
  const sortedBoth = [...both].sort((a, b) => a - b);
  const sortedEach = [...each].sort((a, b) => a - b);
  bench("change → both devices p50", Math.round(percentile(sortedBoth, 50)), "ms", `${CHANGES} changes`);
  bench("change → both devices p95", Math.round(percentile(sortedBoth, 95)), "ms");
  bench("change → both devices max", Math.round(sortedBoth.at(-1) ?? Number.NaN), "ms");
  bench("change → one device p50", Math.round(percentile(sortedEach, 50)), "ms");
  bench("API calls per pushed change (the rep's triggered cycles)", calls / CHANGES, "calls");
  console.log(`\n| push, ${CHANGES} changes to the rep's book, two devices | result |`);
  console.log("|---|---|");
  console.log(
    `| PATCH response → both devices show it: p50 / p95 / max | ${Math.round(percentile(sortedBoth, 50))} / ${Math.round(percentile(sortedBoth, 95))} / ${Math.round(sortedBoth.at(-1) ?? 0)} ms |`,
  );
  console.log(`| PATCH response → one device: p50 | ${Math.round(percentile(sortedEach, 50))} ms |`);
  console.log(`| API calls per pushed change | ${(calls / CHANGES).toFixed(2)} |`);
  console.log("| without push: a 5-minute poll's mean wait (computed) | 150 s |");
  for (const d of devices) d.destroy();
} finally {
  await t.close();
  await emu.close();
  rmSync(dir, { recursive: true, force: true });
}
