import { describe, expect, it } from "vitest";
import { SyncMetrics } from "./sync-metrics.js";

describe("sync metrics", () => {
  it("renders cycles by outcome, a cumulative duration histogram, errors, queue depth and API usage", () => {
    const m = new SyncMetrics();
    m.cycle("ok", 0.2);
    m.cycle("ok", 3);
    m.cycle("failed", 0.07);
    m.error("RowLocked");
    m.setQueued("book:a", 2);
    m.setQueued("book:b", 3);
    m.setQueued("book:b", 0);
    m.setUsage("00D", 120, 100_000);
    const text = m.render();
    expect(text).toContain('tandem_sync_cycles_total{outcome="ok"} 2');
    expect(text).toContain('tandem_sync_cycles_total{outcome="failed"} 1');
    expect(text).toContain('tandem_sync_cycle_seconds_bucket{le="0.1"} 1');
    expect(text).toContain('tandem_sync_cycle_seconds_bucket{le="0.25"} 2');
    expect(text).toContain('tandem_sync_cycle_seconds_bucket{le="5"} 3');
    expect(text).toContain('tandem_sync_cycle_seconds_bucket{le="+Inf"} 3');
    expect(text).toContain('tandem_salesforce_errors_total{code="RowLocked"} 1');
    expect(text).toContain("tandem_sync_queued_intents 2");
    expect(text).toContain('tandem_salesforce_api_usage{org="00D"} 120');
    expect(text).toContain('tandem_salesforce_api_limit{org="00D"} 100000');
  });
});
