/**
 * Field edits and permissions through the engine's runner with this adapter against the
 * emulator: a field changed in Salesforce by someone else since the device saw it ends in a
 * `conflict` receipt (base, mine, theirs); an untouched field applies; a write the user may
 * not make ends `failed` with Salesforce's reason.
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
let colleague: SignedInTokens;

beforeAll(async () => {
  // Colleagues may edit opportunities; accounts (hence their contacts) are read-only to non-owners.
  sf = await createEmulator({
    port: 0,
    dataset: "small",
    seed: "edits",
    sharing: { Opportunity: "ReadWrite", Account: "Read" },
  });
  const [a, b] = sf.users;
  if (a === undefined || b === undefined) throw new Error("two users needed");
  me = await signIn(sf, a.username);
  colleague = await signIn(sf, b.username);
});

afterAll(async () => {
  await sf.close();
});

describe("field edits and permissions through the runner", () => {
  it("conflict with theirs for a field changed since; an untouched field applies; a forbidden write fails with the reason", async () => {
    const doc = new Y.Doc();
    const port = portFor(sf, me, { now: () => sf.control.now() });
    const cycle = () => runnerCycle(sf, me, doc, port, { retry: { baseMs: 5, times: 2 }, sendingLeaseMs: 0 });
    expect(Exit.isSuccess(await cycle())).toBe(true);
    const maps = bookMaps(doc);
    const [opp] = [...maps.opportunities.values()];
    if (opp === undefined) throw new Error("empty book");
    // A contact at an account I do not own: readable, not editable.
    const accounts = await queryAllRows(connectionFor(me), "SELECT Id, OwnerId FROM Account");
    const foreignAccounts = new Set(accounts.filter((a) => a.OwnerId !== me.userId).map((a) => String(a.Id)));
    const readOnlyContact = [...maps.contacts.values()].find(
      (c) => c.AccountId !== null && foreignAccounts.has(c.AccountId),
    );
    if (readOnlyContact === undefined) throw new Error("no contact at a foreign account in the book");

    const device = createDevice(doc, { deviceId: "laptop", now: () => sf.control.now(), random: Math.random });
    const stage = opp.StageName === "Qualification" ? "Needs Analysis" : "Qualification";
    const theirsStage = "Perception Analysis";
    const edited = device.editField({ sobject: "Opportunity", recordId: opp.Id, field: "StageName", value: stage });
    const untouched = device.editField({
      sobject: "Opportunity",
      recordId: opp.Id,
      field: "Description",
      value: "Mine",
    });
    const forbidden = device.editField({
      sobject: "Contact",
      recordId: readOnlyContact.Id,
      field: "Title",
      value: "Chief Everything",
    });
    if (!edited.ok || !untouched.ok || !forbidden.ok) throw new Error("device rejected an edit");
    // Meanwhile a colleague changes the stage in Salesforce.
    sf.control.advanceClock(2_000);
    await connectionFor(colleague).sobject("Opportunity").update({ Id: opp.Id, StageName: theirsStage });

    await cycle();
    const receipts = maps.receipts;
    expect(receipts.get(edited.value.id)).toMatchObject({
      status: "conflict",
      conflict: { base: opp.StageName, mine: stage, theirs: theirsStage },
    });
    expect(receipts.get(untouched.value.id)?.status).toBe("applied");
    expect(receipts.get(forbidden.value.id)).toMatchObject({
      status: "failed",
      error: { code: "INSUFFICIENT_ACCESS_OR_READONLY" },
    });
    const rows = await queryAllRows(
      connectionFor(me),
      `SELECT StageName, Description FROM Opportunity WHERE Id = '${opp.Id}'`,
    );
    expect(rows[0]).toMatchObject({ StageName: theirsStage, Description: "Mine" });
    const contactRows = await queryAllRows(
      connectionFor(me),
      `SELECT Title FROM Contact WHERE Id = '${readOnlyContact.Id}'`,
    );
    expect(contactRows[0]?.Title).toBe(readOnlyContact.Title);
    device.dispose();
  });
});
