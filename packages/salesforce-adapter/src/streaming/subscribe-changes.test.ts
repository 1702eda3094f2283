/**
 * The org-level change subscription against the emulator's Streaming API, through jsforce's
 * own streaming client: events arrive normalised, an expired access token is refreshed and the
 * client recreated without losing an event, an invalid replay id is reported as such, and a
 * rep (no View All Data) receives nothing.
 */
import { createEmulator, type Emulator } from "@tandem/salesforce-emulator";
import { Connection } from "jsforce";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signIn } from "../../test/harness.js";
import type { SalesforceTokens } from "../auth/tokens.js";
import type { ChangeEvent } from "./change-event.js";
import { type ChangeStreamError, type ChangeSubscription, subscribeChanges } from "./subscribe-changes.js";

let sf: Emulator;
let admin: SalesforceTokens;
let rep: SalesforceTokens;
const open: ChangeSubscription[] = [];

beforeAll(async () => {
  sf = await createEmulator({ seed: "adapter-streaming", streaming: { connectTimeoutMs: 300, clientTimeoutMs: 5000 } });
  admin = await signIn(sf, sf.users.at(-1)?.username ?? "");
  rep = await signIn(sf, sf.users[0]?.username ?? "");
});
afterAll(async () => {
  for (const s of open) await s.close();
  await sf.close();
});

const oauth = () => ({ loginUrl: sf.url, clientId: sf.clientId, clientSecret: sf.clientSecret });

async function waitFor(predicate: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function subscribe(tokens: SalesforceTokens, replayId = -1) {
  const events: ChangeEvent[] = [];
  const errors: ChangeStreamError[] = [];
  const refreshed: SalesforceTokens[] = [];
  const sub = await subscribeChanges({
    tokens,
    oauth: oauth(),
    replayId,
    onEvent: (e) => {
      events.push(e);
    },
    onError: (e) => errors.push(e),
    onTokenRefresh: (t) => refreshed.push(t),
  });
  open.push(sub);
  return { sub, events, errors, refreshed };
}

/** Renames an opportunity as the administrator (a fresh token each time: the test expires them). */
async function rename(id: string, name: string): Promise<void> {
  const conn = new Connection({
    instanceUrl: sf.url,
    accessToken: sf.control.issueToken(sf.users.at(-1)?.username ?? "")?.access_token ?? "",
  });
  await conn.sobject("Opportunity").update({ Id: id, Name: name });
}

async function anyOpportunity(): Promise<string> {
  const conn = new Connection({
    instanceUrl: sf.url,
    accessToken: sf.control.issueToken(sf.users.at(-1)?.username ?? "")?.access_token ?? "",
  });
  const id = (await conn.query<{ Id: string }>("SELECT Id FROM Opportunity LIMIT 1")).records[0]?.Id;
  if (id === undefined) throw new Error("no opportunity seeded");
  return id;
}

describe("subscribeChanges", () => {
  it("hands on normalised UPDATE events and tracks the last handled replay id", async () => {
    const { sub, events } = await subscribe(admin);
    const id = await anyOpportunity();
    await rename(id, "Streamed rename");
    await waitFor(() => events.some((e) => e.recordIds.includes(id)), "the UPDATE event");
    const event = events.find((e) => e.recordIds.includes(id));
    expect(event).toMatchObject({ entityName: "Opportunity", changeType: "UPDATE", recordIds: [id] });
    expect(event?.changedFields).toContain("Name");
    expect(event?.fields.Name).toBe("Streamed rename");
    expect(event?.commitTimestamp).toBeGreaterThan(0);
    expect(sub.lastReplayId).toBe(event?.replayId);
    await sub.close();
  });

  it("refreshes an expired access token, recreates the client and loses no event", async () => {
    const { sub, events, errors, refreshed } = await subscribe(admin);
    const id = await anyOpportunity();
    await rename(id, "Before expiry");
    await waitFor(() => events.length === 1, "the first event");
    sf.control.expireAccessTokens(sf.users.at(-1)?.username);
    await waitFor(() => sub.reconnects === 1, "the client to be recreated");
    await rename(id, "After expiry");
    await waitFor(() => events.length === 2, "the event after the refresh");
    expect(events.map((e) => e.fields.Name)).toEqual(["Before expiry", "After expiry"]);
    expect(refreshed).toHaveLength(1);
    expect(refreshed[0]?.accessToken).not.toBe(admin.accessToken);
    expect(errors).toEqual([]);
    admin = refreshed[0] ?? admin;
    await sub.close();
  });

  it("resumes after a closed subscription from its last replay id", async () => {
    const first = await subscribe(admin);
    const id = await anyOpportunity();
    await rename(id, "Seen");
    await waitFor(() => first.events.length === 1, "the first event");
    await first.sub.close();
    await rename(id, "Missed while closed");
    const second = await subscribe(admin, first.sub.lastReplayId);
    await waitFor(() => second.events.length === 1, "the replayed event");
    expect(second.events[0]?.fields.Name).toBe("Missed while closed");
    await second.sub.close();
  });

  it("reports an invalid replay id distinctly", async () => {
    const error = await subscribe(admin, 12345).then(
      () => null,
      (e: ChangeStreamError) => e,
    );
    expect(error?.reason).toBe("invalidReplayId");
  });

  it("delivers nothing to a user without View All Data", async () => {
    const { events } = await subscribe(rep);
    await rename(await anyOpportunity(), "Not for reps");
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(events).toEqual([]);
  });
});
