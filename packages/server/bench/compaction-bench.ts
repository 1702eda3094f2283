/**
 * Compaction of a large room: how long the relay's event loop stalls (so every room on the
 * server waits) while a large book is compacted, re-encoded from the live document on the
 * event loop against rebuilt from the stored log in a worker thread (`offThreadBytes`), on the
 * file store. The room holds TANDEM_BENCH_RECORDS (default 300,000) book-like records; the
 * stall is the longest gap of a 1 ms ticker from the commit that forces the compaction until
 * the snapshot is installed. Peak RSS over the start (Linux: the kernel's high-water mark) shows
 * what the worker's second copy of the document costs. Also measured: the stall while the book
 * is committed as one update, and while a new device's sync step 1 is answered (encoded from
 * the live document, or streamed from the stored log, `offThreadBytes`), and while the room
 * loads again from its stored snapshot (one update, or the worker's pieces applied in slices).
 * Prints `BENCH {…}` lines.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as Y from "yjs";
import { createMemoryLogger } from "../src/obs/logger.js";
import { Metrics } from "../src/obs/metrics.js";
import { RoomRegistry } from "../src/relay/room-registry.js";
import { openFileStore } from "../src/store/file-store.js";
import type { Store } from "../src/store/store.js";
import { stallMeter } from "./stall-meter.js";

const RECORDS = Number(process.env.TANDEM_BENCH_RECORDS ?? "300000");
const ROOM = "book:00DBENCH000000001A:005BENCH0000000001";

function bench(name: string, value: number, unit: string, peer: string, note: string): void {
  const row = {
    suite: "relay compaction of a large room",
    name,
    value: Number(value.toPrecision(4)),
    unit,
    peer,
    note,
  };
  console.log(`BENCH ${JSON.stringify(row)}`);
}

/**
 * The process's peak RSS from now on: Linux's high-water mark (`VmHWM`, reset through
 * `/proc/self/clear_refs`), which also sees the peak of an encode that blocks the event loop;
 * elsewhere the largest RSS sampled by the ticker.
 */
function peakRssMeter(): { sample(): void; peak(): number } {
  let sampled = process.memoryUsage().rss;
  let kernel = false;
  try {
    writeFileSync("/proc/self/clear_refs", "5");
    kernel = true;
  } catch {
    // Not Linux, or not allowed: sample.
  }
  return {
    sample: () => {
      if (!kernel) sampled = Math.max(sampled, process.memoryUsage().rss);
    },
    peak: () => {
      if (!kernel) return sampled;
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
      return hwm ? Number(hwm[1]) * 1024 : sampled;
    },
  };
}

/** One update holding RECORDS activity-like records in a map, as a book's sync writes them. */
function bookUpdate(): Uint8Array {
  const doc = new Y.Doc();
  const activities = doc.getMap("activities");
  doc.transact(() => {
    for (let i = 0; i < RECORDS; i++) {
      const id = `00T${String(i).padStart(15, "0")}`;
      activities.set(id, {
        Id: id,
        Subject: `Call about renewal ${i}`,
        WhoId: `003${String(i % 50_000).padStart(15, "0")}`,
        WhatId: `006${String(i % 5_000).padStart(15, "0")}`,
        ActivityDate: "2026-01-05",
        Status: "Completed",
        Description: `Discussed pricing and next steps with the buying committee (${i}).`,
        SystemModstamp: "2026-01-05T00:00:00.000Z",
      });
    }
  });
  return Y.encodeStateAsUpdate(doc);
}

