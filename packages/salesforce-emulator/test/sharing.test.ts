/**
 * Conformance: sharing per user token (reference §4) through jsforce over HTTP — ownership,
 * organization-wide defaults, implicit parent access, contacts and activities controlled by
 * their parents, and the errors Salesforce gives.
 */
import type { Connection } from "jsforce";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmulator, type Emulator } from "../src/index.js";
import { caught, connectAs, loadJsforce } from "./helpers.js";

type Row = Record<string, unknown>;
let jsforce: Awaited<ReturnType<typeof loadJsforce>>;

beforeAll(async () => {
  jsforce = await loadJsforce();
});

describe("a typical org (Account Public Read/Write, Opportunity Public Read Only, Activity Private)", () => {
  let sf: Emulator;
  let a: Connection;
  let b: Connection;
  beforeAll(async () => {
    sf = await createEmulator({ seed: "sharing" });
    a = connectAs(jsforce, sf, sf.users[0]?.username ?? "");
    b = connectAs(jsforce, sf, sf.users[1]?.username ?? "");
  });
  afterAll(async () => {
    await sf.close();
  });

  it("another user reads an opportunity but cannot change it: INSUFFICIENT_ACCESS_OR_READONLY", async () => {
    const opp = (await a.query<Row>(`SELECT Id, Name FROM Opportunity WHERE OwnerId = '${sf.users[0]?.id}' LIMIT 1`))
      .records[0];
    const seen = await b.sobject("Opportunity").retrieve(String(opp?.Id));
    expect(seen.Name).toBe(opp?.Name);
    const error = await caught(b.sobject("Opportunity").update({ Id: String(opp?.Id), Amount: 1 }));
    expect(error.errorCode).toBe("INSUFFICIENT_ACCESS_OR_READONLY");
    expect((await a.sobject("Opportunity").retrieve(String(opp?.Id))).Amount).not.toBe(1);
  });

  it("changes by someone else go through the API as that user (LastModifiedById)", async () => {
    const acct = (await a.query<Row>(`SELECT Id FROM Account WHERE OwnerId = '${sf.users[0]?.id}' LIMIT 1`)).records[0];
    await b.sobject("Account").update({ Id: String(acct?.Id), Phone: "(212) 555-0199" });
    const after = await a.sobject("Account").retrieve(String(acct?.Id));
    expect([after.Phone, after.LastModifiedById]).toEqual(["(212) 555-0199", sf.users[1]?.id]);
    // Read/Write does not grant delete: only the owner (Full Access) deletes
    expect((await caught(b.sobject("Account").destroy(String(acct?.Id)))).errorCode).toBe(
      "INSUFFICIENT_ACCESS_OR_READONLY",
    );
  });

  it("a private task with no related record is visible to its owner only", async () => {
    const t = await a.sobject("Task").create({ Subject: "Private reminder" });
    expect((await a.query(`SELECT Id FROM Task WHERE Id = '${t.id}'`)).totalSize).toBe(1);
    expect((await b.query(`SELECT Id FROM Task WHERE Id = '${t.id}'`)).totalSize).toBe(0);
    expect((await caught(b.sobject("Task").retrieve(String(t.id)))).errorCode).toBe("NOT_FOUND");
    expect((await caught(b.sobject("Task").update({ Id: String(t.id), Subject: "x" }))).errorCode).toBe(
      "INSUFFICIENT_ACCESS_OR_READONLY",
    );
  });

  it("a task on a readable opportunity is visible (read-only) to others", async () => {
    const opp = (await a.query<Row>("SELECT Id FROM Opportunity LIMIT 1")).records[0];
    const t = await a.sobject("Task").create({ Subject: "On the deal", WhatId: opp?.Id });
    expect((await b.query(`SELECT Id FROM Task WHERE Id = '${t.id}'`)).totalSize).toBe(1);
    expect((await caught(b.sobject("Task").update({ Id: String(t.id), Subject: "mine now" }))).errorCode).toBe(
      "INSUFFICIENT_ACCESS_OR_READONLY",
    );
  });
});

describe("a private org (Account and Opportunity Private)", () => {
  let sf: Emulator;
  let a: Connection;
  let b: Connection;
  beforeAll(async () => {
    sf = await createEmulator({ seed: "private", sharing: { Account: "Private", Opportunity: "Private" } });
    a = connectAs(jsforce, sf, sf.users[0]?.username ?? "");
    b = connectAs(jsforce, sf, sf.users[1]?.username ?? "");
  });
  afterAll(async () => {
    await sf.close();
  });

  it("another user's private opportunity is NOT_FOUND on read and absent from queries", async () => {
    const mine = await a.query<Row>(`SELECT Id, AccountId FROM Opportunity WHERE OwnerId = '${sf.users[0]?.id}'`);
    const theirs = await b.query<Row>("SELECT Id, OwnerId, Account.OwnerId FROM Opportunity");
    for (const r of theirs.records) {
      const accountOwner = (r.Account as Row | null)?.OwnerId;
      expect(r.OwnerId === sf.users[1]?.id || accountOwner === sf.users[1]?.id).toBe(true);
    }
    const hidden = mine.records.find((r) => !theirs.records.some((t) => t.Id === r.Id));
    expect(hidden).toBeDefined();
    expect((await caught(b.sobject("Opportunity").retrieve(String(hidden?.Id)))).errorCode).toBe("NOT_FOUND");
  });

  it("owning an opportunity gives read-only access to its account (implicit parent access)", async () => {
    const mine = await a.query<Row>(`SELECT Id FROM Account WHERE OwnerId = '${sf.users[0]?.id}'`);
    const visibleToB = new Set((await b.query<Row>("SELECT Id FROM Account")).records.map((r) => r.Id));
    const acct = mine.records.find((r) => !visibleToB.has(r.Id));
    const id = String(acct?.Id);
    expect(acct).toBeDefined();
    expect((await caught(b.sobject("Account").retrieve(id))).errorCode).toBe("NOT_FOUND");
    // contacts controlled by parent: no account access, no contact access
    const contacts = await b.query(`SELECT Id FROM Contact WHERE AccountId = '${id}'`);
    expect(contacts.totalSize).toBe(0);
    const error = await caught(
      b
        .sobject("Opportunity")
        .create({ Name: "Mine", StageName: "Prospecting", CloseDate: "2026-12-31", AccountId: id }),
    );
    expect(error.errorCode).toBe("INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY");
    // A gives B an opportunity on that account: B may now read the account, not edit it
    const opp = await a
      .sobject("Opportunity")
      .create({ Name: "Handed over", StageName: "Prospecting", CloseDate: "2026-12-31", AccountId: id });
    await a.sobject("Opportunity").update({ Id: String(opp.id), OwnerId: sf.users[1]?.id });
    expect((await b.sobject("Account").retrieve(id)).Id).toBe(id);
    expect((await caught(b.sobject("Account").update({ Id: id, Phone: "1" }))).errorCode).toBe(
      "INSUFFICIENT_ACCESS_OR_READONLY",
    );
    // contacts controlled by parent follow the account: readable, not editable
    const readable = await b.query<Row>(`SELECT Id FROM Contact WHERE AccountId = '${id}' LIMIT 1`);
    expect(readable.totalSize).toBe(1);
    const contactError = await caught(b.sobject("Contact").update({ Id: String(readable.records[0]?.Id), Title: "x" }));
    expect(contactError.errorCode).toBe("INSUFFICIENT_ACCESS_OR_READONLY");
  });
});
