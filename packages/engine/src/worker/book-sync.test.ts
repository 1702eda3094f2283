/**
 * `createBookSync` against the in-memory fake org (issue 21): the Promise facade mirrors the
 * book, writes a logged call exactly once after the app's `persist`, triggers cycles on new
 * intents by itself, backs off, stops on revocation and waits for a cycle in progress on stop.
 * The clock is a manual one; nothing here depends on how long anything takes.
 */
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { createDevice } from "../device/device.js";
import { bookMaps } from "../doc/layout.js";
import type { SalesforceId } from "../model/salesforce-id.js";
import type { SyncStatus } from "../model/schemas.js";
import type { SalesforcePort } from "../port/salesforce-port.js";
import { createFakeHarness } from "../testing/fake-harness.js";
import { type FaultyPort, withFaults } from "../testing/faulty-port.js";
import { type BookSyncOptions, createBookSync } from "./book-sync.js";
import { type BookSyncSalesforce, SalesforceSignInError } from "./book-sync-salesforce.js";
import type { BookSyncStatus } from "./sync-loop.js";

const ORG_ID = "00D000000000001AAA";
const SUBJECT = "Call with Ada Lovelace";

function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** A seeded book (one open opportunity at Acme, Ada has a role on it), a manual clock, the app's doc. */
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
  org.createContactRole({ OpportunityId: opp, ContactId: ada, Role: "Decision Maker", IsPrimary: true });
  const port: FaultyPort = withFaults(h.port(user));
  let nowMs = Date.UTC(2026, 0, 5, 12);
  const doc = new Y.Doc();
  let portCalls = 0;
  /** Replaces what `salesforce.port()` does (default: the fake port). */
  let portImpl: () => Promise<SalesforcePort> = async () => port;
  const salesforce: BookSyncSalesforce = {
    userId: user,
    orgId: ORG_ID,
    port: () => {
      portCalls++;
      return portImpl();
    },
  };
  const base = (): Pick<BookSyncOptions, "doc" | "salesforce" | "now" | "random" | "retry"> => ({
    doc,
    salesforce,
    now: () => nowMs,
    random: () => 0.5,
    retry: { baseMs: 0, times: 0 },
  });
  let seq = 0;
  const device = createDevice(doc, {
    deviceId: "phone",
    now: () => new Date(nowMs),
    random: () => (++seq % 1000) / 1000,
  });
  const logCall = (): string => {
    const r = device.logActivity({ opportunityId: opp, contactId: ada, type: "call", description: "Pricing" });
    if (!r.ok) throw r.error;
    return r.value.id;
  };
  const tasks = () => [...org.activities.values()].filter((a) => a.Subject === SUBJECT);
  const receipt = (id: string) => bookMaps(doc).receipts.get(id)?.status;
  return {
    org,
    user: user as SalesforceId,
    opp,
    doc,
    port,
    salesforce,
    base,
    logCall,
    tasks,
    receipt,
    advance: (ms: number) => {
      nowMs += ms;
    },
    now: () => nowMs,
    portCalls: () => portCalls,
    setPort: (fn: () => Promise<SalesforcePort>) => {
      portImpl = fn;
    },
  };
}

/** Makes `salesforce.port()` wait until the test releases each call, in order. */
function gatedPort(t: ReturnType<typeof setup>): { next(): Promise<() => void> } {
  const calls: Array<() => void> = [];
  let notify: (() => void) | undefined;
  t.setPort(
    () =>
      new Promise((resolve) => {
        calls.push(() => resolve(t.port));
        notify?.();
      }),
  );
  return {
    async next() {
      for (;;) {
        const release = calls.shift();
        if (release) return release;
        await new Promise<void>((r) => {
          notify = r;
        });
      }
    },
  };
}

