/**
 * The store contract suite: every {@link RoomStore} runs `describeRoomStoreContract`, every
 * {@link AuthStore} `describeAuthStoreContract`, and a whole {@link Store} both
 * (`describeStoreContract`), so the memory store and the file store, or halves of them, are
 * interchangeable for the relay and the auth service.
 */
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { encodeStateAsPieces } from "../src/relay/snapshot-pieces.mjs";
import type { AuthStore, RoomStore, Store } from "../src/store/store.js";

/** Opens a fresh, empty store; `reopen` (durable stores only) opens the same data again. */
export interface Factory<S> {
  open(): Promise<{ store: S; reopen?: (() => Promise<S>) | undefined }>;
}

/** Opens a fresh, empty {@link Store}. */
export type StoreFactory = Factory<Store>;

function update(doc: Y.Doc, f: (d: Y.Doc) => void): Uint8Array {
  let out: Uint8Array = new Uint8Array();
  const h = (u: Uint8Array): void => {
    out = u;
  };
  doc.on("update", h);
  doc.transact(() => f(doc));
  doc.off("update", h);
  return out;
}

/** Re-encodes the state of `updates` in pieces of about `pieceBytes`, as a compaction does. */
async function rebuild(updates: readonly Uint8Array[], pieceBytes = Number.POSITIVE_INFINITY): Promise<Uint8Array[]> {
  const doc = new Y.Doc();
  for (const u of updates) Y.applyUpdate(doc, u);
  return encodeStateAsPieces(doc, pieceBytes);
}

/** The map `m` of a document built from `updates`. */
function replay(updates: readonly Uint8Array[]): unknown {
  const doc = new Y.Doc();
  for (const u of updates) Y.applyUpdate(doc, u);
  return doc.getMap("m").toJSON();
}
/** Runs the whole contract against one {@link Store}. */
export function describeStoreContract(name: string, factory: StoreFactory): void {
  describeRoomStoreContract(name, factory);
  describeAuthStoreContract(name, factory);
}

/** Runs the room-log contract against one {@link RoomStore}. */
export function describeRoomStoreContract(name: string, factory: Factory<RoomStore>): void {
  describe(`RoomStore contract: ${name}`, () => {
    describeRoomLogs(factory);
    describeRoomCompaction(factory);
    it("refuses use after close", async () => {
      const { store } = await factory.open();
      await store.close();
      await expect(store.appendUpdates(new Map([["r", [new Uint8Array([0, 0])]]]))).rejects.toThrow();
    });

    it("durable stores: every room log survives a reopen", async () => {
      const { store, reopen } = await factory.open();
      if (!reopen) {
        await store.close();
        return;
      }
      const doc = new Y.Doc();
      await store.appendUpdates(new Map([["r", [update(doc, (d) => d.getText("t").insert(0, "hi"))]]]));
      await store.close();
      const again = await reopen();
      const replay = new Y.Doc();
      for (const u of (await again.loadRoom("r")).updates) Y.applyUpdate(replay, u);
      expect(replay.getText("t").toString()).toBe("hi");
      await again.close();
    });
  });
}

