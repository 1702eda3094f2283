/**
 * Metrics of the bus between server instances (see `relay/instance-link.ts`): messages each
 * way, the lag of the latest one received, and catch-ups from the shared store by reason.
 */

/** Counters and gauges of one instance's bus traffic. */
export class BusMetrics {
  published = 0;
  received = 0;
  /** Messages lost on the way out (the bus was down); the store's versions catch others up. */
  publishFailed = 0;
  /** Seconds between the latest received message's send and its arrival (the senders' clocks). */
  lastLagSeconds = 0;
  maxLagSeconds = 0;
  /** Catch-ups from the shared store, by reason: `gap` (a version missing), `poll`, `reconnect`. */
  readonly catchUps = new Map<string, number>();

  /** Notes one received message sent at `sentAt` (ms since the epoch). */
  observeLag(sentAt: number, now = Date.now()): void {
    this.received++;
    this.lastLagSeconds = Math.max(0, (now - sentAt) / 1000);
    this.maxLagSeconds = Math.max(this.maxLagSeconds, this.lastLagSeconds);
  }

  caughtUp(reason: "gap" | "poll" | "reconnect"): void {
    this.catchUps.set(reason, (this.catchUps.get(reason) ?? 0) + 1);
  }

  /** Renders the metrics in Prometheus text format. */
  render(): string {
    const lines = [
      "# HELP tandem_bus_messages_total Messages on the bus between instances, by direction.",
      "# TYPE tandem_bus_messages_total counter",
      `tandem_bus_messages_total{direction="out"} ${this.published}`,
      `tandem_bus_messages_total{direction="in"} ${this.received}`,
      `tandem_bus_messages_total{direction="lost_out"} ${this.publishFailed}`,
      "# HELP tandem_bus_lag_seconds Lag of the latest message received from another instance.",
      "# TYPE tandem_bus_lag_seconds gauge",
      `tandem_bus_lag_seconds ${this.lastLagSeconds}`,
      "# HELP tandem_bus_lag_max_seconds Largest lag of a message received since start.",
      "# TYPE tandem_bus_lag_max_seconds gauge",
      `tandem_bus_lag_max_seconds ${this.maxLagSeconds}`,
      "# HELP tandem_bus_catch_ups_total Rooms caught up from the shared store, by reason.",
      "# TYPE tandem_bus_catch_ups_total counter",
    ];
    for (const [reason, n] of this.catchUps) lines.push(`tandem_bus_catch_ups_total{reason="${reason}"} ${n}`);
    return `${lines.join("\n")}\n`;
  }
}
