import { describe, expect, it } from "vitest";
import { logErrorText } from "../log-activity-dialog.js";
import { evidenceText, sourceText } from "./evidence-text.js";
import { fieldErrorText, formErrorSummary } from "./field-text.js";

describe("a salesperson's words (issue 25)", () => {
  it("field errors name the field as the form does, not its API name or format", () => {
    expect(fieldErrorText("CloseDate", "invalid-value")).toBe("Pick a close date from the calendar.");
    expect(fieldErrorText("Probability", "invalid-value")).toBe("Enter a probability between 0 and 100.");
    expect(fieldErrorText("Amount", "invalid-value")).toMatch(/amount as a number/);
    for (const f of ["StageName", "CloseDate", "Amount", "Probability", "Description"] as const) {
      expect(fieldErrorText(f, "invalid-value")).not.toMatch(/YYYY|StageName|CloseDate/);
    }
    expect(formErrorSummary(["Amount", "Probability"])).toBe("Nothing was saved. Check Amount and Probability.");
    expect(formErrorSummary(["StageName", "Amount", "Probability"])).toBe(
      "Nothing was saved. Check Stage, Amount and Probability.",
    );
  });

  it("evidence says where it was seen in words, not the engine's source tag", () => {
    expect(sourceText("calendar:meetings.ics")).toBe("from your calendar (meetings.ics)");
    expect(sourceText("calendar")).toBe("from your calendar");
    expect(sourceText("gmail")).toBe("from Gmail");
    const text = evidenceText({
      kind: "interaction",
      interaction: "meeting",
      email: "ada@acme.example",
      at: "2026-03-01",
      source: "calendar:meetings.ics",
      subject: "Kickoff",
    });
    expect(text).toBe("Meeting “Kickoff” with ada@acme.example on Mar 1, 2026, from your calendar (meetings.ics)");
    expect(text).not.toMatch(/source:/);
  });

  it("log dialog errors name what to fix", () => {
    expect(
      logErrorText({ code: "invalid-value", field: "subject", message: "subject must be 1 to 255 characters" }),
    ).toBe("Give it a subject of at most 255 characters.");
    expect(logErrorText({ code: "invalid-value", field: "durationSeconds", message: "durationSeconds must be…" })).toBe(
      "Enter the duration in minutes.",
    );
  });
});