/** Runs the auth contract against one {@link AuthStore}. */
export function describeAuthStoreContract(name: string, factory: Factory<AuthStore>): void {
  describe(`AuthStore contract: ${name}`, () => {
    it("sessions: put, get while live, expire, delete one, delete all of a user", async () => {
      const { store } = await factory.open();
      const base = { orgId: "o", name: "N", createdAt: 0 };
      await store.putSession({ ...base, id: "s1", userId: "u1", expiresAt: 100 });
      await store.putSession({ ...base, id: "s2", userId: "u1", expiresAt: 100 });
      await store.putSession({ ...base, id: "s3", userId: "u2", expiresAt: 100 });
      expect((await store.getSession("s1", 50))?.userId).toBe("u1");
      expect(await store.getSession("s1", 100)).toBeUndefined();
      await store.deleteSession("s3");
      expect(await store.getSession("s3", 50)).toBeUndefined();
      expect(await store.countUserSessions("o", "u1", 50)).toBe(2);
      expect(await store.countUserSessions("o", "u1", 100)).toBe(0);
      expect(await store.countUserSessions("o", "u2", 50)).toBe(0);
      expect(await store.deleteUserSessions("o", "u1")).toBe(2);
      expect(await store.getSession("s2", 50)).toBeUndefined();
      await store.close();
    });

    it("tickets are single use: ok once, then used; expired and unknown are told apart", async () => {
      const { store } = await factory.open();
      const t = { orgId: "o", userId: "u", room: "book:o:u" };
      await store.putTicket({ ...t, id: "t1", expiresAt: 1000 });
      await store.putTicket({ ...t, id: "t2", expiresAt: 1000 });
      const [a, b] = await Promise.all([store.takeTicket("t1", 10), store.takeTicket("t1", 10)]);
      expect([a.kind, b.kind].sort()).toEqual(["ok", "used"]);
      expect((await store.takeTicket("t2", 1000)).kind).toBe("expired");
      expect((await store.takeTicket("t2", 10)).kind).toBe("used");
      expect((await store.takeTicket("nope", 10)).kind).toBe("unknown");
      await store.close();
    });

    it("forgets tickets once expired, used or not, and never admits a used one again", async () => {
      const { store } = await factory.open();
      const t = { orgId: "o", userId: "u", room: "book:o:u" };
      await store.putTicket({ ...t, id: "used", expiresAt: 1000 });
      await store.putTicket({ ...t, id: "unused", expiresAt: 1000 });
      await store.putTicket({ ...t, id: "later", expiresAt: 5000 });
      expect((await store.takeTicket("used", 10)).kind).toBe("ok");
      expect((await store.takeTicket("used", 999)).kind).toBe("used");
      expect((await store.takeTicket("used", 1001)).kind).toBe("unknown");
      expect((await store.takeTicket("unused", 1001)).kind).toBe("unknown");
      // A clock stepping back after the store forgot a ticket does not revive it.
      expect((await store.takeTicket("used", 10)).kind).not.toBe("ok");
      expect((await store.takeTicket("later", 1001)).kind).toBe("ok");
      await store.close();
    });

    it("a taken ticket comes back whole, with the session it was issued from", async () => {
      const { store } = await factory.open();
      const bound = { id: "bound", orgId: "o", userId: "u", room: "book:o:u", expiresAt: 1000, sessionId: "s-hash" };
      const free = { id: "free", orgId: "o", userId: "u", room: "book:o:u", expiresAt: 1000 };
      expect(await store.putTicket(bound)).toBe(true);
      expect(await store.putTicket(free)).toBe(true);
      expect(await store.takeTicket("bound", 10)).toEqual({ kind: "ok", ticket: bound });
      const taken = await store.takeTicket("free", 10);
      expect(taken).toEqual({ kind: "ok", ticket: free });
      expect(taken.kind === "ok" && taken.ticket.sessionId).toBe(undefined);
      await store.close();
    });

    it("putTicket with a limit keeps each user's live tickets at or under it, however puts race", async () => {
      const { store } = await factory.open();
      const limit = { maxLive: 3, now: 10 };
      const t = (id: string, userId = "u", expiresAt = 1000) => ({
        id,
        orgId: "o",
        userId,
        room: `book:o:${userId}`,
        expiresAt,
      });
      // Five racing puts against a limit of three: exactly three are stored.
      const raced = await Promise.all(["a", "b", "c", "d", "e"].map((id) => store.putTicket(t(id), limit)));
      expect(raced.filter(Boolean)).toHaveLength(3);
      const refused = ["a", "b", "c", "d", "e"].filter((_, i) => !raced[i]);
      for (const id of refused) expect((await store.takeTicket(id, 10)).kind).toBe("unknown");
      // Another user, and a put without a limit, are not held back.
      expect(await store.putTicket(t("v1", "v"), limit)).toBe(true);
      expect(await store.putTicket(t("nolimit"))).toBe(true);
      expect(await store.putTicket(t("f"), { maxLive: 4, now: 10 })).toBe(false);
      // A taken ticket no longer counts; nor does an expired one.
      const stored = ["a", "b", "c", "d", "e"].filter((_, i) => raced[i]);
      expect((await store.takeTicket(stored[0] ?? "", 10)).kind).toBe("ok");
      expect(await store.putTicket(t("g"), { maxLive: 4, now: 10 })).toBe(true);
      expect(await store.putTicket(t("h"), { maxLive: 4, now: 10 })).toBe(false);
      expect(await store.putTicket(t("later", "u", 5000), { maxLive: 1, now: 1000 })).toBe(true);
      expect(await store.putTicket(t("later2", "u", 5000), { maxLive: 1, now: 1000 })).toBe(false);
      await store.close();
    });

    it("tokens: put, get, overwrite, delete", async () => {
      const { store } = await factory.open();
      await store.putToken("o", "u", "sealed-1");
      await store.putToken("o", "u", "sealed-2");
      await store.putToken("o", "v", "sealed-3");
      expect(await store.getToken("o", "u")).toBe("sealed-2");
      await store.deleteToken("o", "u");
      expect(await store.getToken("o", "u")).toBeUndefined();
      expect(await store.getToken("o", "v")).toBe("sealed-3");
      expect(await store.listTokenOwners()).toEqual([{ orgId: "o", userId: "v" }]);
      await store.close();
    });

    it("refuses use after close", async () => {
      const { store } = await factory.open();
      await store.close();
      await expect(store.putToken("o", "u", "sealed")).rejects.toThrow();
      await expect(store.takeTicket("t", 1)).rejects.toThrow();
    });

    it("durable stores: sessions, tickets (and their count) and tokens survive a reopen", async () => {
      const { store, reopen } = await factory.open();
      if (!reopen) {
        await store.close();
        return;
      }
      await store.putSession({ id: "s", orgId: "o", userId: "u", name: "N", createdAt: 0, expiresAt: 100 });
      await store.putTicket({ id: "t", orgId: "o", userId: "u", room: "book:o:u", expiresAt: 100 });
      await store.takeTicket("t", 1);
      const kept = { id: "kept", orgId: "o", userId: "u", room: "book:o:u", expiresAt: 100, sessionId: "s" };
      expect(await store.putTicket(kept, { maxLive: 2, now: 1 })).toBe(true);
      await store.putToken("o", "u", "sealed");
      await store.close();
      const again = await reopen();
      expect((await again.getSession("s", 1))?.userId).toBe("u");
      expect((await again.takeTicket("t", 1)).kind).toBe("used");
      // The live-ticket count is rebuilt too: one live ticket, so a limit of two admits one more.
      const next = { id: "next", orgId: "o", userId: "u", room: "book:o:u", expiresAt: 100 };
      expect(await again.putTicket(next, { maxLive: 2, now: 1 })).toBe(true);
      expect(await again.putTicket({ ...next, id: "over" }, { maxLive: 2, now: 1 })).toBe(false);
      expect(await again.takeTicket("kept", 1)).toEqual({ kind: "ok", ticket: kept });
      expect(await again.getToken("o", "u")).toBe("sealed");
      await again.close();
    });
  });
}

