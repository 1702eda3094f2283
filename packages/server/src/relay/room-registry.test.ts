import * as decoding from "lib0/decoding";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { createMemoryLogger } from "../obs/logger.js";
import { Metrics } from "../obs/metrics.js";
import { createMemoryStore } from "../store/memory-store.js";
import type { Store } from "../store/store.js";
import type { RoomPeer } from "./room.js";
import { RoomRegistry } from "./room-registry.js";

/** A store whose appends each wait until the test releases them, in order. */
function gatedStore(): { store: Store; appends: () => number; release: () => void } {
  const inner = createMemoryStore();
  const waiting: (() => void)[] = [];
  let appends = 0;
  const store: Store = {
    ...inner,
    appendUpdates: async (batch) => {
      appends++;
      await new Promise<void>((resolve) => waiting.push(resolve));
      return inner.appendUpdates(batch);
    },
  };
  return { store, appends: () => appends, release: () => waiting.shift()?.() };
}

/** A peer that records the map keys of each message it is sent. */
function recordingPeer(): RoomPeer & { messages: string[][] } {
  const messages: string[][] = [];
  return {
    messages,
    send(bytes) {
      const d = decoding.createDecoder(bytes);
      expect(decoding.readVarUint(d)).toBe(0);
      decoding.readVarUint(d); // step 2 or update: both carry an update
      const keys = Y.decodeUpdate(decoding.readVarUint8Array(d)).structs.flatMap((s) =>
        s instanceof Y.Item && typeof s.parentSub === "string" ? [s.parentSub] : [],
      );
      messages.push(keys);
    },
    close() {},
  };
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));
const turns = async (n: number): Promise<void> => {
  for (let i = 0; i < n; i++) await turn();
};

function edit(doc: Y.Doc, key: string): Uint8Array {
  let out: Uint8Array = new Uint8Array();
  const capture = (u: Uint8Array) => {
    out = u;
  };
  doc.on("update", capture);
  doc.getMap("m").set(key, key);
  doc.off("update", capture);
  return out;
}

describe("group commit", () => {
  it("starts the next write as one completes, broadcasts each batch only once it is durable, in order", async () => {
    const gated = gatedStore();
    const registry = new RoomRegistry({ store: gated.store, metrics: new Metrics(), logger: createMemoryLogger() });
    const room = await registry.acquire("book:org:user");
    const writer = recordingPeer();
    const reader = recordingPeer();
    room.peers.add(writer);
    room.peers.add(reader);
    const doc = new Y.Doc();

    registry.submit(room, edit(doc, "a"), writer);
    await turns(3);
    expect(gated.appends()).toBe(1);
    registry.submit(room, edit(doc, "b"), writer);
    await turns(3);
    // "b" waits for the write in flight; nothing is sent before it is durable.
    expect(gated.appends()).toBe(1);
    expect(reader.messages).toEqual([]);

    // A newcomer's sync step 1, asked now, is answered only once "b" is durable too.
    const newcomer = recordingPeer();
    registry.answerStep1(room, Y.encodeStateVector(new Y.Doc()), newcomer);
    room.peers.add(newcomer);

    gated.release();
    await turns(1);
    // The write of "b" started as soon as "a" was durable, and "a" went out.
    expect(gated.appends()).toBe(2);
    expect(reader.messages).toEqual([["a"]]);
    await turns(2);
    // The broadcast of "a" only: no answer yet.
    expect(newcomer.messages).toEqual([["a"]]);

    gated.release();
    await registry.flush();
    expect(reader.messages).toEqual([["a"], ["b"]]);
    // The broadcasts, then the answer, which holds both.
    expect(newcomer.messages.map((m) => [...m].sort())).toEqual([["a"], ["b"], ["a", "b"]]);
    expect(writer.messages).toEqual([]);
    expect(room.inFlight).toBe(0);
    const closing = registry.close();
    gated.release();
    await closing;
  });
});
