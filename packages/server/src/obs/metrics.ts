/**
 * Server metrics in the Prometheus text exposition format (version 0.0.4).
 *
 * A small, allocation-free-on-the-hot-path registry: counters and gauges are plain numbers
 * (labelled ones are maps keyed by the label value), and one histogram for store write
 * latency. Owned by the composition root and injected where needed, never global.
 */

const WRITE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** The server's metrics. */
export class Metrics {
  /** Open websocket connections admitted to a room (gauge `tandem_connections`). */
  connections = 0;
  /** Rooms with a document in memory (gauge `tandem_rooms_loaded`). */
  roomsLoaded = 0;
  /** Websocket messages received (`tandem_messages_in_total`). */
  messagesIn = 0;
  /** Websocket messages sent (`tandem_messages_out_total`). */
  messagesOut = 0;
  /** Websocket payload bytes received (`tandem_bytes_in_total`). */
  bytesIn = 0;
  /** Websocket payload bytes sent (`tandem_bytes_out_total`). */
  bytesOut = 0;
  /** Room updates made durable (`tandem_updates_committed_total`). */
  updatesCommitted = 0;
  /** Websocket connections refused, by reason (`tandem_rejected_connections_total`). */
  readonly rejected = new Map<string, number>();
  /** Connections closed by the server, by reason (`tandem_closed_connections_total`). */
  readonly closed = new Map<string, number>();
  /** Room compactions, by outcome: `event_loop` (live document), `worker` (rebuilt), `skipped`, `failed`. */
  readonly compactions = new Map<string, number>();
  /** Device updates refused by the write check, by kind (`forbidden`, `missing`). */
  readonly writesRefused = new Map<string, number>();
  /** Rooms unloaded after a failure, by stage (`encode`, `merge`, `compact`, `load`). */
  readonly roomFailures = new Map<string, number>();
  private readonly writeBuckets = new Array<number>(WRITE_BUCKETS.length).fill(0);
  private writeCount = 0;
  private writeSum = 0;

  /** Counts a refused connection by reason. */
  reject(reason: string): void {
    this.rejected.set(reason, (this.rejected.get(reason) ?? 0) + 1);
  }

  /** Counts a connection closed by the server, by reason. */
  close(reason: string): void {
    this.closed.set(reason, (this.closed.get(reason) ?? 0) + 1);
  }

  /** Counts a room compaction by outcome. */
  compacted(outcome: "event_loop" | "worker" | "skipped" | "failed"): void {
    this.compactions.set(outcome, (this.compactions.get(outcome) ?? 0) + 1);
  }

  /** Counts a device update refused by the write check. */
  writeRefused(kind: "forbidden" | "missing"): void {
    this.writesRefused.set(kind, (this.writesRefused.get(kind) ?? 0) + 1);
  }

  /** Counts a room failure (the room is unloaded, or quarantined when it failed to load). */
  roomFailed(stage: string): void {
    this.roomFailures.set(stage, (this.roomFailures.get(stage) ?? 0) + 1);
  }

  /** Records one store write's duration in seconds. */
  observeWrite(seconds: number): void {
    this.writeCount++;
    this.writeSum += seconds;
    for (let i = 0; i < WRITE_BUCKETS.length; i++) {
      const bound = WRITE_BUCKETS[i];
      if (bound !== undefined && seconds <= bound) this.writeBuckets[i] = (this.writeBuckets[i] ?? 0) + 1;
    }
  }

  /** Renders every metric in Prometheus text format. */
  render(): string {
    const lines: string[] = [];
    const one = (name: string, type: string, help: string, value: number): void => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name} ${value}`);
    };
    const labelled = (name: string, help: string, label: string, values: Map<string, number>): void => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
      for (const [k, v] of values) lines.push(`${name}{${label}="${k.replace(/["\\\n]/g, "_")}"} ${v}`);
    };
    one("tandem_connections", "gauge", "Open websocket connections admitted to a room.", this.connections);
    one("tandem_rooms_loaded", "gauge", "Rooms with a document in memory.", this.roomsLoaded);
    one("tandem_messages_in_total", "counter", "Websocket messages received.", this.messagesIn);
    one("tandem_messages_out_total", "counter", "Websocket messages sent.", this.messagesOut);
    one("tandem_bytes_in_total", "counter", "Websocket payload bytes received.", this.bytesIn);
    one("tandem_bytes_out_total", "counter", "Websocket payload bytes sent.", this.bytesOut);
    one("tandem_updates_committed_total", "counter", "Room updates made durable.", this.updatesCommitted);
    labelled("tandem_rejected_connections_total", "Websocket connections refused, by reason.", "reason", this.rejected);
    labelled("tandem_closed_connections_total", "Connections closed by the server, by reason.", "reason", this.closed);
    labelled(
      "tandem_compactions_total",
      "Room compactions: event_loop (live document), worker (rebuilt off the event loop), skipped (superseded), failed.",
      "outcome",
      this.compactions,
    );
    labelled(
      "tandem_writes_refused_total",
      "Device updates refused by the write check: forbidden (writes a device may not), missing (unknown predecessors).",
      "kind",
      this.writesRefused,
    );
    labelled(
      "tandem_room_failures_total",
      "Rooms unloaded (or quarantined, stage load) after a failure, by stage.",
      "stage",
      this.roomFailures,
    );
    const h = "tandem_store_write_seconds";
    lines.push(`# HELP ${h} Duration of durable store writes (group commits).`, `# TYPE ${h} histogram`);
    WRITE_BUCKETS.forEach((b, i) => {
      lines.push(`${h}_bucket{le="${b}"} ${this.writeBuckets[i] ?? 0}`);
    });
    lines.push(
      `${h}_bucket{le="+Inf"} ${this.writeCount}`,
      `${h}_sum ${this.writeSum}`,
      `${h}_count ${this.writeCount}`,
    );
    return `${lines.join("\n")}\n`;
  }
}
