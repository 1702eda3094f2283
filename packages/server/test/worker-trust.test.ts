/**
 * The worker trusts nothing in the document (issue 18), end to end: the real emulator as the
 * org, the server in process with its sync worker, and the book's intents and meta written
 * server-side through a room lease (what any writer of the document could have put there; the
 * relay's own write check is tested elsewhere). Each test is one report of the issue:
 *
 * - a `logActivity` without `activity`, and a `null` intent, end `failed` `INVALID_INTENT`
 *   and the book keeps syncing (a valid intent of the same cycle becomes its Task);
 * - `meta.schemaVersion` = 2: the cycle records `SCHEMA_TOO_NEW` (in `meta.sync` and
 *   `/api/status`), pulls stop, and the log line names only the code; a garbage version is
 *   restored and sync continues;
 * - an `editField` of `OwnerId`, or of `Contact.AccountId`, is refused (`FIELD_NOT_EDITABLE`)
 *   and the org is unchanged;
 * - one intent stored under three map keys becomes at most one Task.
 */
import {
  bookMaps,
  isFinalStatus,
  type OpportunityRecord,
  type Receipt,
  SCHEMA_VERSION,
  tickHlc,
  uuidv7,
} from "@tandem/engine";
import type { Emulator, EmulatorUser } from "@tandem/salesforce-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as Y from "yjs";
import { roomOf } from "../src/auth/auth-service.js";
import type { TestServer } from "./helpers.js";
import { type OrgSession, signIn, startTeamOrg, until } from "./sync-helpers.js";

const WRITER = "trust-test-device";

let emu: Emulator;
let t: TestServer;
let user: EmulatorUser;
let other: EmulatorUser;
let asUser: OrgSession;
let asOther: OrgSession;
let cookie: string;
let room: string;

beforeAll(async () => {
  ({ emu, t, user, other, asUser, asOther } = await startTeamOrg());
  cookie = await signIn(t.server.url, user.username);
  room = roomOf(emu.orgId, user.id);
  await until(async () => (await read((doc) => bookMaps(doc).opportunities.size)) > 0, "the first sync");
});

afterAll(async () => {
  await t?.close();
  await emu?.close();
});

/** Reads the server's copy of the book under a lease. */
async function read<A>(f: (doc: Y.Doc) => A): Promise<A> {
  const lease = await t.server.rooms.lease(room);
  try {
    return f(lease.doc);
  } finally {
    lease.release();
  }
}

/** Writes into the server's copy of the book under a lease, as a device's update would land. */
async function write(f: (doc: Y.Doc) => void): Promise<void> {
  const lease = await t.server.rooms.lease(room);
  try {
    lease.doc.transact(() => f(lease.doc), WRITER);
  } finally {
    lease.release();
  }
}

const setIntent = (key: string, value: unknown) =>
  write((doc) => (doc.getMap("intents") as Y.Map<unknown>).set(key, value));
const receiptOf = (key: string): Promise<Receipt | null> => read((doc) => bookMaps(doc).receipts.get(key) ?? null);

