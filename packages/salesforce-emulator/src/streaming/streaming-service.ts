/**
 * The org's Streaming API with Change Data Capture, composed: the event log, the Bayeux server,
 * the capture of committed writes, and the test controls (gap and overflow events on demand,
 * dropping every client).
 *
 * Invariant: every event is appended to the log (getting its replay id) before any client sees
 * it, so a replay from any delivered id covers everything after it.
 */
import { randomUUID } from "node:crypto";
import { readSalesforceId } from "../ids/salesforce-id.js";
import type { Org } from "../store/org.js";
import { BayeuxServer, type StreamingStats } from "./bayeux-server.js";
import { ChangeCapture } from "./change-capture.js";
import { type ChangeEventData, type GapChangeType, gapEvent } from "./change-events.js";
import { CDC_OBJECTS, canSeeAllData } from "./channels.js";
import { ChangeEventLog, type LoggedEvent } from "./event-log.js";

/** Options of the Streaming API. */
export interface StreamingOptions {
  /** How long `/meta/connect` is held without events (default 110,000 ms, as Salesforce). */
  readonly connectTimeoutMs?: number | undefined;
  /** How long a client may go without connecting before it is forgotten (default 40,000 ms). */
  readonly clientTimeoutMs?: number | undefined;
}

/** A gap event request (`POST /_emulator/change-events/gap`). */
export interface GapEventSpec {
  readonly object: string;
  readonly recordIds: readonly string[];
  readonly changeType: GapChangeType;
}

/** Thrown for a gap or overflow request that names no CDC object, no ids or a bad type. */
export class StreamingInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StreamingInputError";
  }
}

const GAP_TYPES: readonly string[] = ["GAP_CREATE", "GAP_UPDATE", "GAP_DELETE", "GAP_UNDELETE"];

/** The Streaming API of one org. */
export class StreamingService {
  readonly log: ChangeEventLog;
  readonly server: BayeuxServer;
  readonly capture: ChangeCapture;
  readonly #org: Org;
  #commitNumber: number;

  /** `firstReplayId` > 1 when the org was loaded from a data file (see event-log.ts). */
  constructor(org: Org, options: StreamingOptions = {}, firstReplayId = 1) {
    this.#org = org;
    this.#commitNumber = 10_000_000_000 + firstReplayId;
    this.log = new ChangeEventLog(() => org.clock.nowMs(), firstReplayId);
    this.server = new BayeuxServer(org, this.log, {
      connectTimeoutMs: options.connectTimeoutMs ?? 110_000,
      clientTimeoutMs: options.clientTimeoutMs ?? 40_000,
    });
    this.capture = new ChangeCapture(
      org,
      (events) => events.map((e) => this.#publish(e.entityName, e.data)),
      () => ++this.#commitNumber,
    );
  }

  /** Publishes a gap event: ids, no field data (Salesforce sends these when it cannot build one). */
  publishGap(spec: GapEventSpec): ChangeEventData {
    const object = this.#requireObject(spec.object);
    if (!GAP_TYPES.includes(spec.changeType)) {
      throw new StreamingInputError(`changeType must be one of ${GAP_TYPES.join(", ")}`);
    }
    if (!Array.isArray(spec.recordIds) || spec.recordIds.length === 0) {
      throw new StreamingInputError("recordIds must be a non-empty array of record ids");
    }
    const ids = spec.recordIds.map((text) => {
      const id = typeof text === "string" ? readSalesforceId(text) : undefined;
      if (!id) throw new StreamingInputError(`not a Salesforce id: ${String(text)}`);
      return id;
    });
    return this.#publish(object, gapEvent(object, ids, spec.changeType, this.#systemTransaction())).data;
  }

  /** Publishes a GAP_OVERFLOW event for `object` (a transaction too large to describe; no ids). */
  publishOverflow(objectName: string): ChangeEventData {
    const object = this.#requireObject(objectName);
    return this.#publish(object, gapEvent(object, [], "GAP_OVERFLOW", this.#systemTransaction())).data;
  }

  /** Forgets every streaming client; each must handshake again (and replay what it missed). */
  dropClients(): number {
    return this.server.dropAll();
  }

  /** Request and event counts (not API usage). */
  stats(): StreamingStats {
    return this.server.stats();
  }

  /** Answers every held connect (the emulator is closing). */
  close(): void {
    this.server.close();
  }

  #publish(entityName: string, data: Omit<ChangeEventData, "event">): LoggedEvent {
    const event = this.log.append(entityName, data);
    this.server.deliver(event);
    return event;
  }

  #requireObject(name: unknown): string {
    const object = CDC_OBJECTS.find((o) => typeof name === "string" && o.toLowerCase() === name.toLowerCase());
    if (!object) throw new StreamingInputError(`object must be one of ${CDC_OBJECTS.join(", ")}`);
    return object;
  }

  #systemTransaction() {
    return {
      transactionKey: randomUUID(),
      commitTimestamp: this.#org.clock.nowMs(),
      // Salesforce's own process: shown as the first user who may see all data.
      commitUser: (this.#org.users.find((u) => canSeeAllData(this.#org, u.id)) ?? this.#org.users[0])?.id ?? "",
      commitNumber: ++this.#commitNumber,
      changeOrigin: "",
    };
  }
}
