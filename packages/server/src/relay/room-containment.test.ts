/**
 * Containment: a room whose content makes an encode, merge or compaction throw is unloaded
 * with its peers closed (4500), a room that fails again or fails to load is quarantined
 * (4503 at the relay), and other rooms carry on. The poisoned content is a real one: a
 * 10,000-deep JSON array, which Yjs applies but cannot encode again (RangeError), as stored
 * by a relay that had no write check.
 */
import * as encoding from "lib0/encoding";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { createMemoryLogger } from "../obs/logger.js";
import { Metrics } from "../obs/metrics.js";
import { createMemoryStore } from "../store/memory-store.js";
import { CloseCode } from "./close-codes.js";
import type { RoomPeer } from "./room.js";
import { RoomFailedError, RoomQuarantinedError, RoomRegistry } from "./room-registry.js";

/** An update Yjs applies whose document then cannot be encoded (a 10,000-deep JSON value). */
function poison(): Uint8Array {
  const deep = `${"[".repeat(10_000)}${"]".repeat(10_000)}`;
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 1); // one client group
  encoding.writeVarUint(e, 1); // one struct
  encoding.writeVarUint(e, 4242); // client
  encoding.writeVarUint(e, 0); // clock
  encoding.writeUint8(e, 0x20 | 2); // a map key follows; ContentJSON
  encoding.writeVarUint(e, 1);
  encoding.writeVarString(e, "interactions");
  encoding.writeVarString(e, "x");
  encoding.writeVarUint(e, 1);
  encoding.writeVarString(e, deep);
  encoding.writeVarUint(e, 0); // empty delete set
  return encoding.toUint8Array(e);
}

function peer(): RoomPeer & { closed: number[]; received: number } {
  const p = {
    closed: [] as number[],
    received: 0,
    deliver() {
      p.received++;
    },
    evict(code: number) {
      p.closed.push(code);
    },
  };
  return p;
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe("room containment", () => {
  it("unloads a room whose sync answer cannot be encoded, quarantines it when it fails again, and keeps other rooms", async () => {
    const store = createMemoryStore();
    await store.appendUpdates(new Map([["book:o:bad", [poison()]]]));
    const logger = createMemoryLogger();
    const metrics = new Metrics();
    const registry = new RoomRegistry({ store, metrics, logger, idleGraceMs: 10 });
    const good = await registry.acquire("book:o:good");
    const goodPeer = peer();
    good.peers.add(goodPeer);

    for (let attempt = 1; attempt <= 2; attempt++) {
      const bad = await registry.acquire("book:o:bad");
      const p = peer();
      bad.peers.add(p);
      registry.answerStep1(bad, Y.encodeStateVector(new Y.Doc()), p);
      expect(p.closed).toEqual([CloseCode.roomFailure]);
      expect(p.received).toBe(0);
      // Nobody new joins a failed room; it unloads once its last holder lets go.
      await expect(registry.acquire("book:o:bad")).rejects.toBeInstanceOf(
        attempt === 1 ? RoomFailedError : RoomQuarantinedError,
      );
      bad.peers.delete(p);
      registry.release(bad);
      await turn();
      expect(registry.get("book:o:bad")).toBeUndefined();
    }
    expect(registry.isQuarantined("book:o:bad")).toBe(true);
    await expect(registry.acquire("book:o:bad")).rejects.toBeInstanceOf(RoomQuarantinedError);
    // The log is kept, for inspection.
    expect((await store.loadRoom("book:o:bad")).updates).toHaveLength(1);
    expect(logger.entries.filter((e) => e.event === "room.failed").map((e) => e.fields.stage)).toEqual([
      "encode",
      "encode",
    ]);
    expect(JSON.stringify(logger.entries)).not.toContain("[[[");

    // The other room answers and commits as before.
    registry.answerStep1(good, Y.encodeStateVector(new Y.Doc()), goodPeer);
    expect(goodPeer.received).toBe(1);
    expect(goodPeer.closed).toEqual([]);
    await registry.close();
  });

  it("stores a batch it cannot merge as it came, closes the room's peers and unloads it", async () => {
    const store = createMemoryStore();
    const registry = new RoomRegistry({ store, metrics: new Metrics(), logger: createMemoryLogger() });
    const room = await registry.acquire("book:o:bad");
    const writer = peer();
    const reader = peer();
    room.peers.add(writer);
    room.peers.add(reader);
    const honest = new Y.Doc();
    const updates: Uint8Array[] = [poison()];
    honest.on("update", (u: Uint8Array) => updates.push(u));
    for (let i = 0; i < 20; i++) honest.getMap("interactions").set(`i${i}`, { id: `i${i}` });
    // More than 16 updates in one batch are merged before the write: the merge throws.
    for (const u of updates) expect(registry.submit(room, u, writer)).toBe(true);
    await registry.flush();
    expect(writer.closed).toEqual([CloseCode.roomFailure]);
    expect(reader.closed).toEqual([CloseCode.roomFailure]);
    expect(reader.received).toBe(0);
    // Nothing applied to the room is lost: every update is stored, each on its own.
    const log = await store.loadRoom("book:o:bad");
    expect(log.updates).toHaveLength(updates.length);
    const replay = new Y.Doc();
    for (const u of log.updates.slice(1)) Y.applyUpdate(replay, u);
    expect(replay.getMap("interactions").size).toBe(20);
    await registry.close();
  });

  it("quarantines a room whose stored log does not apply, and keeps the log", async () => {
    const store = createMemoryStore();
    // A stored update that Yjs cannot apply (a content ref it does not know).
    await store.appendUpdates(new Map([["book:o:bad", [new Uint8Array([1, 1, 5, 0, 0x11, 0, 0])]]]));
    const logger = createMemoryLogger();
    const registry = new RoomRegistry({ store, metrics: new Metrics(), logger });
    await expect(registry.acquire("book:o:bad")).rejects.toBeInstanceOf(RoomQuarantinedError);
    await expect(registry.acquire("book:o:bad")).rejects.toBeInstanceOf(RoomQuarantinedError);
    expect(logger.entries.filter((e) => e.event === "room.quarantined")).toHaveLength(1);
    expect((await store.loadRoom("book:o:bad")).updates).toHaveLength(1);
    expect(registry.quarantinedRooms()).toEqual(["book:o:bad"]);
    await registry.close();
  });
});