async function syncNow(): Promise<{ lastErrorCode: string | null; state: string }> {
  const res = await fetch(`${t.server.url}/api/sync`, { method: "POST", headers: { cookie } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { worker: { lastErrorCode: string | null; state: string } }).worker;
}

interface Status {
  worker: { state: string; lastError: string | null; lastErrorCode: string | null };
  sync: { state: string; lastError: { code: string; message: string } | null } | null;
  intents: Array<{ intent: { id: string; kind: string | null }; receipt: Receipt | null }>;
}

async function status(): Promise<Status> {
  const res = await fetch(`${t.server.url}/api/status`, { headers: { cookie } });
  expect(res.status).toBe(200);
  return (await res.json()) as Status;
}

/** An opportunity of the book with a contact at its account. */
async function target(): Promise<{ opp: OpportunityRecord; contactId: string }> {
  return read((doc) => {
    const maps = bookMaps(doc);
    for (const opp of maps.opportunities.values()) {
      const contact = [...maps.contacts.values()].find((c) => c.AccountId === opp.AccountId);
      if (contact) return { opp, contactId: contact.Id };
    }
    throw new Error("the book has an opportunity with a contact");
  });
}

function common(): { id: string; at: string; hlc: string; device: string } {
  const now = Date.now();
  return {
    id: uuidv7(now, crypto.getRandomValues(new Uint8Array(10))),
    at: new Date(now).toISOString(),
    hlc: tickHlc(null, now, WRITER),
    device: WRITER,
  };
}

async function logIntent(subject: string): Promise<Record<string, unknown>> {
  const { opp, contactId } = await target();
  return {
    ...common(),
    kind: "logActivity",
    opportunityId: opp.Id,
    contactId,
    activity: { type: "call", subject, occurredAt: new Date().toISOString() },
  };
}

const tasksOf = (intentId: string) =>
  asUser.query<{ Id: string }>(`SELECT Id FROM Task WHERE CallObject LIKE '%${intentId}%'`);

describe("the worker trusts nothing in the document", () => {
  it("a logActivity without `activity` ends INVALID_INTENT, and a valid intent of the same cycle is written", async () => {
    const { activity: _, ...broken } = await logIntent("never written");
    const good = await logIntent("Trust: good call 1");
    await setIntent(broken.id as string, broken);
    await setIntent(good.id as string, good);
    await until(async () => (await receiptOf(good.id as string))?.status === "applied", "the good call applied");
    expect(await receiptOf(broken.id as string)).toMatchObject({
      status: "failed",
      error: { code: "INVALID_INTENT", message: expect.stringContaining("activity is missing") },
    });
    expect(await tasksOf(good.id as string)).toHaveLength(1);
    expect(await tasksOf(broken.id as string)).toHaveLength(0);
    const s = await status();
    expect(s.sync).toMatchObject({ state: "idle", lastError: null });
    expect(s.intents.find((c) => c.intent.id === broken.id)?.receipt?.error?.code).toBe("INVALID_INTENT");
  });

  it("a null intent value ends INVALID_INTENT and sync goes on", async () => {
    const key = common().id;
    await setIntent(key, null);
    const good = await logIntent("Trust: good call 2");
    await setIntent(good.id as string, good);
    await until(async () => (await receiptOf(good.id as string))?.status === "applied", "the good call applied");
    expect(await receiptOf(key)).toMatchObject({
      status: "failed",
      error: { code: "INVALID_INTENT", message: expect.stringContaining("null") },
    });
    const s = await status();
    expect(s.worker.lastErrorCode).toBeNull();
    expect(s.intents.find((c) => c.intent.id === key)).toMatchObject({
      intent: { kind: null },
      receipt: { status: "failed" },
    });
  });

  it("meta.schemaVersion 2 records SCHEMA_TOO_NEW and stops pulls; a garbage version is restored and sync continues", async () => {
    const { opp } = await target();
    const logged = t.logger.entries.length;
    await write((doc) => doc.getMap("meta").set("schemaVersion", 2));
    const worker = await syncNow();
    const s = await status();
    expect(s.sync).toMatchObject({ state: "error", lastError: { code: "SCHEMA_TOO_NEW" } });
    expect(worker).toMatchObject({ lastErrorCode: "SCHEMA_TOO_NEW" });
    expect(s.worker).toMatchObject({ lastErrorCode: "SCHEMA_TOO_NEW", lastError: expect.stringContaining("v2") });

    // Pulls stop: a change in Salesforce does not reach the book while the doc is "newer".
    await asOther.patch("Opportunity", opp.Id, { Description: "changed while refused" });
    await syncNow();
    expect(await read((doc) => bookMaps(doc).opportunities.get(opp.Id)?.Description)).not.toBe("changed while refused");
    expect(await read((doc) => doc.getMap("meta").get("schemaVersion"))).toBe(2);
    // The log line carries the code only.
    const failed = t.logger.entries.slice(logged).filter((e) => e.event === "sync.cycle_failed");
    expect(failed.length).toBeGreaterThan(0);
    for (const e of failed) expect(Object.keys(e.fields).sort()).toEqual(["error", "errorCode", "room"]);

    await write((doc) => doc.getMap("meta").set("schemaVersion", "garbage"));
    expect(await syncNow()).toMatchObject({ lastErrorCode: null });
    expect(await read((doc) => doc.getMap("meta").get("schemaVersion"))).toBe(SCHEMA_VERSION);
    expect(await read((doc) => bookMaps(doc).opportunities.get(opp.Id)?.Description)).toBe("changed while refused");
    expect((await status()).sync).toMatchObject({ state: "idle", lastError: null });
  });

  it("an editField of OwnerId, or of Contact.AccountId, is refused and the org is unchanged", async () => {
    const { opp, contactId } = await target();
    const [contactBefore] = await asUser.query<{ AccountId: string | null }>(
      `SELECT AccountId FROM Contact WHERE Id = '${contactId}'`,
    );
    expect(contactBefore?.AccountId).not.toBeNull();
    const owner = {
      ...common(),
      kind: "editField",
      sobject: "Opportunity",
      recordId: opp.Id,
      field: "OwnerId",
      value: other.id,
      base: opp.OwnerId,
    };
    const account = {
      ...common(),
      kind: "editField",
      sobject: "Contact",
      recordId: contactId,
      field: "AccountId",
      value: null,
      base: contactBefore?.AccountId ?? null,
    };
    await setIntent(owner.id, owner);
    await setIntent(account.id, account);
    const final = async (id: string) => isFinalStatus((await receiptOf(id))?.status ?? "pending");
    await until(async () => (await final(owner.id)) && (await final(account.id)), "both edits final");
    const [oppAfter] = await asUser.query<{ OwnerId: string }>(
      `SELECT OwnerId FROM Opportunity WHERE Id = '${opp.Id}'`,
    );
    expect(oppAfter?.OwnerId).toBe(user.id);
    const [contactAfter] = await asUser.query<{ AccountId: string | null }>(
      `SELECT AccountId FROM Contact WHERE Id = '${contactId}'`,
    );
    expect(contactAfter?.AccountId).toBe(contactBefore?.AccountId);
    expect(await receiptOf(owner.id)).toMatchObject({ status: "failed", error: { code: "FIELD_NOT_EDITABLE" } });
    expect(await receiptOf(account.id)).toMatchObject({ status: "failed", error: { code: "FIELD_NOT_EDITABLE" } });
  });

  it("one intent stored under three map keys becomes at most one Task", async () => {
    const intent = await logIntent("Trust: one call, three keys");
    const keys = [intent.id as string, common().id, common().id];
    await write((doc) => {
      for (const key of keys) (doc.getMap("intents") as Y.Map<unknown>).set(key, intent);
    });
    await until(async () => (await receiptOf(keys[0] ?? ""))?.status === "applied", "the call applied");
    await syncNow();
    expect(await tasksOf(intent.id as string)).toHaveLength(1);
    for (const key of keys.slice(1)) {
      expect(await receiptOf(key)).toMatchObject({ status: "failed", error: { code: "INVALID_INTENT" } });
    }
  });
});
