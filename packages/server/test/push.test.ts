/**
 * Push as a signal (issue 23), end to end: the emulator with its Streaming API as the org, the
 * server's change subscriber signed in as the System Administrator (View All Data), a rep's
 * stock y-websocket device. The workers' schedule is an hour, so every change below reaches the
 * device through a trigger, not the schedule. The device's book is still read with the rep's
 * own token: the subscriber only names books to re-read.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bookMaps } from "@tandem/engine";
import { createEmulator, type Emulator, type EmulatorUser } from "@tandem/salesforce-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChangeSubscriber, createFileReplayStore } from "../src/sync/change-subscriber.js";
import { startTestServer, type TestServer } from "./helpers.js";
import { type Device, type OrgSession, openDevice, orgSession, signIn, until } from "./sync-helpers.js";

let emu: Emulator;
let t: TestServer;
let rep: EmulatorUser;
let repCookie: string;
let colleague: EmulatorUser;
let admin: EmulatorUser;
let asAdmin: OrgSession;
let device: Device;
let dir: string;

beforeAll(async () => {
  emu = await createEmulator({
    port: 0,
    dataset: "small",
    sharing: { Opportunity: "ReadWrite" },
    streaming: { connectTimeoutMs: 300, clientTimeoutMs: 5000 },
  });
  const [first, second] = emu.users;
  const last = emu.users.at(-1);
  if (!first || !second || !last) throw new Error("the small dataset has reps and an administrator");
  [colleague, rep, admin] = [first, second, last];
  dir = mkdtempSync(join(tmpdir(), "tandem-push-"));
  t = await startTestServer({
    org: { loginUrl: emu.url, clientId: emu.clientId, clientSecret: emu.clientSecret },
    sync: {
      trigger: { debounceMs: 50, maxDebounceMs: 200, quietMs: 0, scheduleMs: 3_600_000, retryMs: 200 },
      push: { userId: admin.id, replay: createFileReplayStore(join(dir, "cdc-replay.json")), retryMs: 200 },
    },
  });
  asAdmin = await orgSession(emu, admin.username, admin.password);
  // The integration user signs in once; the server then holds their grant and subscribes.
  await signIn(t.server.url, admin.username);
  await until(() => t.server.push?.subscriber()?.status().live === true, "push to be live");
  repCookie = await signIn(t.server.url, rep.username);
  device = await openDevice(t.server.url, repCookie);
  await until(() => bookMaps(device.doc).opportunities.size > 0, "the rep's book");
});

afterAll(async () => {
  device?.destroy();
  await t?.close();
  await emu?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const opportunities = () => bookMaps(device.doc).opportunities;

/** Patches as the admin and measures until the device's book shows `check`. */
async function changeAndMeasure(id: string, fields: Record<string, unknown>, check: () => boolean, what: string) {
  const started = Date.now();
  await asAdmin.patch("Opportunity", id, fields);
  await until(check, what);
  return Date.now() - started;
}

/** A subscriber as the server builds it, over the same books and replay file, recording its triggers. */
async function restartedSubscriber(replay: ReturnType<typeof createFileReplayStore>) {
  const server = t.server;
  const supervisor = server.sync;
  if (!supervisor) throw new Error("sync runs");
  const triggered: string[] = [];
  const subscriber = new ChangeSubscriber({
    orgId: (await t.store.listTokenOwners()).find((o) => o.userId === admin.id)?.orgId ?? "",
    userId: admin.id,
    tokens: {
      get: (orgId, userId) => server.auth.workerTokens(orgId, userId),
      save: (orgId, userId, tokens) => server.auth.rememberTokens(orgId, userId, tokens),
      owners: () => t.store.listTokenOwners(),
      revoke: async () => undefined,
    },
    org: { loginUrl: emu.url, clientId: emu.clientId, clientSecret: emu.clientSecret },
    books: {
      // The server's own dispatch (one instance): the workers whose index holds the ids.
      notify: (notice) => {
        triggered.push(...supervisor.triggerChanges(notice));
      },
    },
    replay,
    logger: t.logger,
    retryMs: 200,
  });
  return { subscriber, triggered };
}

