/**
 * Sync-worker metrics (docs/architecture.md, "Observability") in Prometheus text format: cycles by outcome, cycle
 * duration, Salesforce calls and errors by code, queued intents and API usage per org.
 *
 * Owned by the composition root and injected into every worker; never global.
 */

const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** Counters and gauges of every book worker of one server. */
export class SyncMetrics {
  readonly cycles = new Map<string, number>();
  readonly errors = new Map<string, number>();
  salesforceCalls = 0;
  workers = 0;
  /** Book leases this instance holds (scale-out): the workers that run cycles. */
  leasesHeld = 0;
  private readonly queued = new Map<string, number>();
  private readonly usage = new Map<string, { used: number; max: number }>();
  private readonly buckets = new Array<number>(DURATION_BUCKETS.length).fill(0);
  private durationCount = 0;
  private durationSum = 0;

  /** Records one finished cycle. */
  cycle(outcome: "ok" | "failed" | "skipped", seconds: number): void {
    this.cycles.set(outcome, (this.cycles.get(outcome) ?? 0) + 1);
    this.durationCount++;
    this.durationSum += seconds;
    for (let i = 0; i < DURATION_BUCKETS.length; i++) {
      const bound = DURATION_BUCKETS[i];
      if (bound !== undefined && seconds <= bound) this.buckets[i] = (this.buckets[i] ?? 0) + 1;
    }
  }

  /** Counts a Salesforce error by its port error tag or Salesforce code. */
  error(code: string): void {
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  /** Sets the number of intents a book has not finished yet. */
  setQueued(room: string, count: number): void {
    if (count === 0) this.queued.delete(room);
    else this.queued.set(room, count);
  }

  /** Records an org's API usage as Salesforce last reported it. */
  setUsage(orgId: string, used: number, max: number): void {
    this.usage.set(orgId, { used, max });
  }

  /** Renders the metrics in Prometheus text format. */
  render(): string {
    const lines: string[] = [];
    const label = (s: string) => s.replace(/["\\\n]/g, "_");
    lines.push("# HELP tandem_sync_workers Book sync workers running.", "# TYPE tandem_sync_workers gauge");
    lines.push(`tandem_sync_workers ${this.workers}`);
    lines.push("# HELP tandem_leases_held Book leases this instance holds.", "# TYPE tandem_leases_held gauge");
    lines.push(`tandem_leases_held ${this.leasesHeld}`);
    lines.push("# HELP tandem_sync_cycles_total Sync cycles by outcome.", "# TYPE tandem_sync_cycles_total counter");
    for (const [k, v] of this.cycles) lines.push(`tandem_sync_cycles_total{outcome="${label(k)}"} ${v}`);
    lines.push(
      "# HELP tandem_sync_cycle_seconds Duration of sync cycles.",
      "# TYPE tandem_sync_cycle_seconds histogram",
    );
    // `cycle()` counts an observation in every bucket it fits, so buckets are already cumulative.
    for (let i = 0; i < DURATION_BUCKETS.length; i++) {
      lines.push(`tandem_sync_cycle_seconds_bucket{le="${DURATION_BUCKETS[i]}"} ${this.buckets[i] ?? 0}`);
    }
    lines.push(`tandem_sync_cycle_seconds_bucket{le="+Inf"} ${this.durationCount}`);
    lines.push(
      `tandem_sync_cycle_seconds_sum ${this.durationSum}`,
      `tandem_sync_cycle_seconds_count ${this.durationCount}`,
    );
    lines.push(
      "# HELP tandem_salesforce_calls_total Salesforce API calls made by sync workers.",
      "# TYPE tandem_salesforce_calls_total counter",
      `tandem_salesforce_calls_total ${this.salesforceCalls}`,
    );
    lines.push(
      "# HELP tandem_salesforce_errors_total Salesforce errors seen by sync workers, by code.",
      "# TYPE tandem_salesforce_errors_total counter",
    );
    for (const [k, v] of this.errors) lines.push(`tandem_salesforce_errors_total{code="${label(k)}"} ${v}`);
    let queued = 0;
    for (const v of this.queued.values()) queued += v;
    lines.push(
      "# HELP tandem_sync_queued_intents Intents not yet final, over all books.",
      "# TYPE tandem_sync_queued_intents gauge",
      `tandem_sync_queued_intents ${queued}`,
    );
    lines.push(
      "# HELP tandem_salesforce_api_usage Daily API requests used, per org, as Salesforce reports it.",
      "# TYPE tandem_salesforce_api_usage gauge",
    );
    for (const [org, u] of this.usage) lines.push(`tandem_salesforce_api_usage{org="${label(org)}"} ${u.used}`);
    lines.push(
      "# HELP tandem_salesforce_api_limit Daily API request limit, per org.",
      "# TYPE tandem_salesforce_api_limit gauge",
    );
    for (const [org, u] of this.usage) lines.push(`tandem_salesforce_api_limit{org="${label(org)}"} ${u.max}`);
    return `${lines.join("\n")}\n`;
  }
}
