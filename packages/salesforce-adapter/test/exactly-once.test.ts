/**
 * Exactly-once write-back, driven through the engine's runner (write-ahead `sending` receipts,
 * lookup before any retry) with this adapter against the emulator over HTTP, under every
 * emulator fault and a worker killed between the `sending` receipt and the response. The
 * assertion counts the Tasks in the emulator: exactly one per logged activity, every receipt
 * final.
 */
import { bookMaps, createDevice, idempotencyKeyFor, type SalesforcePort } from "@tandem/engine";
import { createEmulator, type Emulator } from "@tandem/salesforce-emulator";
import { Effect, Exit } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import type { SignedInTokens } from "../src/auth/oauth.js";
import { clearFaults, connectionFor, injectFault, portFor, queryAllRows, runnerCycle, signIn } from "./harness.js";

let sf: Emulator;
let me: SignedInTokens;

beforeAll(async () => {
  sf = await createEmulator({ port: 0, dataset: "small", seed: "exactly-once" });
  const [a] = sf.users;
  if (a === undefined) throw new Error("a user needed");
  me = await signIn(sf, a.username);
});

afterAll(async () => {
  await sf.close();
});

/** A worker's book: the doc, what is on "disk", and one cycle. */
function createWorker(port: () => SalesforcePort) {
  const state = { doc: new Y.Doc(), disk: null as Uint8Array | null };
  const cycle = () =>
    runnerCycle(sf, me, state.doc, port(), {
      beforeWrite: (doc) =>
        Effect.sync(() => {
          state.disk = Y.encodeStateAsUpdate(doc);
        }),
      retry: { baseMs: 5, times: 4 },
      batchSize: 3,
      sendingLeaseMs: 0,
    });
  /** The worker dies: everything not on disk is lost. */
  const crash = () => {
    const doc = new Y.Doc();
    if (state.disk !== null) Y.applyUpdate(doc, state.disk);
    state.doc = doc;
  };
  return { state, cycle, crash };
}

/** Logs `n` calls on a device against one opportunity of the mirrored book; answers the intent ids. */
function logCalls(doc: Y.Doc, n: number, tag: string): string[] {
  const maps = bookMaps(doc);
  const role = [...maps.contactRoles.values()][0];
  if (role === undefined) throw new Error("the book has no contact role");
  const device = createDevice(doc, { deviceId: `phone-${tag}`, now: () => sf.control.now(), random: Math.random });
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const logged = device.logActivity({
      opportunityId: role.OpportunityId,
      contactId: role.ContactId,
      type: "call",
      description: `${tag} #${i}`,
      durationSeconds: 60,
    });
    if (!logged.ok) throw logged.error;
    ids.push(logged.value.id);
  }
  device.dispose();
  return ids;
}

/** The Tasks in the emulator carrying each intent's key. */
async function tasksPerIntent(intentIds: ReadonlyArray<string>): Promise<Map<string, number>> {
  const rows = await queryAllRows(
    connectionFor(me),
    "SELECT Id, CallObject FROM Task WHERE CallObject LIKE 'tandem:%'",
  );
  const counts = new Map<string, number>(intentIds.map((id) => [id, 0]));
  for (const id of intentIds) {
    const value = `tandem:${idempotencyKeyFor(id)}`;
    counts.set(id, rows.filter((r) => r.CallObject === value).length);
  }
  return counts;
}

async function syncUntilFinal(worker: ReturnType<typeof createWorker>, intentIds: ReadonlyArray<string>) {
  const receipts = () => intentIds.map((id) => bookMaps(worker.state.doc).receipts.get(id)?.status);
  let foundByLookup = 0;
  for (let i = 0; i < 8; i++) {
    const exit = await worker.cycle();
    if (Exit.isSuccess(exit)) foundByLookup += exit.value.foundByLookup;
    if (receipts().every((s) => s === "applied" || s === "failed")) break;
  }
  return { statuses: receipts(), foundByLookup };
}

