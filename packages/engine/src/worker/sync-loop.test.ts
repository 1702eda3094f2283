/**
 * The worker loop's host hooks, as the server uses them (issue 21): `standby` cycles do nothing
 * and count as fine, a cycle whose hold was `lost` records no error, `resetEpoch` makes the next
 * cycle treat `sending` receipts as abandoned, and `afterCycle` sees every outcome before the
 * hold is released. Against the in-memory fake org, with a manual clock.
 */
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { createDevice } from "../device/device.js";
import { bookMaps } from "../doc/layout.js";
import { createFakeHarness } from "../testing/fake-harness.js";
import { SyncLoop, type SyncLoopHold, type SyncLoopOutcome } from "./sync-loop.js";

function setup() {
  const h = createFakeHarness();
  const org = h.fakeOrg;
  const [user] = h.users;
  const account = org.createAccount({ Name: "Acme" });
  const ada = org.createContact({
    AccountId: account,
    FirstName: "Ada",
    LastName: "Lovelace",
    Email: "ada@acme.example",
  });
  const opp = org.createOpportunity({
    Name: "Acme renewal",
    AccountId: account,
    OwnerId: user,
    StageName: "Prospecting",
    CloseDate: "2026-03-31",
  });
  const port = h.port(user);
  const nowMs = Date.UTC(2026, 0, 5, 12);
  const doc = new Y.Doc();
  const log: string[] = [];
  const outcomes: SyncLoopOutcome[] = [];
  const host = {
    mode: "hold" as "hold" | "standby",
    persistFails: false,
    lostOnFailure: false,
  };
  const loop = new SyncLoop({
    salesforce: { userId: user, orgId: "00D000000000001AAA", port: async () => port },
    acquire: async (): Promise<SyncLoopHold | "standby"> => {
      if (host.mode === "standby") return "standby";
      log.push("acquire");
      let refused = false;
      return {
        doc,
        beforeWrite: async () => {
          if (host.persistFails) {
            refused = host.lostOnFailure;
            throw new Error("store refused the write");
          }
        },
        release: () => log.push("release"),
        lost: () => refused,
      };
    },
    afterCycle: (o) => {
      log.push(`after ${o.kind}`);
      outcomes.push(o);
    },
    now: () => nowMs,
    random: () => 0.5,
    retry: { baseMs: 0, times: 0 },
  });
  let seq = 0;
  const device = createDevice(doc, { deviceId: "d", now: () => new Date(nowMs), random: () => (++seq % 100) / 100 });
  const logCall = (): string => {
    const r = device.logActivity({ opportunityId: opp, contactId: ada, type: "call" });
    if (!r.ok) throw r.error;
    return r.value.id;
  };
  const receipt = (id: string) => bookMaps(doc).receipts.get(id)?.status;
  const tasks = () => [...org.activities.values()].filter((a) => a.Subject === "Call with Ada Lovelace");
  return { loop, host, log, outcomes, doc, logCall, receipt, tasks };
}

describe("SyncLoop host hooks", () => {
  it("reports each outcome to afterCycle before releasing the hold; a standby cycle does nothing", async () => {
    const t = setup();
    await t.loop.syncNow();
    expect(t.log).toEqual(["acquire", "after ok", "release"]);
    const ok = t.outcomes[0];
    expect(ok?.kind === "ok" && ok.doc === t.doc && ok.report.skipped === null).toBe(true);

    t.host.mode = "standby";
    t.log.length = 0;
    const status = await t.loop.syncNow();
    expect(t.log).toEqual(["after standby"]);
    expect(status).toMatchObject({ state: "idle", failures: 0, lastError: null });
    await t.loop.stop();
  });

  it("records no error for a cycle whose hold was lost mid-cycle, but backs off", async () => {
    const t = setup();
    await t.loop.syncNow();
    t.logCall();
    t.host.persistFails = true;
    t.host.lostOnFailure = true;
    const status = await t.loop.syncNow();
    expect(t.outcomes.at(-1)?.kind).toBe("lost");
    expect(status).toMatchObject({ state: "backoff", failures: 1, lastError: null, lastErrorCode: null });
    expect(t.tasks()).toHaveLength(0);

    // Not lost: the same refusal is the book's failure.
    t.host.lostOnFailure = false;
    t.logCall();
    const failed = await t.loop.syncNow();
    const last = t.outcomes.at(-1);
    expect(last?.kind === "failed" && last.failure.code === "PersistFailed").toBe(true);
    expect(last?.kind === "failed" && last.cause instanceof Error && last.cause.message).toBe(
      "store refused the write",
    );
    expect(failed).toMatchObject({ state: "backoff", failures: 2, lastErrorCode: "PersistFailed" });
    await t.loop.stop();
  });

  it("after resetEpoch, the next cycle resolves a send the loop itself had counted as in flight", async () => {
    const t = setup();
    await t.loop.syncNow();
    const id = t.logCall();
    t.host.persistFails = true;
    await t.loop.syncNow();
    expect(t.receipt(id)).toBe("sending");
    t.host.persistFails = false;
    // Not the first cycle: the send's lease has not run out, so it is left alone.
    await t.loop.syncNow();
    expect(t.receipt(id)).toBe("sending");

    t.loop.resetEpoch(); // a new lease epoch: a cycle runs at once
    expect(t.loop.status().state).toBe("syncing");
    await t.loop.syncNow();
    expect(t.receipt(id)).toBe("applied");
    expect(t.tasks()).toHaveLength(1);
    await t.loop.stop();
  });
});

describe("SyncLoop hook failures", () => {
  it("gives a throwing hook to onHookError and keeps running cycles", async () => {
    const h = createFakeHarness();
    const [user] = h.users;
    const port = h.port(user);
    const doc = new Y.Doc();
    const heard: unknown[] = [];
    let afterCalls = 0;
    const loop = new SyncLoop({
      salesforce: { userId: user, orgId: "00D000000000001AAA", port: async () => port },
      acquire: async () => ({ doc, beforeWrite: async () => {}, release: () => {} }),
      afterCycle: () => {
        afterCalls++;
        throw new Error("metrics bug");
      },
      onHookError: (err) => heard.push(err),
      now: () => Date.UTC(2026, 0, 5, 12),
      random: () => 0.5,
      retry: { baseMs: 0, times: 0 },
    });
    loop.start();
    const first = await loop.syncNow();
    const second = await loop.syncNow();
    await loop.stop();
    expect(afterCalls).toBe(2);
    expect(heard.map((e) => (e as Error).message)).toEqual(["metrics bug", "metrics bug"]);
    expect(first.lastErrorCode).toBeNull();
    expect(second.state).toBe("idle");
    expect(second.lastReport).not.toBeNull();
  });
});
