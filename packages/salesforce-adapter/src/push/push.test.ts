import { describe, expect, it } from "vitest";
import { isFieldName, resolveIdempotency } from "./idempotency.js";
import { httpDate, sameValue } from "./push.js";

describe("three-way comparison helpers", () => {
  it("compares field values as Salesforce returns them", () => {
    expect(sameValue("Prospecting", "Prospecting")).toBe(true);
    expect(sameValue("Prospecting", "prospecting")).toBe(false);
    expect(sameValue(null, undefined)).toBe(true);
    expect(sameValue(75000, 75000.0)).toBe(true);
    expect(sameValue(75000, "75000")).toBe(true);
    expect(sameValue(75000, "")).toBe(false);
    expect(sameValue("2026-11-26T10:00:00.000+0000", "2026-11-26T10:00:00.000Z")).toBe(true);
    expect(sameValue("2026-11-26", "2026-11-27")).toBe(false);
    expect(sameValue(null, "x")).toBe(false);
  });

  it("formats If-Unmodified-Since as an HTTP-date", () => {
    expect(httpDate("2026-11-26T10:00:05.123+0000")).toBe("Thu, 26 Nov 2026 10:00:05 GMT");
  });
});

describe("field names", () => {
  it("accepts API names only", () => {
    expect(isFieldName("StageName")).toBe(true);
    expect(isFieldName("Tandem_Key__c")).toBe(true);
    expect(isFieldName("Name FROM User WHERE")).toBe(false);
    expect(isFieldName("")).toBe(false);
  });
});

describe("idempotency key field", () => {
  it("stores keys in CallObject with a prefix by default, and reads back only its own", () => {
    const idem = resolveIdempotency(undefined);
    expect(idem.field).toBe("CallObject");
    expect(idem.valueOf("tdm:1")).toBe("tandem:tdm:1");
    expect(idem.keyOf("tandem:tdm:1")).toBe("tdm:1");
    expect(idem.keyOf("CTI-123")).toBeNull();
    const ext = resolveIdempotency({ externalIdField: "Tandem_Key__c" });
    expect(ext).toMatchObject({ field: "Tandem_Key__c", externalIdField: "Tandem_Key__c" });
    expect(ext.valueOf("tdm:1")).toBe("tdm:1");
    expect(() => resolveIdempotency({ field: "Description; DROP" })).toThrow();
  });
});
