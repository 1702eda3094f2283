import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import type { AccountRecord, ContactRecord } from "../model/records.js";
import { bookMaps, MIRROR_MAP_NAMES } from "./layout.js";
import { loadBook, setRecord, shareRecordStrings, shareRecordStringsInSteps } from "./record-content.js";

const ACCOUNT = "001000000000001AAA";
const OWNER = "005000000000001AAA";
const contact = (n: number, title: string | null = null): ContactRecord =>
  ({
    Id: `003${String(n).padStart(12, "0")}AAA`,
    AccountId: ACCOUNT,
    FirstName: "Ada",
    LastName: `Lovelace ${n}`,
    Name: `Ada Lovelace ${n}`,
    Title: title,
    Email: `ada${n}@example.com`,
    Phone: null,
    MobilePhone: null,
    SystemModstamp: "2026-01-01T00:00:00.000Z",
  }) as ContactRecord;

const mirrorJson = (doc: Y.Doc): string =>
  JSON.stringify(Object.fromEntries(MIRROR_MAP_NAMES.map((name) => [name, doc.getMap(name).toJSON()])));
const itemOf = <T>(map: Y.Map<T>, key: string): Y.Item | undefined => map._map.get(key);

describe("records as Yjs JSON content", () => {
  it("reads back as the same plain value, locally and on a replica that decodes the update", () => {
    const doc = new Y.Doc();
    const { contacts } = bookMaps(doc);
    const c = contact(1, "CTO");
    doc.transact((tr) => setRecord(tr, contacts, c.Id, c));
    expect(contacts.get(c.Id)).toEqual(c);
    expect(itemOf(contacts, c.Id)?.content).toBeInstanceOf(Y.ContentJSON);

    const replica = new Y.Doc();
    Y.applyUpdate(replica, Y.encodeStateAsUpdate(doc));
    const copy = bookMaps(replica).contacts;
    expect(copy.get(c.Id)).toEqual(c);
    expect(copy.toJSON()).toEqual({ [c.Id]: c });
    expect(itemOf(copy, c.Id)?.content).toBeInstanceOf(Y.ContentJSON);
  });

  it("overwrites like Y.Map#set: one live item, observers told, replicas converge", () => {
    const doc = new Y.Doc();
    const replica = new Y.Doc();
    doc.on("update", (u: Uint8Array) => Y.applyUpdate(replica, u));
    const { contacts } = bookMaps(doc);
    const seen: string[] = [];
    bookMaps(replica).contacts.observe((e) => {
      for (const [key, change] of e.changes.keys) seen.push(`${change.action}:${key}`);
    });
    const first = contact(2);
    doc.transact((tr) => setRecord(tr, contacts, first.Id, first));
    const second = { ...first, Title: "VP Sales" };
    doc.transact((tr) => setRecord(tr, contacts, first.Id, second));
    // A plain Y.Map#set after JSON content overwrites it too (either content type is valid).
    const third = { ...first, Title: "CEO" };
    contacts.set(first.Id, third);

    expect(contacts.get(first.Id)).toEqual(third);
    expect(bookMaps(replica).contacts.get(first.Id)).toEqual(third);
    expect(seen).toEqual([`add:${first.Id}`, `update:${first.Id}`, `update:${first.Id}`]);
    expect(Y.encodeStateAsUpdate(replica)).toEqual(Y.encodeStateAsUpdate(doc));
    // Only the last item is live; the overwritten ones are deleted, as with Y.Map#set.
    let live = 0;
    for (const s of doc.store.clients.get(doc.clientID) ?? []) if (s instanceof Y.Item && !s.deleted) live++;
    expect(live).toBe(1);
  });

  it("shares equal strings after a load without changing any value", () => {
    const doc = new Y.Doc();
    const maps = bookMaps(doc);
    const account: AccountRecord = { Id: ACCOUNT as AccountRecord["Id"], Name: "Acme" };
    doc.transact((tr) => {
      setRecord(tr, maps.accounts, account.Id, account);
      for (let i = 0; i < 5; i++) {
        const c = contact(10 + i);
        setRecord(tr, maps.contacts, c.Id, c);
      }
    });
    maps.meta.set("userId", OWNER);

    const loaded = new Y.Doc();
    Y.applyUpdate(loaded, Y.encodeStateAsUpdate(doc));
    const before = mirrorJson(loaded);
    expect(before).toContain("Lovelace 14");
    // 6 record ids become their keys; 4 of the 5 AccountIds become the first one's string.
    expect(shareRecordStrings(loaded)).toBe(6 + 4);
    expect(mirrorJson(loaded)).toBe(before);

    // In steps of two records: the same replacements, with a pause after every second record.
    const stepped = new Y.Doc();
    Y.applyUpdate(stepped, Y.encodeStateAsUpdate(doc));
    const steps = shareRecordStringsInSteps(stepped, 2);
    let pauses = 0;
    let step = steps.next();
    for (; !step.done; step = steps.next()) pauses++;
    expect(step.value).toBe(6 + 4);
    expect(pauses).toBe(3);
    expect(mirrorJson(stepped)).toBe(before);

    const again = new Y.Doc();
    loadBook(again, Y.encodeStateAsUpdate(doc));
    expect(mirrorJson(again)).toBe(before);
  });

  it("leaves frozen records and non-record values alone", () => {
    const doc = new Y.Doc();
    const maps = bookMaps(doc);
    const frozen = Object.freeze(contact(20));
    doc.transact((tr) => setRecord(tr, maps.contacts, frozen.Id, frozen));
    (maps.accounts as Y.Map<unknown>).set("odd", "not a record");
    expect(shareRecordStrings(doc)).toBe(0);
    expect(maps.contacts.get(frozen.Id)).toBe(frozen);
  });
});