/** Appends, loads and evictions. */
function describeRoomLogs(factory: Factory<RoomStore>): void {
  it("returns appended updates in order, per room, and nothing for an unknown room", async () => {
    const { store } = await factory.open();
    const doc = new Y.Doc();
    const u1 = update(doc, (d) => d.getMap("m").set("a", 1));
    const u2 = update(doc, (d) => d.getMap("m").set("b", 2));
    await store.appendUpdates(new Map([["r1", [u1]]]));
    await store.appendUpdates(
      new Map([
        ["r1", [u2]],
        ["r2", [u1]],
      ]),
    );
    const r1 = await store.loadRoom("r1");
    expect(r1.updates.map((u) => [...u])).toEqual([[...u1], [...u2]]);
    expect(r1.bytes).toBe(u1.length + u2.length);
    expect(r1.snapshot).toBe(0);
    expect((await store.loadRoom("r2")).updates).toHaveLength(1);
    expect((await store.loadRoom("nope")).updates).toHaveLength(0);
    await store.close();
  });

  it("keeps its own copy of appended bytes", async () => {
    const { store } = await factory.open();
    const bytes = new Uint8Array([0, 0]);
    await store.appendUpdates(new Map([["r", [bytes]]]));
    bytes[0] = 9;
    expect([...((await store.loadRoom("r")).updates[0] ?? [])]).toEqual([0, 0]);
    await store.close();
  });

  it("evictRoom changes nothing the room loads, and appends after it follow in order", async () => {
    const { store, reopen } = await factory.open();
    const doc = new Y.Doc();
    const u1 = update(doc, (d) => d.getMap("m").set("a", 1));
    const u2 = update(doc, (d) => d.getMap("m").set("b", 2));
    await store.appendUpdates(new Map([["r", [u1]]]));
    // Issued without awaiting, as the relay does when rooms unload.
    const evicted = Promise.all([store.evictRoom("r"), store.evictRoom("never-loaded")]);
    await store.appendUpdates(new Map([["r", [u2]]]));
    await evicted;
    expect((await store.loadRoom("r")).updates.map((u) => [...u])).toEqual([[...u1], [...u2]]);
    expect((await store.loadRoom("never-loaded")).updates).toHaveLength(0);
    await store.evictRoom("r");
    await store.close();
    if (!reopen) return;
    const again = await reopen();
    const replay = new Y.Doc();
    for (const u of (await again.loadRoom("r")).updates) Y.applyUpdate(replay, u);
    expect(replay.getMap("m").toJSON()).toEqual({ a: 1, b: 2 });
    await again.close();
  });
}

