/**
 * Sync workers end to end (issue 7): the real emulator as the org, the server in process,
 * two stock y-websocket devices signed in as the same user through `/auth/login`.
 *
 * - both devices show exactly the user's scope (checked with independent SOQL as that user);
 * - a call logged on a disconnected device becomes exactly one completed Task once it
 *   reconnects, and both devices show the `applied` receipt with the Task's id;
 * - changes made by another user reach both devices after a cycle, and a reassigned
 *   opportunity disappears from both;
 * - revoking the grant at the org ends the sessions, closes the sockets and stops the worker.
 */
import { type BookSnapshot, bookMaps, createDevice, type Receipt } from "@tandem/engine";
import type { Emulator, EmulatorUser } from "@tandem/salesforce-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestServer } from "./helpers.js";
import { type Device, type OrgSession, openDevice, signIn, startTeamOrg, until } from "./sync-helpers.js";

let emu: Emulator;
let t: TestServer;
let user: EmulatorUser;
let other: EmulatorUser;
let asUser: OrgSession;
let asOther: OrgSession;
let cookieA: string;
let cookieB: string;
let a: Device;
let b: Device;

beforeAll(async () => {
  ({ emu, t, user, other, asUser, asOther } = await startTeamOrg());
  cookieA = await signIn(t.server.url, user.username);
  cookieB = await signIn(t.server.url, user.username);
  a = await openDevice(t.server.url, cookieA);
  b = await openDevice(t.server.url, cookieB);
});

afterAll(async () => {
  a?.destroy();
  b?.destroy();
  await t?.close();
  await emu?.close();
});

function ids(d: Device, map: "opportunities" | "contacts"): string[] {
  return [...bookMaps(d.doc)[map].keys()].sort();
}

function receiptOf(d: Device, intentId: string): Receipt | undefined {
  return bookMaps(d.doc).receipts.get(intentId);
}

/** Logs a call on device `d` against the first opportunity that has a contact; returns the intent id. */
function logCall(d: Device, description: string): { intentId: string; contactId: string; opportunityId: string } {
  const maps = bookMaps(d.doc);
  const opp = [...maps.opportunities.values()].find((o) =>
    [...maps.contacts.values()].some((c) => c.AccountId === o.AccountId),
  );
  const contact = [...maps.contacts.values()].find((c) => c.AccountId === opp?.AccountId);
  if (!opp || !contact) throw new Error("the book has an opportunity with a contact");
  const device = createDevice(d.doc, {
    deviceId: "device-a",
    now: () => new Date(),
    random: () => crypto.getRandomValues(new Uint8Array(16)),
  });
  const logged = device.logActivity({ opportunityId: opp.Id, contactId: contact.Id, type: "call", description });
  device.dispose();
  if (!logged.ok) throw new Error(logged.error.message);
  return { intentId: logged.value.id, contactId: contact.Id, opportunityId: opp.Id };
}

async function syncNow(cookie: string): Promise<void> {
  const res = await fetch(`${t.server.url}/api/sync`, { method: "POST", headers: { cookie } });
  expect(res.status).toBe(200);
}

