import { describe, expect, it } from "vitest";
import { telHref } from "./contacts-section.js";

describe("tap-to-call links (issue 25)", () => {
  it("keeps digits and a leading + of a number as people write it", () => {
    expect(telHref("+1 (415) 555-0100")).toBe("tel:+14155550100");
    expect(telHref("0171 555 01 99")).toBe("tel:01715550199");
    expect(telHref("ext. +12")).toBe("tel:+12");
    expect(telHref("1+2")).toBe("tel:12");
    expect(telHref("n/a")).toBeNull();
  });
});
