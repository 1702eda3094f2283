import { bookMaps, bookRecommendations, createBookView, createDevice } from "@tandem/engine";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { opportunityDetail, pipelineRows, recommendationCards, withoutName } from "./view-model.js";

const OPP = "006000000000001AAA";
const ACC = "001000000000001AAA";
const ADA = "003000000000001AAA";
const BOB = "003000000000002AAA";
const OWNER = "005000000000001AAA";
const STAMP = "2026-11-01T00:00:00.000Z";

function book() {
  const doc = new Y.Doc();
  const maps = bookMaps(doc);
  doc.transact(() => {
    maps.meta.set("schemaVersion", 1);
    maps.accounts.set(ACC, { Id: ACC, Name: "Acme" } as never);
    maps.opportunities.set(OPP, {
      Id: OPP,
      Name: "Acme renewal",
      AccountId: ACC,
      Amount: 1000,
      StageName: "Prospecting",
      CloseDate: "2026-12-31",
      Probability: 10,
      Description: null,
      ForecastCategoryName: "Pipeline",
      IsClosed: false,
      OwnerId: OWNER,
      SystemModstamp: STAMP,
    } as never);
    for (const [id, first, last, email] of [
      [ADA, "Ada", "Lovelace", "ada@acme.example"],
      [BOB, "Bob", "Builder", "Bob@Acme.example"],
    ] as const) {
      maps.contacts.set(id, {
        Id: id,
        AccountId: ACC,
        FirstName: first,
        LastName: last,
        Name: `${first} ${last}`,
        Title: null,
        Email: email,
        Phone: null,
        MobilePhone: null,
        SystemModstamp: STAMP,
      } as never);
    }
    maps.contactRoles.set("00K000000000001AAA", {
      Id: "00K000000000001AAA",
      OpportunityId: OPP,
      ContactId: ADA,
      Role: "Decision Maker",
      IsPrimary: true,
    } as never);
  }, "salesforce");
  let tick = 0;
  const device = createDevice(doc, {
    deviceId: "test-device",
    now: () => new Date(Date.UTC(2026, 10, 20, 12, 0, tick++)),
    random: () => new Uint8Array(10).fill(tick),
  });
  const view = createBookView(doc);
  const lookups = {
    interaction: (id: string) => maps.interactions.get(id),
    receipt: (id: string) => maps.receipts.get(id),
  };
  return { doc, maps, device, view, lookups };
}

describe("view model over the engine's views", () => {
  it("words Key evidence: the contact role, and the meeting with its subject and address", () => {
    const { device, view, lookups } = book();
    const r = device.recordInteraction({
      email: " BOB@acme.example",
      kind: "meeting",
      at: "2026-11-19T10:00:00.000Z",
      source: "calendar:week.ics",
      subject: "Kickoff",
    });
    expect(r.ok).toBe(true);
    const snapshot = view.getSnapshot();
    const opp = view.getOpportunity(OPP);
    if (opp === undefined) throw new Error("opportunity missing");
    const detail = opportunityDetail(opp, snapshot, lookups);
    expect(detail.keyContacts.map((c) => c.name)).toEqual(expect.arrayContaining(["Ada Lovelace", "Bob Builder"]));
    const ada = detail.keyContacts.find((c) => c.id === ADA);
    expect(ada?.evidence).toContainEqual({ kind: "role", role: "Decision Maker", isPrimary: true });
    const bob = detail.keyContacts.find((c) => c.id === BOB);
    expect(bob?.evidence).toContainEqual(
      expect.objectContaining({
        kind: "interaction",
        interaction: "meeting",
        subject: "Kickoff",
        source: "calendar:week.ics",
      }),
    );
    expect(detail.lastInteraction).toMatchObject({ source: "calendar", label: "Kickoff", contactName: "Bob Builder" });
  });

  it("carries the next meeting with a Key contact, and not a past one", () => {
    const { maps, view, lookups } = book();
    const soon = new Date(Date.now() + 3 * 86_400_000).toISOString();
    maps.activities.set("00U000000000001AAA", {
      Id: "00U000000000001AAA",
      Type: "Event",
      WhoId: ADA,
      WhatId: OPP,
      Subject: "Pricing review",
      Status: null,
      ActivityDate: soon.slice(0, 10),
      StartDateTime: soon,
      TaskSubtype: null,
      IsClosed: null,
      Description: null,
      OwnerId: OWNER,
      SystemModstamp: STAMP,
      CompletedDateTime: null,
      CreatedDate: null,
    } as never);
    const o = view.getSnapshot().opportunities.find((x) => x.id === OPP);
    if (!o) throw new Error("no opportunity");
    const detail = opportunityDetail(o, view.getSnapshot(), lookups);
    expect(detail.nextMeeting).toMatchObject({ subject: "Pricing review", contactName: "Ada Lovelace", at: soon });
    expect(detail.lastInteraction?.label).not.toBe("Pricing review");
  });

  it("shows a logged call as queued, then in Salesforce with the record id once its receipt says so", () => {
    const { doc, maps, device, view, lookups } = book();
    const logged = device.logActivity({ opportunityId: OPP, contactId: ADA, type: "call", description: "hello" });
    if (!logged.ok) throw logged.error;
    const at = () => {
      const opp = view.getOpportunity(OPP);
      if (opp === undefined) throw new Error("opportunity missing");
      return opportunityDetail(opp, view.getSnapshot(), lookups).activities;
    };
    expect(at()).toHaveLength(1);
    expect(at()[0]).toMatchObject({ subject: "Call with Ada Lovelace", kind: "call", source: "device" });
    expect(at()[0]?.receipt?.status).toBe("queued");
    doc.transact(() => {
      maps.receipts.set(logged.value.id, {
        intentId: logged.value.id,
        status: "applied",
        attempts: 1,
        updatedAt: STAMP,
        salesforceId: "00T000000000009AAA",
      } as never);
    }, "salesforce");
    expect(at()[0]?.receipt).toMatchObject({ status: "applied", salesforceId: "00T000000000009AAA" });
  });

  it("overlays a pending edit on the pipeline row and lists a conflict with base, mine and theirs", () => {
    const { doc, maps, device, view, lookups } = book();
    const edit = device.editField({ sobject: "Opportunity", recordId: OPP, field: "Amount", value: 2000 });
    if (!edit.ok) throw edit.error;
    const [row] = pipelineRows(view.getSnapshot());
    expect(row).toMatchObject({ amount: 2000, pendingFields: ["Amount"] });
    doc.transact(() => {
      maps.receipts.set(edit.value.id, {
        intentId: edit.value.id,
        status: "conflict",
        attempts: 1,
        updatedAt: STAMP,
        conflict: { base: 1000, mine: 2000, theirs: 3000 },
      } as never);
    }, "salesforce");
    const opp = view.getOpportunity(OPP);
    if (opp === undefined) throw new Error("opportunity missing");
    const detail = opportunityDetail(opp, view.getSnapshot(), lookups);
    expect(detail.pending.size).toBe(0);
    expect(detail.problems).toEqual([
      expect.objectContaining({ field: "Amount", receipt: expect.objectContaining({ status: "conflict" }) }),
    ]);
    expect(detail.problems[0]?.receipt.conflict).toEqual({ base: 1000, mine: 2000, theirs: 3000 });
  });

  it("titles recommendation cards without repeating the opportunity name", () => {
    const { view } = book();
    const snapshot = view.getSnapshot();
    const cards = recommendationCards(bookRecommendations(snapshot, new Date("2027-01-05T00:00:00Z")), snapshot);
    const passed = cards.find((c) => c.kind === "close-date-passed");
    expect(passed).toMatchObject({ opportunityId: OPP, opportunityName: "Acme renewal" });
    expect(passed?.title).not.toContain("Acme renewal");
    expect(passed?.title.charAt(0)).toBe(passed?.title.charAt(0).toUpperCase());
  });

  it("drops the opportunity's name from the engine's card titles, wherever it stands", () => {
    expect(withoutName("Acme: close date 2026-01-01 has passed", "Acme")).toBe("Close date 2026-01-01 has passed");
    expect(withoutName("Acme has no Key contact", "Acme")).toBe("No Key contact");
    expect(withoutName("No interaction with any Key contact of Acme in 14 days", "Acme")).toBe(
      "No interaction with any Key contact in 14 days",
    );
    expect(withoutName("Ada is a new Key contact for Acme (from email)", "Acme")).toBe(
      "Ada is a new Key contact (from email)",
    );
  });
});

