import { describe, expect, it } from "vitest";
import type { PipelineRow } from "../view-model/view-model.js";
import { DEFAULT_QUERY, foldText, queryPipeline, stagesOf, toggleSort, totalAmount } from "./pipeline-query.js";

function row(id: string, patch: Partial<PipelineRow>): PipelineRow {
  return {
    id,
    name: `Opp ${id}`,
    accountId: null,
    accountName: "Acme",
    amount: 100,
    stage: "Prospecting",
    closeDate: "2026-01-01",
    probability: 10,
    forecastCategory: "Pipeline",
    description: null,
    pendingFields: [],
    closing: false,
    stageRank: null,
    ...patch,
  };
}

const rows = [
  row("a", {
    name: "Renewal",
    accountName: "Zürich Insurance",
    amount: 500,
    stage: "Negotiation/Review",
    probability: 80,
  }),
  row("b", { name: "Expansion", accountName: "Acme", amount: null, closeDate: "2025-12-01" }),
  row("c", { name: "Pilot", accountName: "Globex", amount: 50, stage: "Qualification", probability: 20 }),
];

describe("pipeline query", () => {
  it("sorts by close date ascending by default", () => {
    expect(queryPipeline(rows, DEFAULT_QUERY).map((r) => r.id)).toEqual(["b", "a", "c"]);
  });

  it("sorts numbers numerically and puts empty amounts last in both directions", () => {
    const asc = queryPipeline(rows, { ...DEFAULT_QUERY, sort: { column: "amount", direction: "asc" } });
    expect(asc.map((r) => r.id)).toEqual(["c", "a", "b"]);
    const desc = queryPipeline(rows, { ...DEFAULT_QUERY, sort: { column: "amount", direction: "desc" } });
    expect(desc.map((r) => r.id)).toEqual(["a", "c", "b"]);
  });

  it("filters by stage", () => {
    expect(queryPipeline(rows, { ...DEFAULT_QUERY, stage: "Qualification" }).map((r) => r.id)).toEqual(["c"]);
  });

  it("searches name, account and stage, ignoring case and accents, every word must match", () => {
    expect(queryPipeline(rows, { ...DEFAULT_QUERY, search: "zurich" }).map((r) => r.id)).toEqual(["a"]);
    expect(queryPipeline(rows, { ...DEFAULT_QUERY, search: "ACME exp" }).map((r) => r.id)).toEqual(["b"]);
    expect(queryPipeline(rows, { ...DEFAULT_QUERY, search: "acme pilot" })).toEqual([]);
    expect(queryPipeline(rows, { ...DEFAULT_QUERY, search: "negotiation" }).map((r) => r.id)).toEqual(["a"]);
  });

  it("toggles sort direction on the same column and starts ascending on a new one", () => {
    expect(toggleSort({ column: "name", direction: "asc" }, "name")).toEqual({ column: "name", direction: "desc" });
    expect(toggleSort({ column: "name", direction: "desc" }, "amount")).toEqual({ column: "amount", direction: "asc" });
  });

  it("lists stages in the org's order, unlisted ones after by probability, and totals amounts", () => {
    expect(stagesOf(rows)).toEqual(["Prospecting", "Qualification", "Negotiation/Review"]);
    // The org's sales process puts Negotiation/Review first and does not list Prospecting.
    const ranked = rows.map((r) => ({
      ...r,
      stageRank: r.stage === "Negotiation/Review" ? 0 : r.stage === "Qualification" ? 1 : null,
    }));
    expect(stagesOf(ranked)).toEqual(["Negotiation/Review", "Qualification", "Prospecting"]);
    expect(totalAmount(rows)).toBe(550);
    expect(foldText("  Ünïcödé ")).toBe("unicode");
  });
});

describe("stage sort (issue 25, bug 6)", () => {
  it("follows the org's sales-process order, not the alphabet; unranked stages after, by name", () => {
    const staged = [
      row("p", { stage: "Proposal/Price Quote", stageRank: 6 }),
      row("q", { stage: "Qualification", stageRank: 1 }),
      row("x", { stage: "Custom", stageRank: null }),
      row("n", { stage: "Needs Analysis", stageRank: 2 }),
    ];
    const asc = queryPipeline(staged, { ...DEFAULT_QUERY, sort: { column: "stage", direction: "asc" } });
    expect(asc.map((r) => r.id)).toEqual(["q", "n", "p", "x"]);
    const desc = queryPipeline(staged, { ...DEFAULT_QUERY, sort: { column: "stage", direction: "desc" } });
    expect(desc.map((r) => r.id)).toEqual(["p", "n", "q", "x"]);
  });
});