async function measure(mode: "event loop" | "worker", book: Uint8Array): Promise<Measured> {
  const dir = mkdtempSync(join(tmpdir(), "tandem-compaction-"));
  const fileStore = await openFileStore({ dir });
  // Tells when the snapshot is installed, whichever way it was built.
  let installed = false;
  const store: Store = {
    ...fileStore,
    replaceRoom: (room, snapshot) => fileStore.replaceRoom(room, snapshot).finally(() => (installed = true)),
    rebuildRoom: (room, build) => fileStore.rebuildRoom(room, build).finally(() => (installed = true)),
  };
  const registry = new RoomRegistry({
    store,
    metrics: new Metrics(),
    logger: createMemoryLogger(),
    // Forced at the second record: the log has grown by more than 1 MiB and its snapshot (none).
    compactAfterRecords: 2,
    compactQuietMs: 3_600_000,
    offThreadBytes: mode === "worker" ? undefined : Number.POSITIVE_INFINITY,
  });
  const lease = await registry.lease(ROOM);
  // The book arrives as one update, as a first sync writes it (applying it is the writer's cost).
  Y.applyUpdate(lease.doc, book);
  const firstCommit = stallMeter();
  await registry.flush();
  const commitStall = firstCommit.stop();
  const room = registry.get(ROOM);
  if (!room) throw new Error("room not loaded");
  const rss0 = process.memoryUsage().rss;
  const peakRss = peakRssMeter();
  const compaction = stallMeter(() => peakRss.sample());
  const started = performance.now();
  lease.doc.getMap("activities").set("00T-new", { Id: "00T-new", Subject: "One more call" });
  await registry.flush();
  while (!installed) await new Promise((r) => setTimeout(r, 5));
  const took = performance.now() - started;
  const stall = compaction.stop();
  const peak = peakRss.peak();
  const log = await store.loadRoom(ROOM);
  const note = `${RECORDS} records, ${(book.length / 1_048_576).toFixed(1)} MiB log; file store; log after: ${log.updates.length} record`;
  const peer = `tandem, encode on the ${mode}`;
  if (mode === "event loop") {
    bench("longest event-loop stall committing the book as one update", commitStall, "ms", "tandem", note);
  }
  bench("longest event-loop stall", stall, "ms", peer, note);
  bench("time until compacted", took, "ms", peer, note);
  bench("peak RSS over start", (peak - rss0) / 1_048_576, "MB", peer, note);
  // A new device (empty state vector) asks for everything; it takes a message in parts as a
  // connection does (uncopied). The stall lasts until its last message is handed over.
  let answer = 0;
  let messages = 0;
  const device = {
    deliver: (bytes: Uint8Array) => {
      answer += bytes.length;
      messages++;
    },
    deliverParts: (head: Uint8Array, body: Uint8Array) => {
      answer += head.length + body.length;
      messages++;
    },
    evict: () => undefined,
  };
  room.peers.add(device);
  const joining = stallMeter();
  registry.answerStep1(room, new Uint8Array([0]), device);
  while (messages < room.logRecords) await new Promise((r) => setTimeout(r, 1));
  const joinStall = joining.stop();
  room.peers.delete(device);
  bench(
    "event-loop stall answering a new device's sync step 1",
    joinStall,
    "ms",
    mode === "worker" ? "tandem, answer streamed from the stored log" : "tandem, answer encoded from the live document",
    `${note}; answer ${(answer / 1_048_576).toFixed(1)} MiB`,
  );

  lease.release();
  await registry.close();
  return { store, dir, note };
}

/**
 * The room loads again (its first device after it unloaded), from the store `measure` left:
 * from one snapshot, or from the worker's snapshot in pieces, applied in slices. Apart from
 * `measure`, so that its copy of the document can be collected as a server's would be.
 */
async function reload(mode: "event loop" | "worker", { store, dir, note }: Measured): Promise<void> {
  const reloading = new RoomRegistry({ store, metrics: new Metrics(), logger: createMemoryLogger() });
  const loading = stallMeter();
  const loadStarted = performance.now();
  const reloaded = await reloading.acquire(ROOM);
  const loadTook = performance.now() - loadStarted;
  const loadStall = loading.stop();
  const stored = await store.loadRoom(ROOM);
  const loadNote = `${note}; the snapshot is ${stored.snapshot} record(s)`;
  const loadPeer = mode === "worker" ? "tandem, snapshot in pieces" : "tandem, snapshot in one update";
  bench("longest event-loop stall loading the room", loadStall, "ms", loadPeer, loadNote);
  bench("time to load the room", loadTook, "ms", loadPeer, loadNote);
  reloading.release(reloaded);
  await reloading.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}

interface Measured {
  store: Store;
  dir: string;
  note: string;
}

const book = bookUpdate();
for (const mode of ["event loop", "worker"] as const) {
  const measured = await measure(mode, book);
  // Lets the collector reclaim the document `measure` held (a major GC of a large heap).
  await new Promise((r) => setTimeout(r, 500));
  await reload(mode, measured);
}
