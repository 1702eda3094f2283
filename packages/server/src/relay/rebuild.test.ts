import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { rebuildInWorker } from "./rebuild.js";

describe("rebuildInWorker", () => {
  it("re-encodes the state of a log in a worker thread, byte for byte as the live document would", async () => {
    const doc = new Y.Doc();
    const updates: Uint8Array[] = [];
    doc.on("update", (u: Uint8Array) => updates.push(u));
    for (let i = 0; i < 200; i++) doc.getMap("m").set(`k${i % 7}`, i);
    doc.getText("t").insert(0, "x".repeat(100_000));
    const live = Y.encodeStateAsUpdate(doc);
    const snapshot = await rebuildInWorker(updates);
    expect(Buffer.from(snapshot).equals(Buffer.from(live))).toBe(true);
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
    await rebuildInWorker([large, small]);
    expect(large.byteLength).toBe(0);
    expect([...small]).toEqual([...smallCopy]);
  });

  it("skips an update that does not decode, as loading the room does", async () => {
    const doc = new Y.Doc();
    doc.getMap("m").set("a", 1);
    const good = Y.encodeStateAsUpdate(doc);
    const snapshot = await rebuildInWorker([good, new Uint8Array([1, 2, 3, 250, 250])]);
    const replay = new Y.Doc();
    Y.applyUpdate(replay, snapshot);
    expect(replay.getMap("m").toJSON()).toEqual({ a: 1 });
  });
});
