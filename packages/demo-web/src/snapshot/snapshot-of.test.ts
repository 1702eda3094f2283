import { bookMaps, createBookView } from "@tandem/engine";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { snapshotOfView } from "./snapshot-of.js";
import { decodeViewSnapshot, writeViewSnapshot } from "./view-snapshot.js";

const ACC = "001000000000001AAA";
const ADA = "003000000000001AAA";
const OWNER_ID = "005000000000001AAA";
const STAMP = "2026-11-01T00:00:00.000Z";
const OWNER = { room: "book:test", userId: OWNER_ID };

const LONELY = "001000000000002AAA";

function opportunity(id: string, name: string, closeDate: string, amount: number, accountId = ACC) {
  return {
    Id: id,
    Name: name,
    AccountId: accountId,
    Amount: amount,
    StageName: "Prospecting",
    CloseDate: closeDate,
    Probability: 10,
    Description: null,
    ForecastCategoryName: "Pipeline",
    IsClosed: false,
    OwnerId: OWNER_ID,
    SystemModstamp: STAMP,
  };
}

/** Two open deals whose close dates have passed: one with a contact, one on an account with none. */
function book() {
  const doc = new Y.Doc();
  const maps = bookMaps(doc);
  doc.transact(() => {
    maps.meta.set("schemaVersion", 1);
    maps.accounts.set(ACC, { Id: ACC, Name: "Acme" } as never);
    maps.accounts.set(LONELY, { Id: LONELY, Name: "Globex" } as never);
    maps.opportunities.set(
      "006000000000001AAA",
      opportunity("006000000000001AAA", "Acme renewal", "2026-12-01", 1000) as never,
    );
    maps.opportunities.set(
      "006000000000002AAA",
      opportunity("006000000000002AAA", "Globex pilot", "2026-11-15", 500, LONELY) as never,
    );
    maps.contacts.set(ADA, {
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
    } as never);
    maps.contactRoles.set("00K000000000001AAA", {
      Id: "00K000000000001AAA",
      OpportunityId: "006000000000001AAA",
      ContactId: ADA,
      Role: "Decision Maker",
      IsPrimary: true,
    } as never);
  }, "salesforce");
  return { doc, maps, view: createBookView(doc) };
}

describe("snapshotOfView", () => {
  it("copies every pipeline row and the worded cards of the first screen, and reads back valid", () => {
    const { view } = book();
    const now = new Date(2026, 11, 7, 12, 0, 0);
    const snapshot = snapshotOfView(view, OWNER, now);
    expect(snapshot.rows.map((r) => r.name).sort()).toEqual(["Acme renewal", "Globex pilot"]);
    expect(snapshot.savedAt).toBe(now.toISOString());
    const passed = snapshot.cards.top.find((c) => c.kind === "close-date-passed");
    expect(passed).toMatchObject({
      opportunityName: "Acme renewal",
      title: "Close date Dec 1, 2026 has passed",
      fixes: [
        { fix: "move-close-date", label: "Move to Dec 21, 2026" },
        { fix: "log-call", label: "Log a call" },
      ],
    });
    // "Log a call" needs a contact to log against, as on the live cards.
    const lonely = snapshot.cards.top.filter((c) => c.opportunityId === "006000000000002AAA");
    expect(lonely.length).toBeGreaterThan(0);
    for (const card of lonely) expect(card.fixes.map((f) => f.fix)).not.toContain("log-call");
    expect(snapshot.cards.total).toBeGreaterThanOrEqual(snapshot.cards.top.length);
    expect(decodeViewSnapshot(writeViewSnapshot(snapshot), OWNER)).toEqual(snapshot);
  });

  it("follows the doc: a change to the book shows in the next snapshot", () => {
    const { doc, maps, view } = book();
    const before = snapshotOfView(view, OWNER, new Date(2026, 11, 7));
    expect(before.rows.find((r) => r.name === "Globex pilot")?.amount).toBe(500);
    doc.transact(() => {
      maps.opportunities.set(
        "006000000000002AAA",
        opportunity("006000000000002AAA", "Globex pilot", "2026-11-15", 750, LONELY) as never,
      );
    }, "salesforce");
    const after = snapshotOfView(view, OWNER, new Date(2026, 11, 7));
    expect(after.rows.find((r) => r.name === "Globex pilot")?.amount).toBe(750);
  });
});
