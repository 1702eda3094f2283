import { describe, expect, it } from "vitest";
import { toStage } from "./org-info.js";

describe("OpportunityStage rows as stages (issue 25)", () => {
  it("names a stage by its picklist value, else its label, and keeps SortOrder, IsClosed and IsWon", () => {
    expect(
      toStage({ ApiName: "Closed Won", MasterLabel: "Won", SortOrder: 9, IsClosed: true, IsWon: true }, 0),
    ).toEqual({
      name: "Closed Won",
      sortOrder: 9,
      isClosed: true,
      isWon: true,
    });
    expect(toStage({ ApiName: null, MasterLabel: "Prospecting", SortOrder: null }, 2)).toEqual({
      name: "Prospecting",
      sortOrder: 3,
      isClosed: false,
      isWon: false,
    });
    expect(toStage({ ApiName: "", MasterLabel: null }, 0)).toBeNull();
  });
});