describe("sync workers", () => {
  it("both devices show exactly the user's scope", async () => {
    const expected = (
      await asUser.query<{ Id: string }>(`SELECT Id FROM Opportunity WHERE OwnerId = '${user.id}' AND IsClosed = false`)
    )
      .map((r) => r.Id)
      .sort();
    expect(expected.length).toBeGreaterThan(0);
    await until(() => ids(a, "opportunities").length === expected.length, "device A's first sync");
    await until(() => ids(b, "opportunities").length === expected.length, "device B's first sync");
    expect(ids(a, "opportunities")).toEqual(expected);
    expect(ids(b, "opportunities")).toEqual(expected);
    // Every contact at those opportunities' accounts, and nothing else.
    const accountIds = [...new Set([...bookMaps(a.doc).opportunities.values()].map((o) => o.AccountId))];
    const contacts = (
      await asUser.query<{ Id: string }>(
        `SELECT Id FROM Contact WHERE AccountId IN (${accountIds.map((id) => `'${id}'`).join(",")})`,
      )
    )
      .map((r) => r.Id)
      .sort();
    expect(ids(a, "contacts")).toEqual(contacts);
    expect(ids(b, "contacts")).toEqual(contacts);
  });

  it("a call logged offline becomes exactly one completed Task, and both devices show it applied", async () => {
    a.provider.disconnect();
    await until(() => !a.provider.wsconnected, "device A offline");
    const maps = bookMaps(a.doc);
    const opp = [...maps.opportunities.values()].find((o) =>
      [...maps.contacts.values()].some((c) => c.AccountId === o.AccountId),
    );
    const contact = [...maps.contacts.values()].find((c) => c.AccountId === opp?.AccountId);
    if (!opp || !contact) throw new Error("the book has an opportunity with a contact");
    const device = createDevice(a.doc, {
      deviceId: "device-a",
      now: () => new Date(),
      random: () => crypto.getRandomValues(new Uint8Array(16)),
    });
    const logged = device.logActivity({
      opportunityId: opp.Id,
      contactId: contact.Id,
      type: "call",
      description: "Walked through the renewal terms.",
    });
    if (!logged.ok) throw new Error(logged.error.message);
    const intentId = logged.value.id;
    await a.reconnect();
    await until(() => receiptOf(a, intentId)?.status === "applied", "the applied receipt on device A");
    await until(() => receiptOf(b, intentId)?.status === "applied", "the applied receipt on device B");
    const taskId = receiptOf(a, intentId)?.salesforceId;
    expect(taskId).toMatch(/^00T[a-zA-Z0-9]{15}$/);
    expect(receiptOf(b, intentId)?.salesforceId).toBe(taskId);

    const tasks = await asUser.query<Record<string, unknown>>(
      `SELECT Id, WhoId, WhatId, Status, Subject, Description, TaskSubtype FROM Task WHERE CallObject LIKE '%${intentId}%'`,
    );
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({
      Id: taskId,
      WhoId: contact.Id,
      WhatId: opp.Id,
      Status: "Completed",
      Subject: `Call with ${contact.Name}`,
      Description: "Walked through the renewal terms.",
      TaskSubtype: "Call",
    });
    device.dispose();
  });

  it("changes by another user reach both devices, and a reassigned opportunity leaves both", async () => {
    const [changed, reassigned] = ids(a, "opportunities");
    if (!changed || !reassigned) throw new Error("the book has two opportunities");
    await asOther.patch("Opportunity", changed, { Description: "Updated by a colleague" });
    await asOther.patch("Opportunity", reassigned, { OwnerId: other.id });
    await syncNow(cookieA);
    for (const d of [a, b]) {
      await until(
        () => bookMaps(d.doc).opportunities.get(changed)?.Description === "Updated by a colleague",
        "the colleague's edit",
      );
      await until(() => !bookMaps(d.doc).opportunities.has(reassigned), "the reassigned opportunity to leave");
    }
  });

  it.each([
    "drop-after-commit",
    "UNABLE_TO_LOCK_ROW",
    "REQUEST_LIMIT_EXCEEDED",
    "INVALID_SESSION_ID",
    "SERVER_UNAVAILABLE",
  ] as const)("under %s on the push, the call still becomes exactly one Task", async (kind) => {
    emu.control.addFault({ match: { method: "POST", path: "/composite/sobjects$" }, kind, count: 1 });
    const { intentId } = logCall(a, `Fault ${kind}`);
    await until(
      async () => {
        const r = receiptOf(b, intentId);
        if (r?.status === "applied") return true;
        // Retries after a rate limit wait for the worker's backoff; "sync now" shortens it.
        if (r?.status === "sending" && r.error !== undefined) await syncNow(cookieA);
        return false;
      },
      `the applied receipt after ${kind}`,
      60_000,
    );
    expect(emu.control.faults()).toEqual([]);
    const tasks = await asUser.query<{ Id: string }>(`SELECT Id FROM Task WHERE CallObject LIKE '%${intentId}%'`);
    expect(tasks.map((x) => x.Id)).toEqual([receiptOf(a, intentId)?.salesforceId]);
  });

  it("/api/status shows the worker and the receipt chain of recent intents", async () => {
    const res = await fetch(`${t.server.url}/api/status`, { headers: { cookie: cookieB } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      worker: { state: string; lastError: string | null };
      sync: BookSnapshot["sync"] | null;
      intents: Array<{ intent: { kind: string }; receipt: Receipt | null }>;
    };
    expect(body.worker.lastError).toBeNull();
    expect(body.intents.length).toBeGreaterThanOrEqual(6);
    for (const chain of body.intents) {
      expect(chain.intent.kind).toBe("logActivity");
      expect(chain.receipt?.status).toBe("applied");
    }
    const metrics = await (await fetch(`${t.server.url}/metrics`)).text();
    expect(metrics).toMatch(/tandem_sync_cycles_total\{outcome="ok"\} [1-9]/);
    expect(metrics).toMatch(/tandem_salesforce_calls_total [1-9]/);
  });

  it("a stale instance URL (the org moved) heals: the worker rebuilds its connection from refreshed tokens", async () => {
    await t.server.sync?.stop(emu.orgId, user.id, "test restart");
    const tokens = await t.server.auth.workerTokens(emu.orgId, user.id);
    // Port 9 on loopback refuses connections: every call to this "instance" fails.
    await t.server.auth.rememberTokens(emu.orgId, user.id, { ...tokens, instanceUrl: "http://127.0.0.1:9" });
    const first = await fetch(`${t.server.url}/api/sync`, { method: "POST", headers: { cookie: cookieA } });
    const { worker } = (await first.json()) as { worker: { lastError: string | null } };
    expect(worker.lastError).not.toBeNull();
    await syncNow(cookieA);
    expect(t.server.sync?.status(a.room)).toMatchObject({ lastError: null, state: "idle" });
    expect((await t.server.auth.workerTokens(emu.orgId, user.id)).instanceUrl).toBe(emu.url);
  }, 90_000);

  it("a grant revoked at the org ends the sessions, closes the sockets and stops the worker", async () => {
    expect(emu.control.revokeUser(user.id)).toBe(true);
    emu.control.expireAccessTokens(user.id);
    const res = await fetch(`${t.server.url}/api/sync`, { method: "POST", headers: { cookie: cookieA } });
    expect(res.status).toBe(200);
    const { worker } = (await res.json()) as { worker: { state: string; stoppedReason: string | null } };
    expect(worker).toMatchObject({ state: "stopped", stoppedReason: "revoked" });
    await until(() => a.closeCodes.includes(4001) && b.closeCodes.includes(4001), "both sockets closed as revoked");
    expect((await fetch(`${t.server.url}/api/me`, { headers: { cookie: cookieA } })).status).toBe(401);
    expect((await fetch(`${t.server.url}/api/me`, { headers: { cookie: cookieB } })).status).toBe(401);
    expect(t.server.sync?.status(a.room)).toBeNull();
    // The book stays readable on the devices.
    expect(ids(b, "opportunities").length).toBeGreaterThan(0);
  });
});
