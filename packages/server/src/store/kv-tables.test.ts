import { describe, expect, it } from "vitest";
import { KvTables, pruneWhenIdle } from "./kv-tables.js";

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function ticket(id: string, expiresAt: number) {
  return { id, orgId: "00D", userId: "005", room: "book:00D:005", expiresAt } as const;
}

describe("pruneWhenIdle", () => {
  it("drops expired tickets and tombstones with no further take, and keeps those not expired", async () => {
    // The callers' clock, far from this process's own.
    const now = 5_000_000;
    const kv = new KvTables();
    kv.apply({ t: "ticket", v: ticket("taken", now + 40) });
    kv.apply({ t: "ticket", v: ticket("never-taken", now + 80) });
    kv.apply({ t: "ticket", v: ticket("long-lived", now + 600_000) });
    const pruner = pruneWhenIdle(kv, 0);
    const { op } = kv.decideTake("taken", now);
    if (op) kv.apply(op);
    pruner.took(now);
    expect(kv.usedTickets.size).toBe(1);
    expect(kv.tickets.size).toBe(2);
    for (let i = 0; i < 300 && (kv.usedTickets.size > 0 || kv.tickets.size > 1); i++) await sleep(10);
    expect(kv.usedTickets.size).toBe(0);
    expect([...kv.tickets.keys()]).toEqual(["long-lived"]);
    // The timer is armed for the ticket left, and never fires early.
    await sleep(100);
    expect([...kv.tickets.keys()]).toEqual(["long-lived"]);
    pruner.stop();
  });
});

describe("the per-user index of live tickets", () => {
  it("counts only unexpired, untaken tickets, and goes with them (no entry outlives its ticket)", () => {
    const kv = new KvTables();
    kv.apply({ t: "ticket", v: ticket("a", 100) });
    kv.apply({ t: "ticket", v: ticket("b", 200) });
    kv.apply({ t: "ticket", v: { ...ticket("c", 200), userId: "006", room: "book:00D:006" } });
    expect(kv.liveTickets("00D", "005", 50)).toBe(2);
    expect(kv.liveTickets("00D", "005", 150)).toBe(1);
    const { op } = kv.decideTake("b", 50);
    if (op) kv.apply(op);
    expect(kv.liveTickets("00D", "005", 50)).toBe(1);
    kv.prune(300, 0, true);
    expect(kv.tickets.size).toBe(0);
    expect(kv.userTickets.size).toBe(0);
  });
});
