/**
 * Runs the store contract suite against every implementation, plus the file store's own
 * crash-recovery rules (torn tails ignored, corrupt records never applied).
 */
import {
  appendFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { encodeStateAsPieces } from "../src/relay/snapshot-pieces.mjs";
import { openFileAuthStore, openFileRoomStore, openFileStore } from "../src/store/file-store.js";
import { createKvAuthStore } from "../src/store/kv-auth-store.js";
import { createMemoryRoomStore, createMemoryStore } from "../src/store/memory-store.js";
import { readFrames } from "../src/store/record-frame.js";
import type { Store } from "../src/store/store.js";
import { describeAuthStoreContract, describeRoomStoreContract, describeStoreContract } from "./store-contract.js";

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "tandem-store-"));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The two updates of typing `word` then "!" into a fresh doc's text `t`. */
function twoEdits(word: string): Uint8Array[] {
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on("update", (u: Uint8Array) => updates.push(u));
  doc.getText("t").insert(0, word);
  doc.getText("t").insert(word.length, "!");
  return updates;
}

/** The WAL segments of a data directory: their names and total size. */
function walFiles(dir: string): { names: string[]; bytes: number } {
  const names = readdirSync(dir).filter((f) => /^wal\.\d+\.log$/.test(f));
  return { names, bytes: names.reduce((n, f) => n + statSync(join(dir, f)).size, 0) };
}

/** A document holding everything `store` loads for `room`. */
async function replayRoom(store: Store, room: string): Promise<Y.Doc> {
  const doc = new Y.Doc();
  for (const u of (await store.loadRoom(room)).updates) Y.applyUpdate(doc, u);
  return doc;
}

describeStoreContract("memory", { open: async () => ({ store: createMemoryStore() }) });
describeStoreContract("file", {
  open: async () => {
    const dir = tempDir();
    return { store: await openFileStore({ dir }), reopen: () => openFileStore({ dir }) };
  },
});

describeStoreContract("file, with a checkpoint after every write", {
  open: async () => {
    const dir = tempDir();
    const options = { dir, checkpointBytes: 1 };
    return { store: await openFileStore(options), reopen: () => openFileStore(options) };
  },
});

// Each half alone, as a deployment that keeps room logs and auth rows in different backends uses them.
describeRoomStoreContract("memory room logs alone", { open: async () => ({ store: createMemoryRoomStore() }) });
describeAuthStoreContract("kv auth alone", { open: async () => ({ store: createKvAuthStore() }) });
describeRoomStoreContract("file room logs alone", {
  open: async () => {
    const dir = tempDir();
    return { store: await openFileRoomStore({ dir }), reopen: () => openFileRoomStore({ dir }) };
  },
});
describeAuthStoreContract("file auth alone", {
  open: async () => {
    const dir = tempDir();
    return { store: await openFileAuthStore({ dir }), reopen: () => openFileAuthStore({ dir }) };
  },
});

