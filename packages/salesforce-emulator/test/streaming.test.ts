/**
 * Conformance: the Streaming API with Change Data Capture (issue 23), through jsforce 3.10.16's
 * own streaming client (Faye over long-polling), unmodified — handshake, subscribe, change events
 * for creates, updates and deletes, single-object channels, replay after a reconnect, -2 replay,
 * expired replay ids, gap and overflow events, and View All Data enforcement.
 */
import type { Connection } from "jsforce";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmulator, type Emulator } from "../src/index.js";
import { connectAs, loadJsforce, raw } from "./helpers.js";
import {
  type CdcData,
  closeClient,
  closeTopicClients,
  type FayeClient,
  loadStreamingExtension,
  sleep,
  waitFor,
} from "./streaming-helpers.js";

let sf: Emulator;
let jsforce: Awaited<ReturnType<typeof loadJsforce>>;
let Ext: Awaited<ReturnType<typeof loadStreamingExtension>>;
let admin: Connection;
let rep: Connection;
const open: FayeClient[] = [];

beforeAll(async () => {
  jsforce = await loadJsforce();
  Ext = await loadStreamingExtension();
  sf = await createEmulator({ seed: "streaming", streaming: { connectTimeoutMs: 400, clientTimeoutMs: 5000 } });
  // The seeded System Administrator (View All Data) is listed last; the others are reps.
  admin = connectAs(jsforce, sf, sf.users.at(-1)?.username ?? "");
  rep = connectAs(jsforce, sf, sf.users[0]?.username ?? "");
});
afterAll(async () => {
  for (const client of open) await closeClient(client);
  await closeTopicClients(admin);
  await sf.close();
});

/** A client of `conn` subscribed to `channel` (with a replay extension when `replayId` is given). */
async function subscribe(conn: Connection, channel: string, replayId?: number) {
  const events: CdcData[] = [];
  const client = conn.streaming.createClient(replayId === undefined ? [] : [new Ext.Replay(channel, replayId)]);
  open.push(client);
  const subscription = client.subscribe(channel, (data: CdcData) => events.push(data));
  await subscription;
  return { client, events };
}

const headerOf = (e: CdcData | undefined) => e?.payload.ChangeEventHeader;
const accountId = async () => (await admin.query<{ Id: string }>("SELECT Id FROM Account LIMIT 1")).records[0]?.Id;

async function newOpportunity(conn: Connection, name: string): Promise<string> {
  const result = await conn.sobject("Opportunity").create({
    Name: name,
    StageName: "Prospecting",
    CloseDate: "2027-01-31",
    AccountId: await accountId(),
  });
  if (!result.success) throw new Error(`create failed: ${JSON.stringify(result)}`);
  return result.id;
}

