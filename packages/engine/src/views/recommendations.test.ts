import { describe, expect, it } from "vitest";
import type { ContactRecord, OpportunityRecord } from "../model/records.js";
import type { SalesforceId } from "../model/salesforce-id.js";
import { DEFAULT_THRESHOLDS, recommendationsFor } from "./recommendations.js";
import type { ContactView, KeyEvidence, OpportunityView } from "./types.js";

const record = (CloseDate: string): OpportunityRecord => ({
  Id: "006000000000001AAA" as SalesforceId,
  Name: "Deal",
  AccountId: null,
  Amount: null,
  StageName: "Prospecting",
  CloseDate,
  Probability: null,
  Description: null,
  ForecastCategoryName: null,
  IsClosed: false,
  OwnerId: "005000000000001AAA" as SalesforceId,
  SystemModstamp: "2026-01-01T00:00:00.000Z",
});
const key = (lastAt: string | null, evidence: KeyEvidence[], override: "key" | null = null): ContactView => ({
  contact: { Id: "003000000000001AAA", Name: "Ada Lovelace" } as ContactRecord,
  tier: "key",
  evidence,
  override,
  pendingFields: [],
  lastInteraction:
    lastAt === null
      ? null
      : {
          at: lastAt,
          source: "activity",
          kind: "Task",
          contactId: "003000000000001AAA",
          subject: null,
          refId: "x",
          origin: null,
        },
});
const view = (CloseDate: string, keyContacts: ContactView[]): OpportunityView => ({
  id: "006000000000001AAA",
  record: record(CloseDate),
  mirror: record(CloseDate),
  accountName: null,
  pendingFields: {},
  keyContacts,
  otherContacts: [],
  lastInteraction: null,
  activities: [],
});
const NOW = new Date("2026-03-10T12:00:00.000Z");
const role: KeyEvidence = { kind: "role", contactRoleId: "r", role: "Decision Maker", isPrimary: true };
const kinds = (o: OpportunityView, now = NOW, t = DEFAULT_THRESHOLDS) =>
  recommendationsFor(o, now, t)
    .map((c) => c.kind)
    .sort();

describe("recommendations", () => {
  it("no Key contact; close date passed", () => {
    expect(kinds(view("2026-03-09", []))).toEqual(["close-date-passed", "no-key-contact"]);
  });

  it("close date within 7 days (inclusive), not beyond; thresholds are configurable", () => {
    const fresh = [key("2026-03-09", [role])];
    expect(kinds(view("2026-03-10", fresh))).toEqual(["close-date-soon"]);
    expect(kinds(view("2026-03-17", fresh))).toEqual(["close-date-soon"]);
    expect(kinds(view("2026-03-18", fresh))).toEqual([]);
    expect(kinds(view("2026-03-18", fresh), NOW, { ...DEFAULT_THRESHOLDS, closeSoonDays: 10 })).toEqual([
      "close-date-soon",
    ]);
  });

  it("no interaction with any Key contact in 14 days", () => {
    expect(kinds(view("2026-06-01", [key("2026-02-20", [role])]))).toEqual(["no-recent-interaction"]);
    expect(kinds(view("2026-06-01", [key("2026-02-20", [role]), key("2026-03-01T10:00:00.000Z", [role])]))).toEqual([]);
    expect(kinds(view("2026-06-01", [key(null, [role])]))).toEqual(["no-recent-interaction"]);
    expect(
      kinds(view("2026-06-01", [key("2026-02-20", [role])]), NOW, { ...DEFAULT_THRESHOLDS, staleInteractionDays: 30 }),
    ).toEqual([]);
  });

  it("new Key contact from email, only when the email is recent and nothing else made them Key", () => {
    const email = (at: string): KeyEvidence => ({
      kind: "interaction",
      interactionId: "i",
      interaction: "email",
      at,
      source: "gmail",
    });
    const cards = recommendationsFor(
      view("2026-06-01", [key("2026-03-08T00:00:00.000Z", [email("2026-03-08T00:00:00.000Z")])]),
      NOW,
    );
    expect(cards.map((c) => c.kind)).toEqual(["new-key-contact"]);
    expect(cards[0]?.id).toBe("new-key-contact:006000000000001AAA:003000000000001AAA");
    expect(kinds(view("2026-06-01", [key("2026-03-08", [email("2026-02-20T00:00:00.000Z")])]))).toEqual([]);
    expect(kinds(view("2026-06-01", [key("2026-03-08", [role, email("2026-03-08T00:00:00.000Z")])]))).toEqual([]);
  });
});
