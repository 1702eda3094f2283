import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { rebuildInWorker } from "./rebuild.js";

/** The state of `updates` applied in order to a fresh document. */
function replay(updates: readonly Uint8Array[]): Uint8Array {
  const doc = new Y.Doc();
  for (const u of updates) Y.applyUpdate(doc, u);
  return Y.encodeStateAsUpdate(doc);
}

describe("rebuildInWorker", () => {
  it("re-encodes the state of a log in a worker thread, byte for byte as the live document would", async () => {
    const doc = new Y.Doc();
    const updates: Uint8Array[] = [];
    doc.on("update", (u: Uint8Array) => updates.push(u));
    for (let i = 0; i < 200; i++) doc.getMap("m").set(`k${i % 7}`, i);
    doc.getText("t").insert(0, "x".repeat(100_000));
    const live = Y.encodeStateAsUpdate(doc);
    const pieces = await rebuildInWorker(updates, Number.POSITIVE_INFINITY);
    expect(pieces).toHaveLength(1);
    expect(Buffer.from(pieces[0] ?? []).equals(Buffer.from(live))).toBe(true);
  });

  it("splits a large state into pieces of about the given size that rebuild it in order", async () => {
    const doc = new Y.Doc();
    const updates: Uint8Array[] = [];
    doc.on("update", (u: Uint8Array) => updates.push(u));
    for (let i = 0; i < 2_000; i++) doc.getMap("m").set(`k${i}`, { i, note: "n".repeat(50) });
    for (let i = 0; i < 2_000; i += 3) doc.getMap("m").delete(`k${i}`);
    const live = Y.encodeStateAsUpdate(doc);
    const pieces = await rebuildInWorker(updates, 16 * 1024);
    expect(pieces.length).toBeGreaterThan(3);
    // Every piece but the last is cut once its structs reach the size (a struct here is < 1 KiB).
    for (const p of pieces.slice(0, -1)) expect(p.length).toBeLessThan(17 * 1024);
    expect(Buffer.from(replay(pieces)).equals(Buffer.from(live))).toBe(true);
  });

  it("moves large buffers to the worker instead of copying them, and copies small ones", async () => {
    const doc = new Y.Doc();
    const updates: Uint8Array[] = [];
    doc.on("update", (u: Uint8Array) => updates.push(u));
    doc.getText("t").insert(0, "y".repeat(200_000));
    doc.getMap("m").set("small", 1);
    const [large, small] = updates;
    if (!large || !small) throw new Error("expected two updates");
    const smallCopy = small.slice();
    await rebuildInWorker([large, small], 1024 * 1024);
    expect(large.byteLength).toBe(0);
    expect([...small]).toEqual([...smallCopy]);
  });

  it("skips an update that does not decode, as loading the room does", async () => {
    const doc = new Y.Doc();
    doc.getMap("m").set("a", 1);
    const good = Y.encodeStateAsUpdate(doc);
    const pieces = await rebuildInWorker([good, new Uint8Array([1, 2, 3, 250, 250])], 1024 * 1024);
    const replayed = new Y.Doc();
    for (const p of pieces) Y.applyUpdate(replayed, p);
    expect(replayed.getMap("m").toJSON()).toEqual({ a: 1 });
  });
});
