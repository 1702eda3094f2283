import type { Recommendation } from "@tandem/engine";
import { describe, expect, it } from "vitest";
import type { PipelineRow } from "../view-model/view-model.js";
import { queryPipeline } from "./pipeline-query.js";
import { dateAfter, selectRecommendations } from "./recommendation-query.js";

const row = (id: string, name: string, stage: string): PipelineRow =>
  ({ id, name, accountName: "Acme", stage, amount: 1000, closeDate: "2026-04-01", probability: 10 }) as PipelineRow;

const card = (
  opportunityId: string,
  kind: Recommendation["kind"],
  severity: Recommendation["severity"],
  amount: number | null = 1000,
): Recommendation => ({
  id: `${kind}:${opportunityId}`,
  kind,
  severity,
  opportunityId,
  contactId: null,
  title: kind,
  closeDate: "2026-04-01",
  amount,
  nextMeeting: null,
});

const rows = [row("o1", "Acme renewal", "Prospecting"), row("o2", "Globex expansion", "Negotiation/Review")];
const cards = [
  card("o1", "no-key-contact", "warning"),
  card("o2", "close-date-passed", "urgent"),
  card("o1", "close-date-passed", "urgent", 500),
  card("o3", "close-date-passed", "urgent"),
];

describe("the pipeline's recommendation cards (issue 25)", () => {
  it("ranks them, most urgent first, and shows a few with one card per deal", () => {
    const { all, top } = selectRecommendations(cards, rows, 3);
    expect(all.map((c) => c.id)).toEqual(["close-date-passed:o2", "close-date-passed:o1", "no-key-contact:o1"]);
    expect(top.map((c) => c.id)).toEqual(["close-date-passed:o2", "close-date-passed:o1"]);
  });

  it("follows the stage filter and the search: only cards of the rows on screen", () => {
    const byStage = queryPipeline(rows, {
      search: "",
      stage: "Prospecting",
      sort: { column: "name", direction: "asc" },
    });
    expect(selectRecommendations(cards, byStage).all.map((c) => c.opportunityId)).toEqual(["o1", "o1"]);
    const bySearch = queryPipeline(rows, { search: "globex", stage: "", sort: { column: "name", direction: "asc" } });
    expect(selectRecommendations(cards, bySearch).all.map((c) => c.id)).toEqual(["close-date-passed:o2"]);
    expect(selectRecommendations(cards, []).all).toEqual([]);
  });

  it("a moved close date is a local calendar date two weeks on, across a month end", () => {
    expect(dateAfter(new Date(2026, 11, 24, 23, 30), 14)).toBe("2027-01-07");
    expect(dateAfter(new Date(2026, 1, 20, 0, 5), 14)).toBe("2026-03-06");
  });
});
