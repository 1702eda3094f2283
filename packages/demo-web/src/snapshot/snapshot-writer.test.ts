import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { startSnapshotWriter } from "./snapshot-writer.js";
import { VIEW_SNAPSHOT_VERSION, type ViewSnapshot } from "./view-snapshot.js";

const OWNER = { room: "book:test", userId: "005000000000001" };

/** A view whose "rows" are a counter, with listeners like the engine's BookView. */
function fakeView() {
  const listeners = new Set<() => void>();
  let amount = 0;
  return {
    subscribe: (l: () => void) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    change(next: number) {
      amount = next;
      for (const l of listeners) l();
    },
    touch() {
      for (const l of listeners) l();
    },
    snapshot: (): ViewSnapshot => ({
      version: VIEW_SNAPSHOT_VERSION,
      ...OWNER,
      savedAt: new Date().toISOString(),
      rows: [
        {
          id: "006A",
          name: "Deal",
          accountId: null,
          accountName: "—",
          amount,
          stage: "Prospecting",
          closeDate: "2026-12-31",
          probability: null,
          forecastCategory: null,
          description: null,
          pendingFields: [],
          closing: false,
          stageRank: null,
        },
      ],
      cards: { top: [], total: 0 },
    }),
    listenerCount: () => listeners.size,
  };
}

function setUp(save: (s: ViewSnapshot) => Promise<void>) {
  const view = fakeView();
  let loaded: () => void = () => {};
  const whenLoaded = new Promise<void>((resolve) => {
    loaded = resolve;
  });
  const errors: unknown[] = [];
  const writer = startSnapshotWriter({
    owner: OWNER,
    subscribe: view.subscribe,
    whenLoaded,
    snapshot: view.snapshot,
    save,
    debounceMs: 1_000,
    onError: (e) => errors.push(e),
  });
  return { view, writer, loaded: () => loaded(), errors };
}

describe("snapshot writer", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("writes nothing before the doc has loaded, then writes once it has", async () => {
    const saved: ViewSnapshot[] = [];
    const { view, loaded } = setUp(async (s) => {
      saved.push(s);
    });
    view.change(5);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(saved).toHaveLength(0);
    loaded();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(saved.map((s) => s.rows[0]?.amount)).toEqual([5]);
  });

  it("rewrites after a change, debounced, and not when only the time passed", async () => {
    const saved: ViewSnapshot[] = [];
    const { view, loaded } = setUp(async (s) => {
      saved.push(s);
    });
    loaded();
    await vi.advanceTimersByTimeAsync(1_000);
    view.change(1);
    await vi.advanceTimersByTimeAsync(500);
    view.change(2);
    await vi.advanceTimersByTimeAsync(500);
    view.change(3);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(saved.map((s) => s.rows[0]?.amount)).toEqual([0, 3]);
    view.touch();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(saved).toHaveLength(2);
  });

  it("after stop() no write is under way or starts, so a deleted snapshot stays deleted", async () => {
    let finish: () => void = () => {};
    const order: string[] = [];
    const { view, writer, loaded } = setUp(
      (s) =>
        new Promise<void>((resolve) => {
          order.push(`start ${s.rows[0]?.amount}`);
          finish = () => {
            order.push("end");
            resolve();
          };
        }),
    );
    loaded();
    await vi.advanceTimersByTimeAsync(1_000);
    view.change(9);
    const stopped = writer.stop().then(() => order.push("stopped"));
    await vi.advanceTimersByTimeAsync(0);
    expect(order).toEqual(["start 0"]);
    finish();
    await stopped;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(order).toEqual(["start 0", "end", "stopped"]);
    expect(view.listenerCount()).toBe(0);
  });

  it("reports a failed write and writes again at the next change", async () => {
    let fail = true;
    const saved: number[] = [];
    const { view, loaded, errors } = setUp(async (s) => {
      if (fail) throw new Error("quota");
      saved.push(s.rows[0]?.amount ?? -1);
    });
    loaded();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(errors).toHaveLength(1);
    fail = false;
    view.touch();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(saved).toEqual([0]);
  });
});
