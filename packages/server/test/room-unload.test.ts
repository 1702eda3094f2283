/**
 * Room unload: after the last connection leaves, a room unloads after its grace period, its
 * Y.Doc is destroyed, the registry holds no reference to it (checked with WeakRefs after a
 * forced GC) and the heap returns to its baseline, also with the file store, which keeps
 * nothing in memory for a room once it unloaded.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import * as Y from "yjs";
import { encodeUpdateMessage } from "../src/relay/protocol.js";
import { openFileStore } from "../src/store/file-store.js";
import { startTestServer, type TestServer, waitFor } from "./helpers.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const ORG = "00D000000000001AAA";
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ idleGraceMs: 20 });
});
afterAll(async () => {
  await t.close();
});

async function visit(i: number, t: TestServer): Promise<void> {
  const user = `005${String(i).padStart(15, "0")}`;
  const ticket = await t.ticket(ORG, user);
  const ws = new WebSocket(`${t.server.url.replace(/^http/, "ws")}/sync/book:${ORG}:${user}?ticket=${ticket}`);
  await new Promise<void>((resolve, reject) => {
    ws.once("message", () => resolve());
    ws.once("error", reject);
  });
  const doc = new Y.Doc();
  let update: Uint8Array = new Uint8Array();
  doc.on("update", (u: Uint8Array) => {
    update = u;
  });
  // ~20 KB per room: an interaction (a map devices may write) with a long subject.
  const id = `x${i}`;
  doc.getMap("interactions").set(id, {
    id,
    email: "ada@example.com",
    kind: "email",
    at: "2025-01-02T03:04:05.000Z",
    source: "test",
    subject: "x".repeat(20_000 + i),
  });
  ws.send(encodeUpdateMessage(update));
  await waitFor(
    () => t.server.rooms.get(`book:${ORG}:${user}`)?.doc.getMap("interactions").has(id) === true,
    "update committed",
  );
  ws.close();
  await new Promise((r) => ws.once("close", r));
}

function heap(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** Heap plus ArrayBuffer backing stores (where Yjs updates' bytes live). */
function heapAndBuffers(): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

describe("idle room unload", () => {
  it("unloads every room after its last connection leaves and frees its memory", async () => {
    const docs: WeakRef<Y.Doc>[] = [];
    const stop = t.server.rooms.listen({ onLoaded: (_room, doc) => docs.push(new WeakRef(doc)) });
    // Warm up code paths before the baseline.
    for (let i = 0; i < 20; i++) await visit(i, t);
    await waitFor(() => t.server.rooms.size === 0, "warm-up rooms unloaded");
    const baseline = heap();

    const n = 200;
    for (let i = 100; i < 100 + n; i++) await visit(i, t);
    await waitFor(() => t.server.rooms.size === 0, "all rooms unloaded");
    expect(t.server.metrics.roomsLoaded).toBe(0);
    expect(t.server.relay.connectionCount).toBe(0);
    for (const ref of docs) expect(ref.deref()?.isDestroyed ?? true).toBe(true);
    // deref() keeps its target alive until the current job ends (WeakRef KeepDuringJob).
    await new Promise((r) => setTimeout(r, 0));
    const after = heap();
    expect(docs.filter((ref) => ref.deref() !== undefined)).toHaveLength(0);
    // 200 rooms of ~20 KB of interactions each would hold over 4 MB if anything retained them.
    expect(after - baseline).toBeLessThan(2 * 1024 * 1024);
    stop();
  });

  it("keeps a room loaded while a lease holds it, and reloads it with its content", async () => {
    const lease = await t.server.rooms.lease(`book:${ORG}:005LEASE00000000A`);
    lease.doc.getMap("meta").set("schemaVersion", 1);
    await t.server.rooms.flush();
    await new Promise((r) => setTimeout(r, 60));
    expect(t.server.rooms.get(lease.room)).toBeDefined();
    lease.release();
    await waitFor(() => t.server.rooms.get(lease.room) === undefined, "lease room unloaded");
    const again = await t.server.rooms.lease(lease.room);
    expect(again.doc.getMap("meta").get("schemaVersion")).toBe(1);
    again.release();
  });
});

describe("idle room unload with the file store", () => {
  it("keeps nothing in memory for rooms that unloaded: their updates move from the WAL to room files", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tandem-unload-"));
    const store = await openFileStore({ dir });
    const f = await startTestServer({ store, idleGraceMs: 20 });
    try {
      // A store call queues after every eviction already issued (room operations run in order).
      const unloaded = async (): Promise<void> => {
        await waitFor(() => f.server.rooms.size === 0, "all rooms unloaded");
        await store.loadRoom("book:none");
      };
      for (let i = 0; i < 20; i++) await visit(i, f);
      await unloaded();
      const baseline = heapAndBuffers();

      const n = 200;
      for (let i = 100; i < 100 + n; i++) await visit(i, f);
      await unloaded();
      // No checkpoint ran (the WAL is far below its threshold), yet every room has its file.
      expect(readdirSync(join(dir, "rooms")).length).toBeGreaterThanOrEqual(n);
      const after = heapAndBuffers();
      // 200 rooms of ~20 KB of updates each would hold over 4 MB if the store kept them.
      expect(after - baseline).toBeLessThan(2 * 1024 * 1024);
    } finally {
      await f.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
