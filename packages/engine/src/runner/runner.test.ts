import { Cause, Exit } from "effect";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { bookMaps } from "../doc/layout.js";
import type { SyncStatus } from "../model/schemas.js";
import { createBookFixture } from "../testing/book-fixture.js";
import { createBookView } from "../views/book-view.js";
import { CycleFailed } from "./runner.js";

const ok = <A, E>(exit: Exit.Exit<A, E>): A => {
  if (Exit.isSuccess(exit)) return exit.value;
  throw new Error(`cycle failed: ${String(exit.cause)}`);
};

describe("runner cycle", () => {
  it("mirrors the book, writes a logged call exactly once and shows it everywhere", async () => {
    const f = createBookFixture();
    const first = ok(await f.sync());
    const maps = bookMaps(f.doc);
    expect(first.skipped).toBeNull();
    expect([...maps.opportunities.keys()].sort()).toEqual([f.ids.opp, f.ids.opp2].sort());
    expect(maps.accounts.get(f.ids.account)?.Name).toBe("Acme");
    expect(maps.accounts.has(f.ids.otherAccount)).toBe(false);
    expect(maps.contacts.size).toBe(3);
    expect(maps.activities.size).toBe(1);
    expect(maps.meta.get("schemaVersion")).toBe(1);
    // The sync status carries the record counts (docs/architecture.md, "Observability").
    expect((maps.meta.get("sync") as SyncStatus).records).toEqual({
      opportunities: 2,
      accounts: maps.accounts.size,
      contacts: 3,
      contactRoles: maps.contactRoles.size,
      activities: 1,
    });

    const device = f.device("phone");
    const logged = device.logActivity({
      opportunityId: f.ids.opp,
      contactId: f.ids.ada,
      type: "call",
      description: "Pricing",
    });
    expect(logged.ok).toBe(true);
    if (!logged.ok) return;
    const view = createBookView(f.doc);
    const before = view.getOpportunity(f.ids.opp);
    expect(before?.activities[0]).toMatchObject({
      source: "logged",
      status: "queued",
      subject: "Call with Ada Lovelace",
    });

    f.clock.advance(1000);
    const second = ok(await f.sync());
    expect(second.pushed).toBe(1);
    expect(maps.receipts.get(logged.value.id)?.status).toBe("applied");
    const tasks = [...f.org.activities.values()].filter((a) => a.Subject === "Call with Ada Lovelace");
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ Status: "Completed", TaskSubtype: "Call", WhoId: f.ids.ada, WhatId: f.ids.opp });

    f.clock.advance(1000);
    ok(await f.sync());
    const after = view.getOpportunity(f.ids.opp);
    const rows = after?.activities.filter((a) => a.subject === "Call with Ada Lovelace") ?? [];
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ source: "salesforce", intentId: logged.value.id });
    view.dispose();
  });
});

describe("runner: write-ahead, retries, budget and revocation", () => {
  it("makes the sending receipt durable before the write reaches Salesforce", async () => {
    const f = createBookFixture();
    ok(await f.sync());
    const log = f.device("p").logActivity({ opportunityId: f.ids.opp, contactId: f.ids.ada, type: "email" });
    if (!log.ok) throw log.error;
    const seenOnDisk: Array<string | undefined> = [];
    const port = {
      ...f.port,
      push: (writes: Parameters<typeof f.port.push>[0]) => {
        const disk = new Y.Doc();
        if (f.disk) Y.applyUpdate(disk, f.disk);
        seenOnDisk.push(bookMaps(disk).receipts.get(log.value.id)?.status);
        return f.port.push(writes);
      },
    };
    ok(await f.sync({ port }));
    expect(seenOnDisk).toEqual(["sending"]);
  });

  it("retries retryable errors with backoff, and a lost response is looked up, not re-created", async () => {
    const f = createBookFixture();
    f.port.inject("pullScope", "rate-limited", 2);
    f.port.inject("pullActivities", "session-expired");
    ok(await f.sync());
    const log = f.device("p").logActivity({ opportunityId: f.ids.opp, contactId: f.ids.ada, type: "call" });
    if (!log.ok) throw log.error;
    f.port.inject("push", "lost-response");
    const report = ok(await f.sync());
    expect(report.foundByLookup).toBe(1);
    expect([...f.org.activities.values()].filter((a) => a.idempotencyKey !== null)).toHaveLength(1);
    expect(bookMaps(f.doc).receipts.get(log.value.id)?.status).toBe("applied");
  });

  it("skips a cycle when the org's API budget is nearly spent", async () => {
    const f = createBookFixture();
    f.org.apiCalls = 99_000;
    const report = ok(await f.sync());
    expect(report.skipped).toBe("api-budget");
    expect(f.org.apiCalls).toBe(99_000);
    expect(bookMaps(f.doc).opportunities.size).toBe(0);
  });

  it("stops on Revoked, records the error in the sync status and keeps the intent", async () => {
    const f = createBookFixture();
    ok(await f.sync());
    const log = f.device("p").logActivity({ opportunityId: f.ids.opp, contactId: f.ids.ada, type: "call" });
    if (!log.ok) throw log.error;
    f.org.revoke(f.user);
    const exit = await f.sync();
    expect(Exit.isFailure(exit)).toBe(true);
    const error = Exit.isFailure(exit) ? Cause.squash(exit.cause) : null;
    expect(error).toBeInstanceOf(CycleFailed);
    expect(error instanceof CycleFailed && error.error._tag).toBe("Revoked");
    const sync = bookMaps(f.doc).meta.get("sync") as { state: string; lastError: { code: string } };
    expect(sync.state).toBe("error");
    expect(sync.lastError.code).toBe("Revoked");
    expect(bookMaps(f.doc).receipts.get(log.value.id)).toBeUndefined();
  });
});
