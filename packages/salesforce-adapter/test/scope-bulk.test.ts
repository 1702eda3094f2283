/**
 * A large first sync through a Bulk API 2.0 query job (issue 23), end to end against the
 * emulator with the engine's runner: with a low threshold and small pages, the contacts of a
 * rep's book arrive one page per cycle, each cycle on a fresh port (a restarted worker) that
 * resumes from the book's `meta.scopeContinuation`, and the finished book equals a REST-only
 * first sync of the same org — also when contacts change or are deleted while pages remain, and
 * when Salesforce dropped the job half-way.
 */
import { bookMaps, type CycleReport, readScopeContinuation, readWatermarks } from "@tandem/engine";
import type { Emulator } from "@tandem/salesforce-emulator";
import { Exit } from "effect";
import type { Connection } from "jsforce";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import type { SignedInTokens } from "../src/auth/oauth.js";
import { apiCalls, portFor, runnerCycle, startRepOrg } from "./harness.js";

let sf: Emulator;
let rep: SignedInTokens;
let conn: Connection;

beforeAll(async () => {
  ({ sf, rep, conn } = await startRepOrg("scope-bulk"));
});

afterAll(async () => {
  await sf.close();
});

const BULK = { bulkThreshold: 20, bulkPageRecords: 30 } as const;

/** One cycle on a fresh port (as a restarted worker would run it). */
async function cycle(doc: Y.Doc, options: Partial<typeof BULK> | { bulkThreshold: number }): Promise<CycleReport> {
  const port = portFor(sf, rep, { now: () => sf.control.now(), ...options });
  const exit = await runnerCycle(sf, rep, doc, port);
  if (Exit.isFailure(exit)) throw new Error(`cycle failed: ${String(exit.cause)}`);
  return exit.value;
}

const continuationOf = (doc: Y.Doc) => readScopeContinuation(bookMaps(doc).meta.get("scopeContinuation"));
const contactsOf = (doc: Y.Doc) =>
  Object.fromEntries([...bookMaps(doc).contacts.entries()].sort(([a], [b]) => a.localeCompare(b)));

/** Runs cycles until the first sync has read its last page; returns how many ran. */
async function finish(doc: Y.Doc, options: Partial<typeof BULK>): Promise<number> {
  for (let n = 1; n <= 200; n++) {
    const report = await cycle(doc, options);
    if (!report.more) return n;
  }
  throw new Error("the first sync did not finish in 200 cycles");
}

/** A REST-only first sync of the org as it is now. */
async function restBook(): Promise<Y.Doc> {
  const doc = new Y.Doc();
  const report = await cycle(doc, { bulkThreshold: Number.POSITIVE_INFINITY });
  expect(report.more).toBe(false);
  return doc;
}

describe("a large first sync through Bulk 2.0 (issue 23)", () => {
  it("reads the contacts a page per cycle, resumes on a fresh port, and ends with the REST book", async () => {
    const doc = new Y.Doc();
    const before = await apiCalls(sf.url);
    const first = await cycle(doc, BULK);
    expect(first.more).toBe(true);
    const going = continuationOf(doc);
    expect(going?.object).toBe("Contact");
    expect(going?.read).toBe(BULK.bulkPageRecords);
    expect(going?.total).toBeGreaterThan(BULK.bulkPageRecords);
    // The contact watermark is the job's bound: later cycles pull incrementally from there.
    expect(readWatermarks(bookMaps(doc).meta.get("watermarks"))?.Contact).toBe(going?.upTo);
    const cycles = 1 + (await finish(doc, BULK));
    const total = going?.total ?? 0;
    expect(cycles).toBe(Math.ceil(total / BULK.bulkPageRecords));
    expect(continuationOf(doc)).toBeNull();
    const bulkCalls = (await apiCalls(sf.url)) - before;

    const restBefore = await apiCalls(sf.url);
    const rest = await restBook();
    const restCalls = (await apiCalls(sf.url)) - restBefore;
    expect(contactsOf(doc)).toEqual(contactsOf(rest));
    expect(bookMaps(doc).contacts.size).toBeGreaterThanOrEqual(total);
    expect(bulkCalls).toBeGreaterThan(0);
    expect(restCalls).toBeGreaterThan(0);
  });

  it("keeps a contact's change or delete made while its page was still to read", async () => {
    const doc = new Y.Doc();
    await cycle(doc, BULK);
    // Contacts at the book's accounts that no page delivered yet.
    const accounts = new Set(bookMaps(doc).accounts.keys());
    const rows = (
      await conn.query<{ Id: string; AccountId: string | null; OwnerId: string }>(
        "SELECT Id, AccountId, OwnerId FROM Contact",
      )
    ).records;
    const pending = rows.filter(
      (r) => r.AccountId !== null && accounts.has(r.AccountId) && !bookMaps(doc).contacts.has(r.Id),
    );
    // The last ones: their page comes cycles after the change is pulled incrementally. The rep
    // may delete only a contact they own.
    const mine = pending.filter((r) => r.OwnerId === rep.userId);
    const deleted = mine.at(-1);
    const changed = pending.filter((r) => r.Id !== deleted?.Id).at(-1);
    if (!changed || !deleted) throw new Error("the first page left contacts to read");
    await conn.sobject("Contact").update({ Id: changed.Id, Title: "Changed during the first sync" });
    await conn.sobject("Contact").destroy(deleted.Id);

    await finish(doc, BULK);
    expect(bookMaps(doc).contacts.get(changed.Id)?.Title).toBe("Changed during the first sync");
    expect(bookMaps(doc).contacts.has(deleted.Id)).toBe(false);
    expect(contactsOf(doc)).toEqual(contactsOf(await restBook()));
  });

  it("starts a job Salesforce no longer has again, and still ends with the REST book", async () => {
    const doc = new Y.Doc();
    await cycle(doc, BULK);
    const going = continuationOf(doc);
    if (!going) throw new Error("pages remain");
    await conn.request({ method: "DELETE", url: `/services/data/v60.0/jobs/query/${going.jobId}` });
    await finish(doc, BULK);
    expect(continuationOf(doc)).toBeNull();
    expect(contactsOf(doc)).toEqual(contactsOf(await restBook()));
  });
});
