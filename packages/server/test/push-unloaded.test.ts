/**
 * Push reaches a book nobody is looking at (issue 23): one instance, the emulator with its
 * Streaming API, the change subscriber signed in as the System Administrator, and a rep who
 * signed in once but has no device connected, whose room has unloaded. A colleague's change
 * to one of the rep's records triggers the rep's worker through its index of the book's record
 * ids (no loaded doc is consulted), and the change lands in the rep's book in the store. The
 * workers' schedule is an hour, so only a trigger can run that cycle.
 */
import { bookMaps } from "@tandem/engine";
import { createEmulator, type Emulator, type EmulatorUser } from "@tandem/salesforce-emulator";
import { afterAll, beforeAll, expect, it } from "vitest";
import * as Y from "yjs";
import { createMemoryReplayStore } from "../src/sync/change-subscriber.js";
import { startTestServer, type TestServer } from "./helpers.js";
import { type OrgSession, orgSession, signIn, until } from "./sync-helpers.js";

let emu: Emulator;
let t: TestServer;
let rep: EmulatorUser;
let admin: EmulatorUser;
let asAdmin: OrgSession;

beforeAll(async () => {
  emu = await createEmulator({
    port: 0,
    dataset: "small",
    sharing: { Opportunity: "ReadWrite" },
    streaming: { connectTimeoutMs: 300, clientTimeoutMs: 5000 },
  });
  const second = emu.users[1];
  const last = emu.users.at(-1);
  if (!second || !last) throw new Error("the small dataset has reps and an administrator");
  [rep, admin] = [second, last];
  t = await startTestServer({
    org: { loginUrl: emu.url, clientId: emu.clientId, clientSecret: emu.clientSecret },
    idleGraceMs: 50,
    sync: {
      trigger: { debounceMs: 50, maxDebounceMs: 200, quietMs: 0, scheduleMs: 3_600_000, retryMs: 200 },
      push: { userId: admin.id, replay: createMemoryReplayStore(), retryMs: 200 },
    },
  });
  asAdmin = await orgSession(emu, admin.username, admin.password);
  await signIn(t.server.url, admin.username);
  await until(() => t.server.push?.subscriber()?.status().live === true, "push to be live");
});

afterAll(async () => {
  await t?.close();
  await emu?.close();
});

/** The rep's book as the store holds it (not the live room). */
async function storedBook(room: string): Promise<Y.Doc> {
  const doc = new Y.Doc();
  for (const u of (await t.store.loadRoom(room)).updates) Y.applyUpdate(doc, u);
  return doc;
}

it("a colleague's change to a record of a book with no device and an unloaded room triggers its worker", async () => {
  await signIn(t.server.url, rep.username);
  const supervisor = t.server.sync;
  if (!supervisor) throw new Error("sync runs");
  const room = `book:${(await t.store.listTokenOwners()).find((o) => o.userId === rep.id)?.orgId}:${rep.id}`;
  await until(() => supervisor.status(room)?.lastReport != null, "the rep's first cycle");
  const worker = supervisor.worker(room);
  expect(worker?.heldRecords()).toBeGreaterThan(0);
  await until(() => t.server.rooms.get(room) === undefined, "the rep's room to unload");

  const before = supervisor.status(room)?.lastReport;
  const [id] = [...bookMaps(await storedBook(room)).opportunities.keys()];
  if (id === undefined) throw new Error("the rep's book has an opportunity");
  expect(t.server.rooms.get(room)).toBeUndefined();
  await asAdmin.patch("Opportunity", id, { Name: "Pushed to an unloaded book" });

  await until(async () => {
    const name = bookMaps(await storedBook(room)).opportunities.get(id)?.Name;
    return name === "Pushed to an unloaded book";
  }, "the change in the rep's stored book");
  // A new cycle ran (the schedule is an hour away): the push trigger.
  expect(supervisor.status(room)?.lastReport).not.toBe(before);
  expect(t.server.push?.status()?.role).toBe("holder");
});

it("an overflow event triggers every book, loaded or not", async () => {
  const supervisor = t.server.sync;
  if (!supervisor) throw new Error("sync runs");
  const reports = new Map(supervisor.rooms().map((room) => [room, supervisor.status(room)?.lastReport]));
  expect(reports.size).toBe(2);
  const handled = t.server.push?.subscriber()?.status().eventsHandled ?? 0;
  emu.control.publishOverflowEvent("Opportunity");
  await until(() => (t.server.push?.subscriber()?.status().eventsHandled ?? 0) > handled, "the overflow event");
  for (const [room, report] of reports) {
    await until(() => supervisor.status(room)?.lastReport !== report, `a new cycle of ${room}`);
  }
});
