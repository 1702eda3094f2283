import { describe, expect, it } from "vitest";
import { gapEvent } from "./change-events.js";
import { ChangeEventLog, RETENTION_MS } from "./event-log.js";

const tx = { transactionKey: "k", commitTimestamp: 0, commitUser: "005", commitNumber: 1, changeOrigin: "" };
const append = (log: ChangeEventLog) => log.append("Account", gapEvent("Account", ["001"], "GAP_UPDATE", tx));

describe("ChangeEventLog", () => {
  it("numbers events 1, 2, … and replays -1 (none), -2 (all) and after a given id", () => {
    let now = 0;
    const log = new ChangeEventLog(() => now);
    const ids = [append(log), append(log), append(log)].map((e) => e.data.event.replayId);
    expect(ids).toEqual([1, 2, 3]);
    const replayed = (v: unknown) => {
      const r = log.replayFrom(v);
      return r.kind === "ok" ? r.events.map((e) => e.data.event.replayId) : r.kind;
    };
    expect(replayed(-1)).toEqual([]);
    expect(replayed(-2)).toEqual([1, 2, 3]);
    expect(replayed(1)).toEqual([2, 3]);
    expect(replayed(3)).toEqual([]);
    expect(replayed(4)).toBe("invalid");
    expect(replayed("1")).toBe("invalid");
    now = RETENTION_MS - 1;
    expect(replayed(1)).toEqual([2, 3]);
  });

  it("drops events after 72 hours of org time and refuses their ids", () => {
    let now = 0;
    const log = new ChangeEventLog(() => now);
    append(log);
    now = 3600_000;
    append(log);
    now = RETENTION_MS + 1;
    expect(log.retained().map((e) => e.data.event.replayId)).toEqual([2]);
    expect(log.replayFrom(1).kind).toBe("invalid");
    expect(log.replayFrom(2)).toEqual({ kind: "ok", events: [] });
    now = RETENTION_MS + 3600_000 + 1;
    expect(log.replayFrom(2).kind).toBe("invalid");
    expect(log.replayFrom(-2)).toEqual({ kind: "ok", events: [] });
  });

  it("a log started after a restart issues ids above the old ones", () => {
    const log = new ChangeEventLog(() => 0, 1_800_000_000_000);
    expect(append(log).data.event.replayId).toBe(1_800_000_000_000);
    expect(log.replayFrom(5).kind).toBe("invalid");
  });
});
