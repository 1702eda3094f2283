import { describe, expect, it } from "vitest";
import { AwarenessTable } from "./awareness-table.js";

describe("AwarenessTable", () => {
  it("accepts only newer clocks, and a removal at the same clock", () => {
    const t = new AwarenessTable<string>(8, 16);
    expect(t.apply([{ clientId: 1, clock: 1, state: '{"a":1}' }], "A")).toHaveLength(1);
    expect(t.apply([{ clientId: 1, clock: 1, state: '{"a":2}' }], "B")).toHaveLength(0);
    expect(t.apply([{ clientId: 1, clock: 2, state: '{"a":3}' }], "A")).toHaveLength(1);
    expect(t.apply([{ clientId: 1, clock: 2, state: "null" }], "A")).toHaveLength(1);
    expect(t.live()).toEqual([]);
  });

  it("removes the entries of a departed owner with a bumped clock", () => {
    const t = new AwarenessTable<string>(8, 16);
    t.apply([{ clientId: 5, clock: 3, state: "{}" }], "A");
    t.apply([{ clientId: 6, clock: 1, state: "{}" }], "B");
    expect(t.dropOwner("A")).toEqual([{ clientId: 5, clock: 4, state: "null" }]);
    expect(t.live().map((e) => e.clientId)).toEqual([6]);
  });

  it("ignores new client ids beyond the per-owner limit and bounds tombstones", () => {
    const t = new AwarenessTable<string>(2, 3);
    const entries = Array.from({ length: 10 }, (_, i) => ({ clientId: i, clock: 1, state: "{}" }));
    expect(t.apply(entries, "A")).toHaveLength(2);
    for (let i = 100; i < 110; i++) {
      t.apply([{ clientId: i, clock: 1, state: "{}" }], `o${i}`);
      t.dropOwner(`o${i}`);
    }
    expect(t.size).toBeLessThanOrEqual(2 + 3);
  });
});
