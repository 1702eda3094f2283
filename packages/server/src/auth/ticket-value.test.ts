import { describe, expect, it } from "vitest";
import { createTicketValue, readTicketExpiry } from "./ticket-value.js";

describe("ticket values", () => {
  it("carry their expiry and 256 random bits", () => {
    const expiresAt = Date.UTC(2030, 0, 1, 12, 0, 30, 123);
    const a = createTicketValue(expiresAt);
    expect(readTicketExpiry(a)).toBe(expiresAt);
    expect(a).not.toBe(createTicketValue(expiresAt));
    expect(a.slice(a.indexOf(".") + 1)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("read no expiry from a value that does not carry one", () => {
    for (const v of ["", "forged-ticket-value", ".abc", "AB.cd", "zzzzzzzzzzzz.x", "1-2.x"]) {
      expect(readTicketExpiry(v)).toBeUndefined();
    }
  });
});
