import { describe, expect, it } from "vitest";
import { formatAmount, formatDate } from "./format.js";

describe("format", () => {
  it("shows amounts in whole currency units and null as a dash", () => {
    expect(formatAmount(125000)).toBe("$125,000");
    expect(formatAmount(null)).toBe("—");
  });

  it("shows a Salesforce date on the same calendar day in any time zone", () => {
    expect(formatDate("2024-03-01")).toBe("Mar 1, 2024");
    expect(formatDate(null)).toBe("—");
    expect(formatDate("garbage")).toBe("garbage");
  });
});
