/**
 * Issue 25 in the book view: activities keep their time of day and order by it (bug 3), open
 * to-dos are listed apart and never count as an interaction (bug 7), and `meta.org` gives the
 * stage order, which stages close, and links to records (bugs 4 and 6, the Salesforce link).
 */
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { bookMaps, SALESFORCE_ORIGIN } from "../doc/layout.js";
import type { ActivityRecord } from "../model/records.js";
import { type SalesforceId, to18 } from "../model/salesforce-id.js";
import type { Intent, OrgInfo } from "../model/schemas.js";
import { activityAt } from "./activity-items.js";
import { createBookView } from "./book-view.js";
import { isClosedStage, recordUrl, stageRank } from "./org-view.js";
import { createZone } from "./time-order.js";

const id = (prefix: string, n: number): SalesforceId => to18(`${prefix}${String(n).padStart(12, "0")}`);
const USER = id("005", 1);
const ACC = id("001", 1);
const OPP = id("006", 1);
const ADA = id("003", 1);
const STAMP = "2026-01-01T00:00:00.000Z";

const task = (n: number, fields: Partial<ActivityRecord> = {}): ActivityRecord => ({
  Id: id("00T", n),
  Type: "Task",
  WhoId: ADA,
  WhatId: OPP,
  Subject: `Task ${n}`,
  Status: "Completed",
  ActivityDate: "2026-01-05",
  StartDateTime: null,
  Description: null,
  TaskSubtype: "Call",
  IsClosed: true,
  CompletedDateTime: null,
  CreatedDate: null,
  OwnerId: USER,
  SystemModstamp: STAMP,
  ...fields,
});

function seed(): Y.Doc {
  const doc = new Y.Doc();
  const m = bookMaps(doc);
  doc.transact(() => {
    m.accounts.set(ACC, { Id: ACC, Name: "Acme" });
    m.opportunities.set(OPP, {
      Id: OPP,
      Name: "Renewal",
      AccountId: ACC,
      Amount: 100,
      StageName: "Prospecting",
      CloseDate: "2026-03-31",
      Probability: 10,
      Description: null,
      ForecastCategoryName: "Pipeline",
      IsClosed: false,
      OwnerId: USER,
      SystemModstamp: STAMP,
    });
    m.contacts.set(ADA, {
      Id: ADA,
      AccountId: ACC,
      FirstName: "Ada",
      LastName: "Lovelace",
      Name: "Ada Lovelace",
      Title: null,
      Email: "ada@acme.example",
      Phone: null,
      MobilePhone: null,
      SystemModstamp: STAMP,
    });
    m.contactRoles.set(id("00K", 1), {
      Id: id("00K", 1),
      OpportunityId: OPP,
      ContactId: ADA,
      Role: null,
      IsPrimary: true,
    });
  }, SALESFORCE_ORIGIN);
  return doc;
}

const UTC = createZone("UTC");

describe("activity times (issue 25, bug 3)", () => {
  it("a Task's time is its completion, else its creation, when that falls on its date", () => {
    expect(activityAt(task(1, { CompletedDateTime: "2026-01-05T08:31:00.000Z" }), UTC)).toBe(
      "2026-01-05T08:31:00.000Z",
    );
    expect(activityAt(task(1, { CreatedDate: "2026-01-05T08:29:00.000Z" }), UTC)).toBe("2026-01-05T08:29:00.000Z");
    // Entered weeks after the day it is dated: the date stands.
    expect(activityAt(task(1, { CreatedDate: "2026-02-20T08:29:00.000Z" }), UTC)).toBe("2026-01-05");
    // A record mirrored before these fields were read.
    const { CreatedDate: _c, CompletedDateTime: _d, ...old } = task(1);
    expect(activityAt(old as ActivityRecord, UTC)).toBe("2026-01-05");
  });

  it("orders same-day activities by time, newest first, and the newest is the Last Interaction", () => {
    const doc = seed();
    const m = bookMaps(doc);
    const view = createBookView(doc);
    // Ids in the opposite order of the times: the tie-break on id must not decide.
    m.activities.set(id("00T", 1), task(1, { CompletedDateTime: "2026-01-05T08:31:00.000Z" }));
    m.activities.set(id("00T", 2), task(2, { CompletedDateTime: "2026-01-05T08:29:00.000Z" }));
    const o = view.getOpportunity(OPP);
    expect(o?.activities.map((a) => [a.key, a.at])).toEqual([
      [id("00T", 1), "2026-01-05T08:31:00.000Z"],
      [id("00T", 2), "2026-01-05T08:29:00.000Z"],
    ]);
    expect(o?.lastInteraction).toMatchObject({ refId: id("00T", 1), at: "2026-01-05T08:31:00.000Z" });
    expect(o?.keyContacts[0]?.lastInteraction).toMatchObject({ refId: id("00T", 1) });
    view.dispose();
  });

  it("a Task logged on a device keeps the time the user gave once Salesforce has it", () => {
    const doc = seed();
    const m = bookMaps(doc);
    const view = createBookView(doc);
    const log = (n: number, occurredAt: string): Intent => ({
      id: `0190000${n}-0000-7000-8000-000000000000`,
      at: occurredAt,
      hlc: `0000000000${n}-0000-phone`,
      device: "phone",
      kind: "logActivity",
      opportunityId: OPP,
      contactId: ADA,
      activity: { type: "call", subject: `Call ${n}`, occurredAt },
    });
    const early = log(1, "2026-01-05T08:29:00.000Z");
    const late = log(2, "2026-01-05T08:31:00.000Z");
    for (const [intent, taskId] of [
      [early, id("00T", 8)],
      [late, id("00T", 7)],
    ] as const) {
      m.intents.set(intent.id, intent);
      m.receipts.set(intent.id, {
        intentId: intent.id,
        status: "applied",
        attempts: 1,
        updatedAt: STAMP,
        salesforceId: taskId,
      });
      // Created by the worker's push: both at the same moment, hours after the calls.
      m.activities.set(taskId, task(Number(taskId.slice(3, 15)), { CompletedDateTime: "2026-01-05T15:00:00.000Z" }));
    }
    const o = view.getOpportunity(OPP);
    expect(o?.activities.map((a) => [a.key, a.source, a.at])).toEqual([
      [id("00T", 7), "salesforce", "2026-01-05T08:31:00.000Z"],
      [id("00T", 8), "salesforce", "2026-01-05T08:29:00.000Z"],
    ]);
    expect(o?.lastInteraction).toMatchObject({ refId: id("00T", 7), at: "2026-01-05T08:31:00.000Z" });
    view.dispose();
  });
});

