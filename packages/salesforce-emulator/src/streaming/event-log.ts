/**
 * The org's retained change events: each gets the next replay id (increasing integers) and is
 * kept for 72 hours of org time, then dropped.
 *
 * Replay rule (Salesforce's durable streaming): -1 asks for new events only, -2 for every
 * retained event, and a specific id for the events after it — valid only while the event it names
 * is still retained (an id the log never issued, or whose event has expired, is refused).
 *
 * The log lives in memory only: an emulator restarted on its data file starts a new log. Replay
 * ids then start above the org clock's millisecond time at start, so an id from before the
 * restart is never mistaken for a new event and is refused as expired.
 */
import type { ChangeEventData } from "./change-events.js";

/** Retention of change events: 72 hours. */
export const RETENTION_MS = 72 * 3600_000;

/** A retained event with the object it is about. */
export interface LoggedEvent {
  readonly entityName: string;
  readonly publishedAtMs: number;
  readonly data: ChangeEventData;
}

/** What a replay request resolves to. */
export type ReplayStart =
  | { readonly kind: "ok"; readonly events: readonly LoggedEvent[] }
  | { readonly kind: "invalid"; readonly replayId: unknown };

/** The retained events. */
export class ChangeEventLog {
  readonly #now: () => number;
  readonly #events: LoggedEvent[] = [];
  #lastReplayId: number;

  /** `firstReplayId - 1` is the id before the first event (0 for a fresh org). */
  constructor(now: () => number, firstReplayId = 1) {
    this.#now = now;
    this.#lastReplayId = firstReplayId - 1;
  }

  /** Appends an event, giving it the next replay id. */
  append(entityName: string, data: Omit<ChangeEventData, "event">): LoggedEvent {
    this.#expire();
    this.#lastReplayId++;
    const event: LoggedEvent = {
      entityName,
      publishedAtMs: this.#now(),
      data: { ...data, event: { replayId: this.#lastReplayId } },
    };
    this.#events.push(event);
    return event;
  }

  /** The retained events (oldest first). */
  retained(): readonly LoggedEvent[] {
    this.#expire();
    return this.#events;
  }

  /** The events a subscription with this replay value receives first. */
  replayFrom(replayId: unknown): ReplayStart {
    const events = this.retained();
    if (replayId === -1 || replayId === undefined || replayId === null) return { kind: "ok", events: [] };
    if (replayId === -2) return { kind: "ok", events };
    const first = events[0]?.data.event.replayId;
    if (typeof replayId !== "number" || !Number.isInteger(replayId) || first === undefined) {
      return { kind: "invalid", replayId };
    }
    if (replayId < first || replayId > this.#lastReplayId) return { kind: "invalid", replayId };
    return { kind: "ok", events: events.filter((e) => e.data.event.replayId > replayId) };
  }

  #expire(): void {
    const cutoff = this.#now() - RETENTION_MS;
    let drop = 0;
    while (drop < this.#events.length && (this.#events[drop]?.publishedAtMs ?? 0) <= cutoff) drop++;
    if (drop > 0) this.#events.splice(0, drop);
  }
}
