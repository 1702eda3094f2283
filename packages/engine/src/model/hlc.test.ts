import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareHlc, parseHlc, tickHlc } from "./hlc.js";
import { isUuidv7, uuidv7 } from "./uuid.js";

const runs = Number(process.env.TANDEM_PROP_RUNS ?? 100);

describe("hybrid logical clock", () => {
  it("round-trips and orders by wall time, then counter", () => {
    const a = tickHlc(null, 1000, "a");
    expect(parseHlc(a)).toEqual({ wallMs: 1000, counter: 0, node: "a" });
    const b = tickHlc(a, 1000, "a");
    expect(parseHlc(b)?.counter).toBe(1);
    expect(compareHlc(a, b)).toBeLessThan(0);
  });

  it("rule: ticks are strictly increasing whatever the wall clock does, and pass observed remotes", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 10_000 }), fc.option(fc.integer({ min: 0, max: 10_000 }))), {
          maxLength: 50,
        }),
        (steps) => {
          let last: string | null = null;
          for (const [wall, remoteWall] of steps) {
            const remote = remoteWall === null ? null : tickHlc(null, remoteWall, "z");
            const next = tickHlc(last, wall, "n", remote);
            if (last !== null && !(next > last)) return false;
            if (remote !== null && !(next > remote)) return false;
            last = next;
          }
          return true;
        },
      ),
      { numRuns: runs },
    );
  });
});

describe("uuidv7", () => {
  it("makes version-7 ids that sort by time", () => {
    const a = uuidv7(Date.UTC(2026, 0, 1), new Uint8Array(10).fill(255));
    const b = uuidv7(Date.UTC(2026, 0, 1) + 1, new Uint8Array(10));
    expect(isUuidv7(a)).toBe(true);
    expect(isUuidv7(b)).toBe(true);
    expect(a < b).toBe(true);
    expect(a.slice(0, 13)).toBe("019b76da-a800");
    expect(() => uuidv7(0, new Uint8Array(3))).toThrow(RangeError);
  });
});