describe("createBookSync", () => {
  it("mirrors the book on syncNow and records success in meta.sync", async () => {
    const t = setup();
    const sync = createBookSync({ ...t.base(), persist: async () => {} });
    const status = await sync.syncNow();
    expect(status).toMatchObject({ state: "idle", failures: 0, lastError: null, lastErrorCode: null });
    expect(status.lastReport?.skipped).toBeNull();
    const maps = bookMaps(t.doc);
    expect([...maps.opportunities.keys()]).toEqual([t.opp]);
    expect(maps.contacts.size).toBe(1);
    expect((maps.meta.get("sync") as SyncStatus).state).toBe("idle");
    expect(maps.meta.get("userId")).toBe(t.user);
    await sync.stop();
    expect(sync.status()).toMatchObject({ state: "stopped", stoppedReason: "stopped", nextRunAt: null });
  });

  it("runs a cycle by itself when a device logs a call, and its receipt reaches applied", async () => {
    const t = setup();
    let applied: (() => void) | undefined;
    let intentId = "";
    const sync = createBookSync({
      ...t.base(),
      persist: async () => {},
      schedule: { debounceMs: 0, maxDebounceMs: 0 },
      onCycle: () => {
        if (intentId !== "" && t.receipt(intentId) === "applied") applied?.();
      },
    });
    await sync.syncNow();
    const done = new Promise<void>((r) => {
      applied = r;
    });
    intentId = t.logCall();
    expect(t.receipt(intentId)).toBeUndefined();
    await done; // no syncNow: the intent's debounced trigger ran the cycle
    expect(t.tasks()).toHaveLength(1);
    expect(t.tasks()[0]).toMatchObject({ WhoId: expect.any(String), WhatId: t.opp, Status: "Completed" });
    await sync.stop();
  });

  it("awaits persist before the push: while it is pending nothing reached Salesforce", async () => {
    const t = setup();
    let gate: Promise<void> | undefined;
    const persisting = deferred();
    const sync = createBookSync({
      ...t.base(),
      persist: async (doc) => {
        expect(doc).toBe(t.doc);
        persisting.resolve();
        await gate;
      },
    });
    await sync.syncNow();
    const release = deferred();
    gate = release.promise;
    const id = t.logCall();
    const done = sync.syncNow();
    await persisting.promise;
    // The write-ahead receipt is in the doc, the call is not in Salesforce yet.
    expect(t.receipt(id)).toBe("sending");
    expect(t.tasks()).toHaveLength(0);
    release.resolve();
    const status = await done;
    expect(status.lastErrorCode).toBeNull();
    expect(t.receipt(id)).toBe("applied");
    expect(t.tasks()).toHaveLength(1);
    await sync.stop();
  });

  it("pushes nothing when persist rejects (PersistFailed), and the next BookSync resolves the abandoned send once", async () => {
    const t = setup();
    const first = createBookSync({
      ...t.base(),
      persist: async () => {
        throw new Error("disk full");
      },
    });
    await first.syncNow();
    const id = t.logCall();
    const failed = await first.syncNow();
    expect(failed).toMatchObject({ state: "backoff", failures: 1, lastErrorCode: "PersistFailed" });
    expect(failed.lastError).toMatch(/nothing was sent/);
    expect(t.tasks()).toHaveLength(0);
    expect(t.receipt(id)).toBe("sending");
    const meta = bookMaps(t.doc).meta.get("sync") as SyncStatus;
    expect(meta.state).toBe("error");
    expect(meta.lastError?.code).toBe("PersistFailed");
    // The same loop's next cycle counts the send as in flight (its lease has not run out)…
    await first.syncNow();
    expect(t.receipt(id)).toBe("sending");
    await first.stop();

    // …a new one treats it as abandoned on its first cycle: looked up, then written once.
    const second = createBookSync({ ...t.base(), persist: async () => {} });
    const status = await second.syncNow();
    expect(status.lastErrorCode).toBeNull();
    expect(t.receipt(id)).toBe("applied");
    expect(t.tasks()).toHaveLength(1);
    await second.stop();
  });

  it("backs off after a failure (state backoff, failures 1) and the next syncNow succeeds", async () => {
    const t = setup();
    const sync = createBookSync({ ...t.base(), persist: async () => {} });
    t.port.inject("pullScope", "unavailable");
    const failed = await sync.syncNow();
    expect(failed).toMatchObject({ state: "backoff", failures: 1, lastErrorCode: "Unavailable" });
    expect(failed.nextRunAt).toBeGreaterThan(t.now());
    expect((bookMaps(t.doc).meta.get("sync") as SyncStatus).lastError?.code).toBe("Unavailable");

    const ok = await sync.syncNow();
    expect(ok).toMatchObject({ state: "idle", failures: 0, lastError: null, lastErrorCode: null });
    expect(bookMaps(t.doc).opportunities.has(t.opp)).toBe(true);

    // A port that cannot be built (a sign-in that failed for now) backs off the same way.
    t.setPort(async () => {
      throw new SalesforceSignInError({ code: "token_unavailable", revoked: false, message: "try later" });
    });
    const noPort = await sync.syncNow();
    expect(noPort).toMatchObject({ state: "backoff", failures: 1, lastErrorCode: "token_unavailable" });
    expect((bookMaps(t.doc).meta.get("sync") as SyncStatus).lastError?.code).toBe("token_unavailable");
    await sync.stop();
  });

  it("stops and calls onRevoked once when Salesforce revokes the grant (fault injection)", async () => {
    const t = setup();
    const revoked: string[] = [];
    const sync = createBookSync({ ...t.base(), persist: async () => {}, onRevoked: (m) => revoked.push(m) });
    await sync.syncNow();
    t.port.inject("pullScope", "revoked");
    const status = await sync.syncNow();
    expect(status).toMatchObject({ state: "stopped", stoppedReason: "revoked", lastErrorCode: "Revoked" });
    expect(revoked).toHaveLength(1);
    const calls = t.portCalls();
    expect(await sync.syncNow()).toMatchObject({ state: "stopped" });
    expect(t.portCalls()).toBe(calls);
    await sync.stop();
    expect(sync.status().stoppedReason).toBe("revoked");
    expect(revoked).toHaveLength(1);
  });

  it("stops on a port() that rejects with a revoked SalesforceSignInError, recording it in meta.sync", async () => {
    const t = setup();
    const revoked: string[] = [];
    t.setPort(async () => {
      throw new SalesforceSignInError({ code: "invalid_grant", revoked: true, message: "sign in again" });
    });
    const sync = createBookSync({ ...t.base(), persist: async () => {}, onRevoked: (m) => revoked.push(m) });
    const status = await sync.syncNow();
    expect(status).toMatchObject({ state: "stopped", stoppedReason: "revoked", lastErrorCode: "invalid_grant" });
    expect(revoked).toEqual(["sign in again"]);
    expect((bookMaps(t.doc).meta.get("sync") as SyncStatus).lastError).toMatchObject({ code: "invalid_grant" });
    // Stopped: a device connecting schedules nothing, and syncNow asks Salesforce for nothing.
    sync.deviceConnected();
    expect(sync.status().nextRunAt).toBeNull();
    expect(await sync.syncNow()).toMatchObject({ state: "stopped" });
    expect(t.portCalls()).toBe(1);
  });

  it("stop() waits for the cycle in progress; syncNow during a cycle waits for the next one", async () => {
    const t = setup();
    const events: string[] = [];
    const sync = createBookSync({
      ...t.base(),
      persist: async () => {},
      onCycle: (s: BookSyncStatus) => events.push(`cycle ${s.state}`),
    });
    await sync.syncNow();
    events.length = 0;

    // Two syncNow while the first waits for its port: the second waits for a second cycle.
    const gate = gatedPort(t);
    const one = sync.syncNow().then(() => events.push("one"));
    expect(sync.status().state).toBe("syncing");
    const two = sync.syncNow().then(() => events.push("two"));
    (await gate.next())();
    await one;
    (await gate.next())();
    await two;
    expect(events).toEqual(["cycle idle", "one", "cycle idle", "two"]);

    events.length = 0;
    const running = sync.syncNow();
    const release = await gate.next(); // a cycle is in progress, waiting for its port
    const stopped = sync.stop().then(() => events.push("stopped"));
    // Asked after stop: answered at once, no cycle; stop itself still waits for the cycle.
    expect((await sync.syncNow()).state).toBe("stopped");
    expect(events).toEqual([]);
    release();
    await stopped;
    await running;
    expect(events).toEqual(["cycle stopped", "stopped"]);
    expect(sync.status().lastReport?.skipped).toBeNull();
  });

  it("refuses options a plain-JS caller got wrong, naming the option", () => {
    const t = setup();
    const persist = async () => {};
    expect(() => createBookSync({ ...t.base(), doc: {} as Y.Doc, persist })).toThrow(/`doc`/);
    expect(() => createBookSync({ ...t.base(), salesforce: { userId: t.user } as never, persist })).toThrow(
      /`salesforce`/,
    );
    expect(() => createBookSync({ ...t.base(), persist: undefined as never })).toThrow(/`persist`/);
  });
});
