import { describe, expect, it } from "vitest";
import type { ContactRecord, OpportunityRecord } from "../model/records.js";
import type { SalesforceId } from "../model/salesforce-id.js";
import {
  DEFAULT_THRESHOLDS,
  type Recommendation,
  rankRecommendations,
  recommendationsFor,
  topRecommendations,
} from "./recommendations.js";
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
  nextMeeting: null,
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
  nextMeeting: null,
  activities: [],
  openTasks: [],
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

describe("ranking recommendations (issue 25: 42 cards for 51 opportunities is noise)", () => {
  const card = (
    id: string,
    kind: Recommendation["kind"],
    severity: Recommendation["severity"],
    amount: number | null,
    closeDate = "2026-04-01",
    opportunityId = id,
  ): Recommendation => ({
    id,
    kind,
    severity,
    amount,
    closeDate,
    opportunityId,
    contactId: null,
    title: id,
    nextMeeting: null,
  });

  it("puts the most urgent first, then the bigger deal, then the earlier close date, then the id", () => {
    const ranked = rankRecommendations([
      card("info", "new-key-contact", "info", 1_000_000),
      card("small-passed", "close-date-passed", "urgent", 1_000),
      card("no-key", "no-key-contact", "warning", 90_000),
      card("big-passed", "close-date-passed", "urgent", 80_000),
      card("stale", "no-recent-interaction", "warning", 90_000),
      card("soon-late", "close-date-soon", "warning", 5_000, "2026-04-09"),
      card("soon-early", "close-date-soon", "warning", 5_000, "2026-04-02"),
      card("no-amount", "close-date-passed", "urgent", null),
      card("b-tie", "no-key-contact", "warning", 90_000),
    ]);
    expect(ranked.map((c) => c.id)).toEqual([
      "big-passed",
      "small-passed",
      "no-amount",
      "soon-early",
      "soon-late",
      "stale",
      "b-tie",
      "no-key",
      "info",
    ]);
  });

  it("is a total order: any input order gives the same ranking", () => {
    const cards = [
      card("a", "no-key-contact", "warning", null),
      card("b", "no-key-contact", "warning", null),
      card("c", "close-date-soon", "warning", 10),
    ];
    const expected = rankRecommendations(cards).map((c) => c.id);
    expect(rankRecommendations([...cards].reverse()).map((c) => c.id)).toEqual(expected);
    expect(expected).toEqual(["c", "a", "b"]);
  });

  it("the top few name different deals", () => {
    const ranked = rankRecommendations([
      card("p1", "close-date-passed", "urgent", 50_000, "2026-03-01", "opp1"),
      card("k1", "no-key-contact", "warning", 50_000, "2026-03-01", "opp1"),
      card("p2", "close-date-passed", "urgent", 40_000, "2026-03-01", "opp2"),
      card("s3", "close-date-soon", "warning", 1, "2026-03-12", "opp3"),
      card("s4", "close-date-soon", "warning", 0, "2026-03-12", "opp4"),
    ]);
    expect(topRecommendations(ranked, 3).map((c) => c.id)).toEqual(["p1", "p2", "s3"]);
    expect(topRecommendations(ranked, 10)).toHaveLength(4);
  });

  it("cards carry the close date and amount for the UI to word", () => {
    const [passed] = recommendationsFor(view("2026-03-09", [key("2026-03-09", [role])]), NOW);
    expect(passed).toMatchObject({ kind: "close-date-passed", closeDate: "2026-03-09", amount: null });
  });
});