/** Compaction: `replaceRoom` and `rebuildRoom` against appends in call order. */
function describeRoomCompaction(factory: Factory<RoomStore>): void {
  it("replaceRoom swaps the log for one snapshot, and later appends follow it in call order", async () => {
    const { store } = await factory.open();
    const doc = new Y.Doc();
    const updates = Array.from({ length: 20 }, (_, i) => update(doc, (d) => d.getMap("m").set("k", i)));
    await store.appendUpdates(new Map([["r", updates]]));
    const snapshot = Y.encodeStateAsUpdate(doc);
    const after = update(doc, (d) => d.getMap("m").set("z", true));
    // Issued without awaiting: order of calls must be the order of effects.
    const p1 = store.replaceRoom("r", snapshot);
    const p2 = store.appendUpdates(new Map([["r", [after]]]));
    await Promise.all([p1, p2]);
    const log = await store.loadRoom("r");
    expect(log.updates).toHaveLength(2);
    expect(log.snapshot).toBe(1);
    const replay = new Y.Doc();
    for (const u of log.updates) Y.applyUpdate(replay, u);
    expect(replay.getMap("m").toJSON()).toEqual({ k: 19, z: true });
    await store.close();
  });

  it("rebuildRoom swaps the log as of the call for the built snapshot; appends issued after it follow", async () => {
    const { store, reopen } = await factory.open();
    const doc = new Y.Doc();
    const updates = Array.from({ length: 20 }, (_, i) => update(doc, (d) => d.getMap("m").set(`k${i % 8}`, i)));
    await store.appendUpdates(new Map([["r", updates]]));
    const after = update(doc, (d) => d.getMap("m").set("z", true));
    let given = 0;
    let pieces: Uint8Array[] = [];
    const rebuilt = store.rebuildRoom("r", async (log) => {
      given = log.length;
      await new Promise((r) => setTimeout(r, 20));
      // A snapshot in pieces of a struct or two.
      pieces = await rebuild(log, 8);
      return pieces;
    });
    // Issued while the snapshot is being built: stays after it.
    const appended = store.appendUpdates(new Map([["r", [after]]]));
    expect(await rebuilt).toBe(true);
    await appended;
    expect(given).toBe(20);
    expect(pieces.length).toBeGreaterThan(2);
    const expected = [...pieces.map((p) => [...p]), [...after]];
    const state = { k0: 16, k1: 17, k2: 18, k3: 19, k4: 12, k5: 13, k6: 14, k7: 15, z: true };
    const log = await store.loadRoom("r");
    expect(log.updates.map((u) => [...u])).toEqual(expected);
    expect(log.snapshot).toBe(pieces.length);
    expect(log.bytes).toBe(expected.reduce((n, u) => n + u.length, 0));
    expect(replay(log.updates)).toEqual(state);
    expect(await store.rebuildRoom("empty", async () => [new Uint8Array([0, 0])])).toBe(false);
    expect((await store.loadRoom("empty")).updates).toHaveLength(0);
    // Appends after the snapshot do not change how many records it is.
    await store.appendUpdates(new Map([["r", [update(doc, (d) => d.getMap("m").set("y", 1))]]]));
    expect((await store.loadRoom("r")).snapshot).toBe(pieces.length);
    await store.close();
    if (!reopen) return;
    const again = await reopen();
    const reloaded = await again.loadRoom("r");
    expect(reloaded.updates.slice(0, -1).map((u) => [...u])).toEqual(expected);
    expect(reloaded.snapshot).toBe(pieces.length);
    expect(replay(reloaded.updates)).toEqual({ ...state, y: 1 });
    await again.close();
  });

  it("rebuildRoom changes nothing when its build fails or a later replaceRoom lands first", async () => {
    const { store } = await factory.open();
    const doc = new Y.Doc();
    const updates = Array.from({ length: 5 }, (_, i) => update(doc, (d) => d.getMap("m").set("k", i)));
    await store.appendUpdates(new Map([["r", updates]]));
    await expect(
      store.rebuildRoom("r", async () => {
        throw new Error("worker died");
      }),
    ).rejects.toThrow("worker died");
    expect((await store.loadRoom("r")).updates).toHaveLength(5);
    let release = (): void => undefined;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const rebuilt = store.rebuildRoom("r", async (log) => {
      await gate;
      return rebuild(log);
    });
    const later = update(doc, (d) => d.getMap("m").set("z", true));
    await store.appendUpdates(new Map([["r", [later]]]));
    await store.replaceRoom("r", Y.encodeStateAsUpdate(doc));
    release();
    expect(await rebuilt).toBe(false);
    const log = await store.loadRoom("r");
    expect(log.updates).toHaveLength(1);
    expect(replay(log.updates)).toEqual({ k: 4, z: true });
    await store.close();
  });
}