describe("push", () => {
  it("a colleague's change to an opportunity in the rep's book reaches the device through a trigger", async () => {
    const [id] = [...opportunities().keys()];
    if (id === undefined) throw new Error("the book has an opportunity");
    const ms = await changeAndMeasure(
      id,
      { Name: "Pushed rename" },
      () => opportunities().get(id)?.Name === "Pushed rename",
      "the pushed rename",
    );
    console.log(`push: colleague's rename reached the device in ${ms} ms (schedule 1 h)`);
    expect(t.server.push?.subscriber()?.status().live).toBe(true);
  });

  it("an opportunity newly assigned to the rep enters the book", async () => {
    const [theirs] = await asAdmin.query<{ Id: string }>(
      `SELECT Id FROM Opportunity WHERE OwnerId = '${colleague.id}' AND IsClosed = false LIMIT 1`,
    );
    if (!theirs) throw new Error("the colleague owns an open opportunity");
    expect(opportunities().has(theirs.Id)).toBe(false);
    const ms = await changeAndMeasure(
      theirs.Id,
      { OwnerId: rep.id },
      () => opportunities().has(theirs.Id),
      "the assigned deal",
    );
    console.log(`push: a deal assigned to the rep entered the book in ${ms} ms`);
  });

  it("survives the org dropping every streaming client; /metrics counts the events", async () => {
    const [id] = [...opportunities().keys()];
    if (id === undefined) throw new Error("the book has an opportunity");
    const before = t.server.push?.subscriber()?.status().eventsHandled ?? 0;
    expect(before).toBeGreaterThan(0);
    const metrics = await (await fetch(`${t.server.url}/metrics`)).text();
    expect(metrics).toMatch(/tandem_push_live 1/);
    expect(metrics).toMatch(/tandem_push_events_total [1-9]/);
    expect(metrics).toMatch(/tandem_push_lag_seconds \d/);
    // A user's status says whether push is live and how far behind it is.
    const status = (await (await fetch(`${t.server.url}/api/status`, { headers: { cookie: repCookie } })).json()) as {
      push: { live: boolean; eventsHandled: number; lagMs: number | null } | null;
    };
    expect(status.push?.live).toBe(true);
    expect(status.push?.eventsHandled).toBeGreaterThan(0);
    emu.control.dropStreamingClients();
    await changeAndMeasure(
      id,
      { Name: "After the drop" },
      () => opportunities().get(id)?.Name === "After the drop",
      "the rename after the drop",
    );
  });

  it("a subscriber killed mid-stream and restarted from the persisted replay id loses no change", async () => {
    await t.server.push?.close();
    const replay = createFileReplayStore(join(dir, "cdc-replay.json"));
    const persisted = await replay.read();
    expect(persisted).toBeGreaterThan(0);
    const [id] = [...opportunities().keys()];
    if (id === undefined) throw new Error("the book has an opportunity");
    await asAdmin.patch("Opportunity", id, { Name: "Changed while down" });
    const { subscriber: restarted, triggered } = await restartedSubscriber(replay);
    try {
      await restarted.start();
      await until(() => opportunities().get(id)?.Name === "Changed while down", "the change made while down");
      // Replayed from the persisted id (not a catch-up of every book): exactly the missed event.
      // The trigger goes out before the replay id is stored: wait for the event to be handled.
      await until(() => restarted.status().eventsHandled > 0, "the event to be handled");
      expect(restarted.status().eventsHandled).toBe(1);
      expect(triggered).toEqual([device.room]);
      expect(await replay.read()).toBeGreaterThan(persisted ?? 0);
    } finally {
      await restarted.close();
    }
  });

  it("an invalid replay id falls back to new events and one catch-up of every book", async () => {
    const replay = createFileReplayStore(join(dir, "cdc-replay.json"));
    await replay.write(123); // never issued by this org
    const { subscriber, triggered } = await restartedSubscriber(replay);
    try {
      await subscriber.start();
      await until(() => subscriber.status().live === true, "the fallback subscription");
      expect(subscriber.status().lastError).toBeNull();
      expect(new Set(triggered)).toEqual(new Set(t.server.sync?.rooms()));
      expect(await replay.read()).toBe(-1);
      const [id] = [...opportunities().keys()];
      if (id === undefined) throw new Error("the book has an opportunity");
      await changeAndMeasure(
        id,
        { Name: "After the fallback" },
        () => opportunities().get(id)?.Name === "After the fallback",
        "the rename after the fallback",
      );
      await until(() => subscriber.status().eventsHandled > 0, "the event to be handled");
      expect(subscriber.status().eventsHandled).toBe(1);
    } finally {
      await subscriber.close();
    }
  });

  it("a GAP event triggers the books holding its ids, an overflow every book", async () => {
    const replay = createFileReplayStore(join(dir, "cdc-replay.json"));
    const { subscriber, triggered } = await restartedSubscriber(replay);
    try {
      await subscriber.start();
      await until(() => subscriber.status().live === true, "the subscription");
      triggered.length = 0;
      const [id] = [...opportunities().keys()];
      if (id === undefined) throw new Error("the book has an opportunity");
      emu.control.publishGapEvent({ object: "Opportunity", recordIds: [id], changeType: "GAP_UPDATE" });
      await until(() => subscriber.status().eventsHandled === 1, "the gap event");
      expect(triggered).toEqual([device.room]);
      triggered.length = 0;
      emu.control.publishOverflowEvent("Opportunity");
      await until(() => subscriber.status().eventsHandled === 2, "the overflow event");
      expect(new Set(triggered)).toEqual(new Set(t.server.sync?.rooms()));
      expect(triggered.length).toBeGreaterThan(1);
    } finally {
      await subscriber.close();
    }
  });
});