describe("file store recovery", () => {
  it("ignores a torn tail record and keeps appending after the intact prefix", async () => {
    const dir = tempDir();
    const doc = new Y.Doc();
    const updates: Uint8Array[] = [];
    doc.on("update", (u: Uint8Array) => updates.push(u));
    doc.getMap("m").set("a", 1);
    doc.getMap("m").set("b", 2);
    const store = await openFileStore({ dir });
    await store.appendUpdates(new Map([["r", updates.slice()]]));
    await store.close();
    const file = join(dir, "rooms", readdirSync(join(dir, "rooms"))[0] ?? "");
    // A crash mid-write: a header promising 100 bytes followed by 3 of them.
    const torn = Buffer.alloc(11);
    torn.writeUInt32LE(100, 0);
    appendFileSync(file, torn);
    const again = await openFileStore({ dir });
    expect((await again.loadRoom("r")).updates).toHaveLength(2);
    doc.getMap("m").set("c", 3);
    await again.appendUpdates(new Map([["r", [updates[2] ?? new Uint8Array()]]]));
    await again.close();
    const third = await openFileStore({ dir });
    const replay = await replayRoom(third, "r");
    expect(replay.getMap("m").toJSON()).toEqual({ a: 1, b: 2, c: 3 });
    await third.close();
  });

  it("stops at a record whose checksum does not match (never applies corrupt bytes)", async () => {
    const dir = tempDir();
    const store = await openFileStore({ dir });
    await store.appendUpdates(new Map([["r", [new Uint8Array([0, 0]), new Uint8Array([0, 0])]]]));
    await store.close();
    const file = join(dir, "rooms", readdirSync(join(dir, "rooms"))[0] ?? "");
    const bytes = readFileSync(file);
    const last = bytes.length - 1;
    bytes[last] = (bytes[last] ?? 0) ^ 0xff;
    writeFileSync(file, bytes);
    const again = await openFileStore({ dir });
    expect((await again.loadRoom("r")).updates).toHaveLength(1);
    await again.close();
  });

  it("recovers updates that reached only the write-ahead log when the process dies before a checkpoint", async () => {
    const dir = tempDir();
    const updates = twoEdits("durable");
    const crashed = await openFileStore({ dir });
    await crashed.appendUpdates(new Map([["r", updates.slice()]]));
    // Crash before any checkpoint: nothing has reached a room file, only the WAL has it.
    expect(readdirSync(join(dir, "rooms"))).toEqual([]);
    const recovered = await openFileStore({ dir });
    const replay = await replayRoom(recovered, "r");
    expect(replay.getText("t").toString()).toBe("durable!");
    await recovered.close();
    expect(walFiles(dir).bytes).toBe(0);
  });

  it("evictRoom moves the room's WAL-only updates into its file at once; a crash after it loses nothing", async () => {
    const dir = tempDir();
    const updates = twoEdits("evicted");
    const crashed = await openFileStore({ dir });
    await crashed.appendUpdates(new Map([["r", updates.slice()]]));
    expect(readdirSync(join(dir, "rooms"))).toEqual([]);
    await crashed.evictRoom("r");
    // No checkpoint ran: the room file got the records the store no longer keeps in memory.
    const files = readdirSync(join(dir, "rooms"));
    expect(files).toHaveLength(1);
    expect((await readFrames(readFileSync(join(dir, "rooms", files[0] ?? "")))).records).toHaveLength(2);
    expect(walFiles(dir).bytes).toBeGreaterThan(0);
    // Crash now: the WAL replays into the room file as duplicates, which Yjs ignores.
    const recovered = await openFileStore({ dir });
    const replay = await replayRoom(recovered, "r");
    expect(replay.getText("t").toString()).toBe("evicted!");
    await recovered.close();
  });

  it("a checkpoint drains the full WAL segment a few rooms at a time: appends go on meanwhile, a crash loses nothing", async () => {
    const dir = tempDir();
    const store = await openFileStore({ dir, checkpointBytes: 1024 });
    const rooms = Array.from({ length: 200 }, (_, i) => `room-${i}`);
    // One append over the threshold: appends go to a new segment, the old one drains.
    await store.appendUpdates(new Map(rooms.map((r) => [r, twoEdits(r)])));
    expect(walFiles(dir).names).toHaveLength(2);
    // Queued behind the drain's first turn only (16 rooms), not behind all 200 rooms' fsyncs.
    await store.appendUpdates(new Map([["late", twoEdits("late")]]));
    expect(walFiles(dir).names).toHaveLength(2);
    expect(readdirSync(join(dir, "rooms")).length).toBeLessThan(rooms.length);
    for (let i = 0; i < 200 && walFiles(dir).names.length > 1; i++) await new Promise((r) => setTimeout(r, 10));
    expect(walFiles(dir).names).toHaveLength(1);
    expect(readdirSync(join(dir, "rooms"))).toHaveLength(rooms.length);
    // Crash (no close), then reopen: every room and the late append are there.
    const recovered = await openFileStore({ dir });
    for (const r of [...rooms, "late"]) expect((await replayRoom(recovered, r)).getText("t").toString()).toBe(`${r}!`);
    expect(walFiles(dir)).toEqual({ names: [expect.stringMatching(/^wal\.\d+\.log$/)], bytes: 0 });
    await recovered.close();
    await store.close();
  });

  it("replays a write-ahead log of an earlier version (wal.log) on open", async () => {
    const dir = tempDir();
    const crashed = await openFileStore({ dir });
    await crashed.appendUpdates(new Map([["r", twoEdits("legacy")]]));
    const [name] = walFiles(dir).names;
    // What an earlier version left after a crash: its one WAL, named wal.log.
    renameSync(join(dir, name ?? ""), join(dir, "wal.log"));
    const recovered = await openFileStore({ dir });
    expect((await replayRoom(recovered, "r")).getText("t").toString()).toBe("legacy!");
    expect(readdirSync(dir)).not.toContain("wal.log");
    await recovered.close();
  });

  it("a compaction's snapshot write does not hold up appends issued after it", async () => {
    const dir = tempDir();
    const store = await openFileStore({ dir });
    const doc = new Y.Doc();
    doc.getMap("m").set("big", "x".repeat(32 * 1024 * 1024));
    const order: string[] = [];
    const replaced = store.replaceRoom("big", Y.encodeStateAsUpdate(doc)).then(() => order.push("replace"));
    const appended = store.appendUpdates(new Map([["other", twoEdits("quick")]])).then(() => order.push("append"));
    await Promise.all([replaced, appended]);
    expect(order).toEqual(["append", "replace"]);
    expect((await store.loadRoom("big")).updates).toHaveLength(1);
    await store.close();
  });

  it("loses nothing when compactions (live and rebuilt), appends, checkpoints and evictions interleave, nor in a crash after", async () => {
    for (const checkpointBytes of [1, 200, 16 * 1024 * 1024]) {
      const dir = tempDir();
      const store = await openFileStore({ dir, checkpointBytes });
      const doc = new Y.Doc();
      const calls: Promise<void>[] = [];
      let seed = checkpointBytes;
      const random = (): number => {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        return seed / 2147483648;
      };
      for (let i = 0; i < 120; i++) {
        const pick = random();
        if (pick < 0.6) {
          const updates: Uint8Array[] = [];
          const capture = (u: Uint8Array): void => {
            updates.push(u);
          };
          doc.on("update", capture);
          doc.getMap("m").set(`k${i % 17}`, i);
          doc.off("update", capture);
          calls.push(store.appendUpdates(new Map([["r", updates]])));
        } else if (pick < 0.75) {
          // As the relay does: the snapshot holds everything applied so far.
          calls.push(store.replaceRoom("r", Y.encodeStateAsUpdate(doc)));
        } else if (pick < 0.85) {
          // An off-thread compaction: built from the log, taking a while.
          const delay = Math.floor(random() * 10);
          calls.push(
            store
              .rebuildRoom("r", async (log) => {
                await new Promise((r) => setTimeout(r, delay));
                const d = new Y.Doc();
                for (const u of log) Y.applyUpdate(d, u);
                // In pieces of a struct or two, or whole.
                return encodeStateAsPieces(d, random() < 0.5 ? 8 : Number.POSITIVE_INFINITY);
              })
              .then(() => undefined),
          );
        } else {
          calls.push(store.evictRoom("r"));
        }
        if (random() < 0.3) await Promise.all(calls);
      }
      await Promise.all(calls);
      const loaded = await replayRoom(store, "r");
      expect(loaded.getMap("m").toJSON()).toEqual(doc.getMap("m").toJSON());
      // Crash (no close), then reopen: the same state, and no snapshot file left behind.
      const recovered = await openFileStore({ dir });
      const replay = await replayRoom(recovered, "r");
      expect(replay.getMap("m").toJSON()).toEqual(doc.getMap("m").toJSON());
      expect(readdirSync(join(dir, "rooms")).filter((f) => f.endsWith(".tmp"))).toEqual([]);
      await recovered.close();
    }
  });

  it("deletes a snapshot file a crash left before its rename, and keeps the room's log", async () => {
    const dir = tempDir();
    const store = await openFileStore({ dir });
    await store.appendUpdates(new Map([["r", twoEdits("kept")]]));
    await store.close();
    const [file] = readdirSync(join(dir, "rooms"));
    writeFileSync(join(dir, "rooms", `${file}.7.tmp`), "half a snapshot");
    const reopened = await openFileStore({ dir });
    expect(readdirSync(join(dir, "rooms"))).toEqual([file]);
    const replay = await replayRoom(reopened, "r");
    expect(replay.getText("t").toString()).toBe("kept!");
    await reopened.close();
  });

  it("keeps used-ticket tombstones through a kv log compaction and drops expired ones", async () => {
    const dir = tempDir();
    const store = await openFileStore({ dir });
    const t = { orgId: "o", userId: "u", room: "book:o:u" };
    for (let i = 0; i < 600; i++) await store.putTicket({ ...t, id: `old-${i}`, expiresAt: 100 });
    await Promise.all(Array.from({ length: 600 }, (_, i) => store.takeTicket(`old-${i}`, 50)));
    await store.putTicket({ ...t, id: "kept", expiresAt: 10_000 });
    // Every old ticket has expired: the log holds far more ops than live rows and is rewritten.
    expect((await store.takeTicket("kept", 150)).kind).toBe("ok");
    const size = statSync(join(dir, "kv.log")).size;
    await store.close();
    expect(size).toBeLessThan(1000);
    const again = await openFileStore({ dir });
    expect((await again.takeTicket("kept", 200)).kind).toBe("used");
    expect((await again.takeTicket("old-1", 200)).kind).toBe("unknown");
    await again.close();
  });

  it("creates its files readable by the owner only", async () => {
    const dir = tempDir();
    const store = await openFileStore({ dir });
    await store.putToken("o", "u", "sealed");
    await store.close();
    expect(statSync(join(dir, "kv.log")).mode & 0o077).toBe(0);
  });
});
