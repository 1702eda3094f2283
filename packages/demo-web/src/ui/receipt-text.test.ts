import { describe, expect, it } from "vitest";
import type { ReceiptView } from "../view-model/view-model.js";
import { failureReason, receiptText } from "./receipt-text.js";

const receipt = (status: ReceiptView["status"], error: ReceiptView["error"] = null): ReceiptView => ({
  status,
  salesforceId: null,
  error,
  conflict: null,
});

describe("receipt wording (issue 25)", () => {
  it("an edit made on another device does not read as saved on this one", () => {
    const mine = receiptText(receipt("queued"), "edit", "this-device");
    const theirs = receiptText(receipt("queued"), "edit", "other-device");
    expect(mine.detail).toMatch(/Saved in your book/);
    expect(theirs.label).toBe("Queued");
    expect(theirs.detail).toMatch(/another of your devices/);
    expect(theirs.detail).not.toMatch(/Saved in your book/);
    expect(receiptText(receipt("cancelled"), "edit", "other-device").detail).toMatch(/another device/);
  });

  it("a failure says why in a salesperson's words, never a bare error code", () => {
    const denied = receiptText(
      receipt("failed", {
        code: "INSUFFICIENT_ACCESS_OR_READONLY",
        message: "insufficient access rights on object id",
      }),
    );
    expect(denied.detail).toBe("You don't have permission to change this record in Salesforce.");
    expect(denied.detail).not.toMatch(/INSUFFICIENT/);
    const rule = failureReason({
      code: "FIELD_CUSTOM_VALIDATION_EXCEPTION",
      message: "Amount needs approval above $1M",
    });
    expect(rule).toMatch(/A rule in your Salesforce org refused this value\. It says: Amount needs approval/);
    const unknown = failureReason({ code: "SOMETHING_NEW", message: "Odd thing" });
    expect(unknown).toBe("Salesforce refused it: Odd thing");
    expect(unknown).not.toMatch(/SOMETHING_NEW/);
    expect(failureReason(null)).toBe("Salesforce refused it.");
  });
});
