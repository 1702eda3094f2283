import { describe, expect, it } from "vitest";
import { createUsageTracker, parseLimitInfo } from "./usage-tracker.js";

describe("usage tracker", () => {
  it("parses Sforce-Limit-Info, with or without per-app usage", () => {
    expect(parseLimitInfo("api-usage=18/15000")).toEqual({ used: 18, max: 15000 });
    expect(parseLimitInfo("api-usage=25/5000; per-app-api-usage=17/250(appName=sample)")).toEqual({
      used: 25,
      max: 5000,
    });
    expect(parseLimitInfo("per-app-api-usage=17/250")).toBeNull();
    expect(parseLimitInfo(undefined)).toBeNull();
  });

  it("counts calls and keeps the latest usage", () => {
    const usage = createUsageTracker();
    expect(usage.snapshot()).toEqual({ used: 0, max: 0, callsMade: 0 });
    usage.recordCall();
    usage.recordLimitInfo("api-usage=5/100");
    usage.recordCall();
    usage.recordLimitInfo("garbage");
    expect(usage.snapshot()).toEqual({ used: 5, max: 100, callsMade: 2 });
  });
});