describe("handshake and subscribe", () => {
  it("jsforce's topic client subscribes to /data/ChangeEvents and receives CREATE, UPDATE and DELETE", async () => {
    const events: CdcData[] = [];
    await admin.streaming
      .topic("/data/ChangeEvents")
      .subscribe((message) => events.push(message as unknown as CdcData));
    const adminId = sf.users.at(-1)?.id;
    const id = await newOpportunity(admin, "Streamed Deal");
    await waitFor(() => events.some((e) => headerOf(e)?.recordIds.includes(id)), 5000, "the CREATE event");
    const created = events.find((e) => headerOf(e)?.recordIds.includes(id));
    expect(headerOf(created)).toMatchObject({
      entityName: "Opportunity",
      recordIds: [id],
      changeType: "CREATE",
      changedFields: [],
      changeOrigin: "com/salesforce/api/rest/60.0",
      sequenceNumber: 1,
      commitUser: adminId,
    });
    expect(created?.payload).toMatchObject({
      Name: "Streamed Deal",
      StageName: "Prospecting",
      CloseDate: "2027-01-31",
    });
    expect(created?.payload).not.toHaveProperty("Id");
    expect(created?.payload).not.toHaveProperty("SystemModstamp");
    expect(created?.payload).not.toHaveProperty("Description"); // null fields are left out of a CREATE
    // The commit is stamped when the transaction commits, at or just after CreatedDate (org clock).
    const createdMs = Date.parse(String(created?.payload.CreatedDate).replace("+0000", "Z"));
    expect(headerOf(created)?.commitTimestamp).toBeGreaterThanOrEqual(createdMs);
    expect(headerOf(created)?.commitTimestamp).toBeLessThan(createdMs + 1000);
    expect(created?.event.replayId).toBeGreaterThan(0);

    sf.control.advanceClock(1000);
    await admin.sobject("Opportunity").update({ Id: id, Name: "Streamed Deal 2", Description: "more" });
    await waitFor(() => events.some((e) => headerOf(e)?.changeType === "UPDATE"), 5000, "the UPDATE event");
    const updated = events.find((e) => headerOf(e)?.changeType === "UPDATE");
    expect(headerOf(updated)?.recordIds).toEqual([id]);
    expect([...(headerOf(updated)?.changedFields ?? [])].sort()).toEqual(["Description", "LastModifiedDate", "Name"]);
    expect(updated?.payload).toMatchObject({ Name: "Streamed Deal 2", Description: "more" });
    expect(updated?.payload).not.toHaveProperty("StageName");
    expect(updated?.event.replayId).toBeGreaterThan(created?.event.replayId ?? 0);
    expect(headerOf(updated)?.transactionKey).not.toBe(headerOf(created)?.transactionKey);

    await admin.sobject("Opportunity").destroy(id);
    await waitFor(() => events.some((e) => headerOf(e)?.changeType === "DELETE"), 5000, "the DELETE event");
    const deleted = events.find((e) => headerOf(e)?.changeType === "DELETE");
    expect(headerOf(deleted)).toMatchObject({ entityName: "Opportunity", recordIds: [id], changedFields: [] });
    expect(Object.keys(deleted?.payload ?? {})).toEqual(["ChangeEventHeader"]);
    await closeTopicClients(admin);
  });

  it("a failed write sends no event, and records changed alike in one call share one event", async () => {
    const { events } = await subscribe(admin, "/data/ChangeEvents");
    const ids = [await newOpportunity(admin, "Pair A"), await newOpportunity(admin, "Pair B")];
    await waitFor(() => events.filter((e) => headerOf(e)?.changeType === "CREATE").length === 2, 5000, "creates");
    const rejected = await admin.sobject("Opportunity").update(
      [
        { Id: ids[0], StageName: "Qualification" },
        { Id: ids[1], Name: "" },
      ] as never[],
      { allOrNone: true },
    );
    expect(rejected.every((r) => !r.success)).toBe(true);
    await admin.sobject("Opportunity").update(ids.map((Id) => ({ Id, Description: "same change" })) as never[]);
    await waitFor(() => events.some((e) => headerOf(e)?.changeType === "UPDATE"), 5000, "the merged UPDATE");
    await sleep(600);
    const updates = events.filter((e) => headerOf(e)?.changeType === "UPDATE");
    expect(updates).toHaveLength(1);
    expect([...(headerOf(updates[0])?.recordIds ?? [])].sort()).toEqual([...ids].sort());
    expect(updates[0]?.payload.Description).toBe("same change");
  });

  it("/data/OpportunityChangeEvent receives Opportunity events only", async () => {
    const opps = await subscribe(admin, "/data/OpportunityChangeEvent");
    await admin.sobject("Task").create({ Subject: "Not an opportunity" });
    const id = await newOpportunity(admin, "Channel Deal");
    await waitFor(() => opps.events.length > 0, 5000, "the opportunity event");
    await sleep(600);
    expect(opps.events.map((e) => headerOf(e)?.entityName)).toEqual(["Opportunity"]);
    expect(headerOf(opps.events[0])?.recordIds).toEqual([id]);
  });

  it("an invalid access token is refused with 401::Authentication invalid", async () => {
    const res = await raw(`${sf.url}/cometd/60.0`, {
      method: "POST",
      headers: { Authorization: "OAuth not-a-token", "Content-Type": "application/json" },
      body: JSON.stringify([
        { channel: "/meta/handshake", version: "1.0", supportedConnectionTypes: ["long-polling"], id: "1" },
      ]),
    });
    expect(res.status).toBe(401);
    expect(res.body).toEqual([
      {
        ext: { sfdc: { failureReason: "401::Authentication invalid" }, replay: true },
        advice: { reconnect: "none" },
        channel: "/meta/handshake",
        id: "1",
        error: "403::Handshake denied",
        successful: false,
      },
    ]);
    const connect = await raw(`${sf.url}/cometd/60.0`, {
      method: "POST",
      headers: { Authorization: "OAuth not-a-token", "Content-Type": "application/json" },
      body: JSON.stringify([{ channel: "/meta/connect", clientId: "x", connectionType: "long-polling", id: "2" }]),
    });
    expect(connect.body).toMatchObject([{ error: "401::Authentication invalid", advice: { reconnect: "none" } }]);
  });

  it("an unknown client is told to handshake again; streaming calls are not API calls", async () => {
    await raw(`${sf.url}/_emulator/stats/reset`, { method: "POST" });
    const token = sf.control.issueToken(sf.users.at(-1)?.username ?? "")?.access_token ?? "";
    const res = await raw(`${sf.url}/cometd/60.0`, {
      method: "POST",
      headers: { Authorization: `OAuth ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify([{ channel: "/meta/connect", clientId: "gone", connectionType: "long-polling", id: "3" }]),
    });
    expect(res.body).toMatchObject([
      { channel: "/meta/connect", successful: false, error: "403::Unknown client", advice: { reconnect: "handshake" } },
    ]);
    const stats = sf.control.stats();
    expect(stats.apiCalls.total).toBe(0);
    expect(stats.streaming.byChannel["/meta/connect"]).toBeGreaterThan(0);
  });
});

describe("replay", () => {
  it("a client that reconnects with its last replay id gets exactly the events it missed", async () => {
    const first = await subscribe(admin, "/data/OpportunityChangeEvent", -1);
    const seen = await newOpportunity(admin, "Seen");
    await waitFor(() => first.events.length === 1, 5000, "the first event");
    const lastReplayId = first.events[0]?.event.replayId ?? 0;
    await closeClient(first.client);
    const missed = [await newOpportunity(admin, "Missed 1"), await newOpportunity(admin, "Missed 2")];

    const second = await subscribe(admin, "/data/OpportunityChangeEvent", lastReplayId);
    await waitFor(() => second.events.length >= 2, 5000, "the missed events");
    const after = await newOpportunity(admin, "After");
    await waitFor(() => second.events.length >= 3, 5000, "the live event");
    await sleep(600);
    expect(second.events.map((e) => headerOf(e)?.recordIds[0])).toEqual([...missed, after]);
    expect(second.events.map((e) => headerOf(e)?.recordIds[0])).not.toContain(seen);
  });

  it("a client whose connection is dropped re-handshakes and resubscribes from its last replay id", async () => {
    const sub = await subscribe(admin, "/data/OpportunityChangeEvent", -1);
    const before = await newOpportunity(admin, "Before drop");
    await waitFor(() => sub.events.length === 1, 5000, "the first event");
    const dropped = await raw(`${sf.url}/_emulator/streaming/disconnect-all`, { method: "POST" });
    expect((dropped.body as { dropped: number }).dropped).toBeGreaterThan(0);
    const during = await newOpportunity(admin, "During reconnect");
    const later = await newOpportunity(admin, "Later");
    await waitFor(() => sub.events.length >= 3, 8000, "the events after the drop");
    await sleep(600);
    expect(sub.events.map((e) => headerOf(e)?.recordIds[0])).toEqual([before, during, later]);
  });

  it("-2 replays every retained event; an id older than 72 hours is refused", async () => {
    const id = await newOpportunity(admin, "Retained");
    const all = await subscribe(admin, "/data/OpportunityChangeEvent", -2);
    await waitFor(() => all.events.some((e) => headerOf(e)?.recordIds.includes(id)), 5000, "the replayed event");
    const replayIds = all.events.map((e) => e.event.replayId);
    expect(replayIds).toEqual([...replayIds].sort((a, b) => a - b));
    expect(all.events.length).toBeGreaterThan(3);
    const oldest = replayIds[0] ?? 0;
    // Every client goes before the clock jumps past the access tokens' lifetime; new tokens after.
    for (const client of open.splice(0)) await closeClient(client);
    sf.control.advanceClock(73 * 3600_000);
    admin = connectAs(jsforce, sf, sf.users.at(-1)?.username ?? "");
    rep = connectAs(jsforce, sf, sf.users[0]?.username ?? "");
    const client = admin.streaming.createClient([new Ext.Replay("/data/OpportunityChangeEvent", oldest)]);
    open.push(client);
    const error = await new Promise<{ message: string }>((resolve, reject) => {
      client
        .subscribe("/data/OpportunityChangeEvent", () => undefined)
        .then(
          () => reject(new Error("the expired replay id was accepted")),
          (e: { message: string }) => resolve(e),
        );
    });
    expect(error.message).toBe(
      `400::The replayId {${oldest}} you provided was invalid.  Please provide a valid ID, -2 to replay all events, or -1 to replay only new events.`,
    );
    const none = await subscribe(admin, "/data/OpportunityChangeEvent", -2);
    await sleep(600);
    expect(none.events).toEqual([]);
  });
});

describe("gap and overflow events", () => {
  it("arrive on demand from the control API, with ids but no field data", async () => {
    const sub = await subscribe(admin, "/data/ChangeEvents");
    const id = await newOpportunity(admin, "Gapped");
    await waitFor(() => sub.events.length === 1, 5000, "the create");
    const gap = await raw(`${sf.url}/_emulator/change-events/gap`, {
      method: "POST",
      body: JSON.stringify({ object: "Opportunity", recordIds: [id], changeType: "GAP_UPDATE" }),
    });
    expect(gap.status).toBe(200);
    await raw(`${sf.url}/_emulator/change-events/overflow`, {
      method: "POST",
      body: JSON.stringify({ object: "Account" }),
    });
    sf.control.publishGapEvent({ object: "Contact", recordIds: [id.replace(/^006/, "003")], changeType: "GAP_DELETE" });
    await waitFor(() => sub.events.length === 4, 5000, "the gap and overflow events");
    const [, gapEvent, overflow, programmatic] = sub.events;
    expect(headerOf(gapEvent)).toMatchObject({ entityName: "Opportunity", recordIds: [id], changeType: "GAP_UPDATE" });
    expect(Object.keys(gapEvent?.payload ?? {})).toEqual(["ChangeEventHeader"]);
    expect(headerOf(overflow)).toMatchObject({ entityName: "Account", recordIds: [], changeType: "GAP_OVERFLOW" });
    expect(headerOf(programmatic)?.changeType).toBe("GAP_DELETE");
    const bad = await raw(`${sf.url}/_emulator/change-events/gap`, {
      method: "POST",
      body: JSON.stringify({ object: "Lead", recordIds: [id], changeType: "GAP_UPDATE" }),
    });
    expect(bad.status).toBe(400);
  });
});

describe("View All Data", () => {
  it("a rep without it is refused a single-object channel and gets no events on /data/ChangeEvents", async () => {
    const client = rep.streaming.createClient([]);
    open.push(client);
    const error = await new Promise<{ message: string }>((resolve, reject) => {
      client
        .subscribe("/data/OpportunityChangeEvent", () => undefined)
        .then(
          () => reject(new Error("the rep was allowed to subscribe")),
          (e: { message: string }) => resolve(e),
        );
    });
    // Faye's Error.parse keeps the code apart: "403::Insufficient …" → code 403, this message.
    expect(error).toMatchObject({ code: 403 });
    expect(error.message).toMatch(/^Insufficient permissions to subscribe to \/data\/OpportunityChangeEvent/);

    const repAll = await subscribe(rep, "/data/ChangeEvents");
    const adminAll = await subscribe(admin, "/data/ChangeEvents");
    const id = await newOpportunity(rep, "Rep's own deal");
    await waitFor(() => adminAll.events.some((e) => headerOf(e)?.recordIds.includes(id)), 5000, "the admin's event");
    await sleep(600);
    expect(repAll.events).toEqual([]);
    expect(headerOf(adminAll.events.find((e) => headerOf(e)?.recordIds.includes(id)))?.commitUser).toBe(
      sf.users[0]?.id,
    );
  });
});
