/**
 * Many small rooms falling due for compaction together: how long the relay's event loop stalls
 * (so every room on the server waits) while TANDEM_BENCH_ROOMS (default 500) rooms of 300
 * records each, all quiet since the same commit, are compacted on the file store. Their quiet
 * timers fire in the same turn; the queue compacts them `compactSliceMs` (5 ms) at a time,
 * against all in that one turn (a slice without end: how the registry compacted before). The
 * stall is the longest gap of a 1 ms ticker from the last commit until every snapshot is
 * installed. Prints `BENCH {…}` lines.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMemoryLogger } from "../src/obs/logger.js";
import { Metrics } from "../src/obs/metrics.js";
import { RoomRegistry } from "../src/relay/room-registry.js";
import { openFileStore } from "../src/store/file-store.js";
import type { Store } from "../src/store/store.js";
import { stallMeter } from "./stall-meter.js";

const ROOMS = Number(process.env.TANDEM_BENCH_ROOMS ?? "500");
const RECORDS = 300;
const QUIET_MS = 200;

async function measure(sliceMs: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "tandem-many-compactions-"));
  const fileStore = await openFileStore({ dir });
  let installed = 0;
  const store: Store = {
    ...fileStore,
    replaceRoom: (room, snapshot) => fileStore.replaceRoom(room, snapshot).finally(() => installed++),
  };
  const registry = new RoomRegistry({
    store,
    metrics: new Metrics(),
    logger: createMemoryLogger(),
    compactQuietMs: QUIET_MS,
    compactSliceMs: sliceMs,
  });
  const leases = [];
  for (let r = 0; r < ROOMS; r++) leases.push(await registry.lease(`book:00DBENCH000000001A:005ROOM${r}`));
  // One record per room per commit: small edits of a few fields, as devices make.
  for (let i = 0; i < RECORDS; i++) {
    for (const lease of leases) lease.doc.getMap("fields").set(`f${i % 16}`, `value ${i} of ${lease.room}`);
    await registry.flush();
  }
  if (installed !== 0) throw new Error("compacted before the rooms went quiet");
  const meter = stallMeter();
  const started = performance.now();
  while (installed < ROOMS) await new Promise((r) => setTimeout(r, 5));
  const took = performance.now() - started - QUIET_MS;
  const stall = meter.stop();
  for (const lease of leases) lease.release();
  await registry.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  const peer = Number.isFinite(sliceMs) ? `tandem, queued, ${sliceMs} ms slices` : "tandem, all in one turn";
  const note = `${ROOMS} rooms of ${RECORDS} records, quiet for ${QUIET_MS} ms since the same commit; file store`;
  for (const [name, value] of [
    ["longest event-loop stall", stall],
    ["time until all compacted after the quiet time", took],
  ] as const) {
    const row = {
      suite: "relay compaction of many rooms due together",
      name,
      value: Number(value.toPrecision(4)),
      unit: "ms",
      peer,
      note,
    };
    console.log(`BENCH ${JSON.stringify(row)}`);
  }
}

// Interleaved, so that a slow spell of the machine does not fall on one variant only.
for (let i = 0; i < 2; i++) {
  await measure(5);
  await measure(Number.POSITIVE_INFINITY);
}
