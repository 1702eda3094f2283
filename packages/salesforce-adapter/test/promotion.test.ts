/**
 * An email match promotes a contact to Key, end to end through the engine's runner with this
 * adapter against the emulator: the next cycle brings that contact's activities into the book.
 */
import { bookMaps, createDevice } from "@tandem/engine";
import { createEmulator, type Emulator } from "@tandem/salesforce-emulator";
import { Exit } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import type { SignedInTokens } from "../src/auth/oauth.js";
import { connectionFor, portFor, queryAllRows, runnerCycle, signIn } from "./harness.js";

let sf: Emulator;
let me: SignedInTokens;

beforeAll(async () => {
  sf = await createEmulator({ port: 0, dataset: "small", seed: "promotion" });
  const [a] = sf.users;
  if (a === undefined) throw new Error("a user needed");
  me = await signIn(sf, a.username);
});

afterAll(async () => {
  await sf.close();
});

describe("promotion by email match", () => {
  it("a contact whose address the user exchanged email with joins the Key contacts, with its activities", async () => {
    const doc = new Y.Doc();
    const port = portFor(sf, me, { now: () => sf.control.now() });
    const cycle = () => runnerCycle(sf, me, doc, port);
    expect(Exit.isSuccess(await cycle())).toBe(true);
    const maps = bookMaps(doc);
    const roleContacts = new Set([...maps.contactRoles.values()].map((r) => r.ContactId));
    // A contact with no role (not Key) that has activities the user can see.
    const tasks = await queryAllRows(connectionFor(me), "SELECT Id, WhoId FROM Task");
    const withActivity = new Set(tasks.map((t) => String(t.WhoId)));
    const candidate = [...maps.contacts.values()].find(
      (c) => !roleContacts.has(c.Id) && c.Email !== null && withActivity.has(c.Id),
    );
    if (candidate === undefined || candidate.Email === null) throw new Error("no promotable contact in the book");
    const before = [...maps.activities.values()].filter((a) => a.WhoId === candidate.Id);
    expect(before).toEqual([]);

    const device = createDevice(doc, { deviceId: "mail-importer", now: () => sf.control.now(), random: Math.random });
    const recorded = device.recordInteraction({
      email: ` ${candidate.Email.toUpperCase()} `,
      kind: "email",
      at: sf.control.now(),
      source: "gmail",
    });
    expect(recorded.ok).toBe(true);
    device.dispose();

    expect(Exit.isSuccess(await cycle())).toBe(true);
    const after = [...maps.activities.values()].filter((a) => a.WhoId === candidate.Id);
    expect(after.length).toBeGreaterThan(0);
  });
});
