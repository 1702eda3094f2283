import { describe, expect, it } from "vitest";
import {
  DEFAULT_TRIGGER_CONFIG as C,
  INITIAL_TRIGGER_STATE,
  nextRunAt,
  reduceTrigger,
  type TriggerEvent,
} from "./trigger-policy.js";

const run = (events: TriggerEvent[]) => events.reduce((s, e) => reduceTrigger(s, e, C), INITIAL_TRIGGER_STATE);
const done = (at: number, ok = true, used = 0): TriggerEvent[] => [
  { type: "cycleStarted", at },
  { type: "cycleFinished", at, ok, apiUsage: { used, max: 100 } },
];

describe("trigger policy", () => {
  it("runs first at once, then on the 5-minute schedule", () => {
    expect(nextRunAt(INITIAL_TRIGGER_STATE, C)).toBe(0);
    expect(nextRunAt(run(done(1000)), C)).toBe(1000 + 300_000);
  });

  it("debounces new intents by 1 s, at most 5 s after the first", () => {
    const s = run([...done(0), { type: "intent", at: 10_000 }, { type: "intent", at: 10_500 }]);
    expect(nextRunAt(s, C)).toBe(11_500);
    const busy = run([
      ...done(0),
      ...Array.from({ length: 20 }, (_, i) => ({ type: "intent" as const, at: 10_000 + i * 900 })),
    ]);
    expect(nextRunAt(busy, C)).toBe(15_000);
    expect(nextRunAt(reduceTrigger(busy, { type: "cycleStarted", at: 15_000 }, C), C)).toBeNull();
  });

  it("syncs at once when a device connects after a quiet period, not when one is already connected", () => {
    const s = run([...done(0), { type: "deviceConnected", at: 120_000 }]);
    expect(nextRunAt(s, C)).toBe(0);
    const again = run([
      ...done(0),
      { type: "deviceConnected", at: 120_000 },
      ...done(121_000),
      { type: "deviceConnected", at: 122_000 },
    ]);
    expect(nextRunAt(again, C)).toBe(121_000 + 300_000);
  });

  it("stretches the schedule when API usage is high and backs off after failures", () => {
    expect(nextRunAt(run(done(0, true, 100)), C)).toBe(6 * 300_000);
    expect(nextRunAt(run(done(0, true, 75)), C)).toBe(Math.round(300_000 * 3.5));
    expect(nextRunAt(run(done(0, false)), C)).toBe(15_000);
    expect(nextRunAt(run([...done(0, false), ...done(15_000, false)]), C)).toBe(15_000 + 30_000);
  });

  it("runs the next cycle at once while a first sync has pages left, and backs off when one fails", () => {
    const more: TriggerEvent[] = [
      { type: "cycleStarted", at: 0 },
      { type: "cycleFinished", at: 1_000, ok: true, more: true },
    ];
    expect(nextRunAt(run(more), C)).toBe(1_000);
    const failed = run([...more, { type: "cycleStarted", at: 1_000 }, { type: "cycleFinished", at: 2_000, ok: false }]);
    expect(nextRunAt(failed, C)).toBe(2_000 + 15_000);
    const last = run([...more, { type: "cycleStarted", at: 1_000 }, { type: "cycleFinished", at: 2_000, ok: true }]);
    expect(nextRunAt(last, C)).toBe(2_000 + 300_000);
  });
});