describe("open to-dos (issue 25, bug 7)", () => {
  it("lists open Tasks apart, soonest due first, never as past activity nor the Last Interaction", () => {
    const doc = seed();
    const m = bookMaps(doc);
    const view = createBookView(doc);
    m.activities.set(id("00T", 1), task(1, { CompletedDateTime: "2026-01-05T08:31:00.000Z" }));
    const todo = (n: number, due: string) =>
      task(n, { Status: "Not Started", IsClosed: false, ActivityDate: due, CreatedDate: "2026-01-04T10:00:00.000Z" });
    m.activities.set(id("00T", 2), todo(2, "2027-01-01"));
    m.activities.set(id("00T", 3), todo(3, "2026-06-01"));
    // Closed in a status other than Completed (IsClosed decides, not the status name).
    m.activities.set(id("00T", 4), task(4, { Status: "Deferred", IsClosed: true, ActivityDate: "2026-01-03" }));
    const o = view.getOpportunity(OPP);
    expect(o?.openTasks.map((a) => [a.key, a.at, a.open])).toEqual([
      [id("00T", 3), "2026-06-01", true],
      [id("00T", 2), "2027-01-01", true],
    ]);
    expect(o?.activities.map((a) => a.key)).toEqual([id("00T", 1), id("00T", 4)]);
    expect(o?.lastInteraction?.refId).toBe(id("00T", 1));
    // Completed: it moves to past activity, at its completion time.
    m.activities.set(id("00T", 3), {
      ...todo(3, "2026-01-06"),
      Status: "Completed",
      IsClosed: true,
      CompletedDateTime: "2026-01-06T09:00:00.000Z",
    });
    const after = view.getOpportunity(OPP);
    expect(after?.openTasks.map((a) => a.key)).toEqual([id("00T", 2)]);
    expect(after?.activities[0]).toMatchObject({ key: id("00T", 3), at: "2026-01-06T09:00:00.000Z" });
    expect(after?.lastInteraction?.refId).toBe(id("00T", 3));
    view.dispose();
  });
});

describe("meta.org in the snapshot (issue 25, bugs 4 and 6)", () => {
  const org: OrgInfo = {
    instanceUrl: "https://acme.my.salesforce.com/",
    stages: [
      { name: "Closed Won", sortOrder: 3, isClosed: true, isWon: true },
      { name: "Prospecting", sortOrder: 1, isClosed: false, isWon: false },
      { name: "Signed", sortOrder: 4, isClosed: true, isWon: true },
      { name: "Qualification", sortOrder: 2, isClosed: false, isWon: false },
    ],
  };

  it("gives the stages in sales-process order, which close, and record links", () => {
    const doc = seed();
    const view = createBookView(doc);
    expect(view.getSnapshot().org).toEqual({
      instanceUrl: null,
      stages: [],
      timeZone: "UTC",
      fields: {},
      recordTypes: {},
      fieldNotes: [],
    });
    // Without the org's description, a stage closes only by its name.
    expect(isClosedStage(view.getSnapshot().org, "Closed Lost")).toBe(true);
    expect(isClosedStage(view.getSnapshot().org, "Signed")).toBe(false);
    doc.transact(() => bookMaps(doc).meta.set("org", org), SALESFORCE_ORIGIN);
    const snap = view.getSnapshot().org;
    expect(snap.stages.map((s) => s.name)).toEqual(["Prospecting", "Qualification", "Closed Won", "Signed"]);
    expect(stageRank(snap, "Qualification")).toBe(1);
    expect(stageRank(snap, "Unknown")).toBeNull();
    expect(isClosedStage(snap, "Signed")).toBe(true);
    expect(isClosedStage(snap, "Prospecting")).toBe(false);
    expect(recordUrl(snap, OPP)).toBe(`https://acme.my.salesforce.com/${OPP}`);
    // A damaged meta.org reads as none.
    doc.transact(() => bookMaps(doc).meta.set("org", { stages: "x" }), SALESFORCE_ORIGIN);
    expect(view.getSnapshot().org).toEqual({
      instanceUrl: null,
      stages: [],
      timeZone: "UTC",
      fields: {},
      recordTypes: {},
      fieldNotes: [],
    });
    view.dispose();
  });
});
