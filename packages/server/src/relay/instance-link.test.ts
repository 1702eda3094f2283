import { describe, expect, it } from "vitest";
import { BusMetrics } from "../obs/bus-metrics.js";
import { createMemoryLogger } from "../obs/logger.js";
import type { RoomTail, SharedRoomStore } from "../store/store.js";
import { InstanceLink } from "./instance-link.js";
import type { BusMessage, RoomBus } from "./room-bus.js";

/** A bus whose deliveries the test makes by hand. */
function handBus(): RoomBus & { deliver(room: string, m: BusMessage): void; published: BusMessage[] } {
  const handlers = new Map<string, (m: BusMessage) => void>();
  const published: BusMessage[] = [];
  return {
    instanceId: "me",
    published,
    async join(room, onMessage) {
      handlers.set(room, onMessage);
    },
    async leave(room) {
      handlers.delete(room);
    },
    publish(_room, m) {
      published.push(m);
    },
    onReconnect() {},
    async ping() {},
    async close() {},
    deliver(room, m) {
      handlers.get(room)?.(m);
    },
  };
}

/** A store answering `loadSince` with `tail` and counting the calls. */
function tailStore(tail: RoomTail, head = tail.version): SharedRoomStore & { since: number[] } {
  const since: number[] = [];
  const fail = (): never => {
    throw new Error("not used");
  };
  return {
    shared: true,
    since,
    appendUpdates: fail,
    appendVersioned: fail,
    loadRoom: fail,
    loadVersioned: fail,
    replaceRoom: fail,
    rebuildRoom: fail,
    evictRoom: fail,
    close: async () => undefined,
    async loadSince(_room, version) {
      since.push(version);
      return tail;
    },
    async versions(rooms) {
      return new Map(rooms.map((r) => [r, head]));
    },
  };
}

const update = (n: number): Uint8Array => new Uint8Array([n]);
const msg = (version: number): BusMessage => ({
  kind: "update",
  from: "other",
  version,
  sentAt: Date.now(),
  update: update(version),
});
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function link(store: SharedRoomStore, bus: RoomBus, applied: number[], pollMs = 60_000) {
  const metrics = new BusMetrics();
  const l = new InstanceLink(
    { bus, store, logger: createMemoryLogger(), metrics, pollMs, gapWaitMs: 30 },
    { applyRemote: (_room, u) => applied.push(u[0] ?? -1), relayAwareness: () => undefined, signal: () => undefined },
  );
  return { l, metrics };
}

describe("InstanceLink", () => {
  it("applies what arrived during the load after it, and skips what the load already held", async () => {
    const bus = handBus();
    const applied: number[] = [];
    const { l } = link(tailStore({ updates: [], version: 0 }), bus, applied);
    await l.join("r");
    bus.deliver("r", msg(2));
    bus.deliver("r", msg(3));
    expect(applied).toEqual([]);
    l.opened("r", 2);
    expect(applied).toEqual([3]);
    l.close();
  });

  it("reads a missing version from the store once it has not arrived in time", async () => {
    const bus = handBus();
    const applied: number[] = [];
    const store = tailStore({ updates: [update(2), update(3)], version: 3 });
    const { l, metrics } = link(store, bus, applied);
    await l.join("r");
    l.opened("r", 1);
    bus.deliver("r", msg(3));
    expect(applied).toEqual([3]);
    await sleep(80);
    expect(store.since).toEqual([1]);
    expect(applied).toEqual([3, 2, 3]);
    expect(metrics.catchUps.get("gap")).toBe(1);
    // Now in step: the next version applies without a read.
    bus.deliver("r", msg(4));
    await sleep(80);
    expect(store.since).toEqual([1]);
    l.close();
  });

  it("does not read when the missing version arrives within the wait, nor for its own commits in order", async () => {
    const bus = handBus();
    const applied: number[] = [];
    const store = tailStore({ updates: [], version: 0 });
    const { l } = link(store, bus, applied);
    await l.join("r");
    l.opened("r", 0);
    l.committed("r", 1, update(1));
    bus.deliver("r", msg(3));
    bus.deliver("r", msg(2));
    await sleep(80);
    expect(store.since).toEqual([]);
    expect(applied).toEqual([3, 2]);
    expect(bus.published.map((m) => m.kind === "update" && m.version)).toEqual([1]);
    l.close();
  });

  it("catches up a room behind the store's head at the next poll, though no message came", async () => {
    const bus = handBus();
    const applied: number[] = [];
    const store = tailStore({ updates: [update(7)], version: 7 });
    const { l, metrics } = link(store, bus, applied, 20);
    await l.join("r");
    l.opened("r", 6);
    await sleep(100);
    expect(applied).toEqual([7]);
    expect(metrics.catchUps.get("poll")).toBe(1);
    l.close();
  });

  it("ignores its own messages", async () => {
    const bus = handBus();
    const applied: number[] = [];
    const { l } = link(tailStore({ updates: [], version: 0 }), bus, applied);
    await l.join("r");
    l.opened("r", 0);
    bus.deliver("r", { ...msg(1), from: "me" });
    expect(applied).toEqual([]);
    l.close();
  });
});