describe("what the book shows from Salesforce (issue 25)", () => {
  const org = {
    instanceUrl: "https://acme.my.salesforce.com",
    stages: [
      { name: "Prospecting", sortOrder: 1, isClosed: false, isWon: false },
      { name: "Qualification", sortOrder: 2, isClosed: false, isWon: false },
      { name: "Closed Won", sortOrder: 3, isClosed: true, isWon: true },
    ],
  };

  it("a pending close marks the row closing at once; the stage has its sales-process rank", () => {
    const { doc, maps, device, view } = book();
    doc.transact(() => maps.meta.set("org", org), "salesforce");
    expect(pipelineRows(view.getSnapshot())[0]).toMatchObject({ closing: false, stageRank: 0 });
    const close = device.editField({ sobject: "Opportunity", recordId: OPP, field: "StageName", value: "Closed Won" });
    if (!close.ok) throw close.error;
    expect(pipelineRows(view.getSnapshot())[0]).toMatchObject({ stage: "Closed Won", closing: true, stageRank: 2 });
  });

  it("lists open to-dos apart with their due date and status, shows both numbers and links the record", () => {
    const { doc, maps, view, lookups } = book();
    doc.transact(() => {
      maps.meta.set("org", org);
      maps.contacts.set(ADA, {
        ...maps.contacts.get(ADA),
        Phone: "+1 415 555 0100",
        MobilePhone: "+1 415 555 0199",
      } as never);
      maps.activities.set("00T000000000001AAA", {
        Id: "00T000000000001AAA",
        Type: "Task",
        WhoId: ADA,
        WhatId: OPP,
        Subject: "Email: Security questionnaire",
        Status: "Not Started",
        ActivityDate: "2027-01-01",
        StartDateTime: null,
        Description: null,
        TaskSubtype: "Email",
        IsClosed: false,
        CompletedDateTime: null,
        CreatedDate: "2026-11-02T09:00:00.000Z",
        OwnerId: OWNER,
        SystemModstamp: STAMP,
      } as never);
    }, "salesforce");
    const opp = view.getOpportunity(OPP);
    if (opp === undefined) throw new Error("opportunity missing");
    const detail = opportunityDetail(opp, view.getSnapshot(), lookups);
    expect(detail.openTasks).toEqual([
      {
        key: "00T000000000001AAA",
        subject: "Email: Security questionnaire",
        due: "2027-01-01",
        status: "Not Started",
        contactName: "Ada Lovelace",
      },
    ]);
    expect(detail.activities).toEqual([]);
    expect(detail.lastInteraction).toBeNull();
    expect(detail.keyContacts.find((c) => c.id === ADA)).toMatchObject({
      phone: "+1 415 555 0100",
      mobile: "+1 415 555 0199",
    });
    expect(detail.salesforceUrl).toBe(`https://acme.my.salesforce.com/${OPP}`);
  });
});