const FAULTS = [
  { name: "drop-after-commit", kind: "drop-after-commit", count: 1 },
  { name: "UNABLE_TO_LOCK_ROW", kind: "UNABLE_TO_LOCK_ROW", count: 1 },
  { name: "REQUEST_LIMIT_EXCEEDED", kind: "REQUEST_LIMIT_EXCEEDED", count: 1 },
  { name: "INVALID_SESSION_ID mid-batch", kind: "INVALID_SESSION_ID", count: 1, afterOk: 1 },
  { name: "SERVER_UNAVAILABLE", kind: "SERVER_UNAVAILABLE", count: 1 },
] as const;

describe("exactly-once under emulator faults (through the engine runner)", () => {
  for (const fault of FAULTS) {
    it(`${fault.name}: one Task per logged activity, every receipt applied`, async () => {
      let refreshed = 0;
      const port = portFor(sf, me, { now: () => sf.control.now(), onTokenRefresh: () => refreshed++ });
      const worker = createWorker(() => port);
      expect(Exit.isSuccess(await worker.cycle())).toBe(true);
      const intents = logCalls(worker.state.doc, 7, fault.name);
      const match = { method: fault.kind === "INVALID_SESSION_ID" ? undefined : "POST", path: "/composite/sobjects" };
      // "Mid-batch": let the first collection call through, fault the second.
      if ("afterOk" in fault) await injectFault(sf.url, { match, kind: "latency", ms: 0, count: fault.afterOk });
      await injectFault(sf.url, { match, kind: fault.kind, count: fault.count });
      const { statuses, foundByLookup } = await syncUntilFinal(worker, intents);
      // The fault did fire.
      expect(sf.control.faults()).toEqual([]);
      await clearFaults(sf.url);
      expect(statuses.every((s) => s === "applied")).toBe(true);
      // A write lost after commit is resolved by looking its key up, never by writing again.
      if (fault.kind === "drop-after-commit") expect(foundByLookup).toBe(3);
      // A 401 mid-batch goes through jsforce's refresh path, and the new token is reported.
      if (fault.kind === "INVALID_SESSION_ID") expect(refreshed).toBe(1);
      const counts = await tasksPerIntent(intents);
      expect([...counts.values()]).toEqual(intents.map(() => 1));
      // The mirror holds each created Task once, linked to its intent's receipt.
      const receipts = bookMaps(worker.state.doc).receipts;
      const salesforceIds = intents.map((id) => receipts.get(id)?.salesforceId);
      expect(new Set(salesforceIds).size).toBe(intents.length);
    });
  }

  it("a worker killed between the sending receipt and the response: the restarted worker looks the keys up, no duplicates", async () => {
    const real = portFor(sf, me, { now: () => sf.control.now() });
    let killOnPush = false;
    const dying: SalesforcePort = {
      ...real,
      // The request reaches Salesforce and commits; the worker dies before it sees the answer.
      push: (writes) =>
        killOnPush ? Effect.flatMap(real.push(writes), () => Effect.die("worker killed")) : real.push(writes),
    };
    const worker = createWorker(() => dying);
    expect(Exit.isSuccess(await worker.cycle())).toBe(true);
    worker.state.disk = Y.encodeStateAsUpdate(worker.state.doc);
    const intents = logCalls(worker.state.doc, 4, "crash");
    killOnPush = true;
    const died = await worker.cycle();
    expect(Exit.isFailure(died)).toBe(true);
    worker.crash();
    const onDisk = intents.map((id) => bookMaps(worker.state.doc).receipts.get(id)?.status);
    expect(onDisk.some((s) => s === "sending")).toBe(true);
    killOnPush = false;
    const { statuses, foundByLookup } = await syncUntilFinal(worker, intents);
    expect(statuses.every((s) => s === "applied")).toBe(true);
    expect(foundByLookup).toBeGreaterThan(0);
    expect([...(await tasksPerIntent(intents)).values()]).toEqual(intents.map(() => 1));
  });
});
