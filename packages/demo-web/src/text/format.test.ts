import { describe, expect, it } from "vitest";
import { dueText, formatAmount, formatDate, formatDateTime, formatMeetingTime, localDay } from "./format.js";

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

  it("formats with the options of each call, though formatters are reused", () => {
    expect(formatAmount(1500)).toBe("$1,500");
    expect(formatAmount(1500, "EUR")).toBe("€1,500");
    expect(formatAmount(1500, "EUR", "de-DE")).toBe("1.500\u00a0€");
    expect(formatAmount(1500)).toBe("$1,500");
    expect(formatDate("2024-03-01", "de-DE")).toBe("01.03.2024");
    expect(formatDate("2024-03-01")).toBe("Mar 1, 2024");
    const instant = "2026-12-10T18:00:00.000Z";
    expect(formatMeetingTime(instant, "en-US", "America/New_York")).toBe("Thu, Dec 10, 1:00 PM");
    expect(formatMeetingTime(instant, "en-US", "Europe/Paris")).toBe("Thu, Dec 10, 7:00 PM");
    expect(formatDateTime(instant, "en-US", "UTC")).not.toBe(formatDateTime(instant, "en-US", "Asia/Tokyo"));
  });

  it("says an open to-do is due, or overdue once its day has passed", () => {
    expect(dueText("2026-12-27", "2026-12-07")).toBe("Due Dec 27, 2026");
    expect(dueText("2026-12-07", "2026-12-07")).toBe("Due Dec 7, 2026");
    expect(dueText("2026-11-16", "2026-12-07")).toBe("Overdue since Nov 16, 2026");
    expect(dueText(null, "2026-12-07")).toBe("No due date");
    expect(localDay(new Date(2026, 0, 5, 23, 30))).toBe("2026-01-05");
  });
});
