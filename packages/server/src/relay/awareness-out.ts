/**
 * Awareness going out of the relay: entries devices changed are collected per room and sent,
 * one message per room, at the end of the tick (and handed to the other instances, when scaled
 * out); awareness from another instance goes to the room's devices at once.
 */
import type { Metrics } from "../obs/metrics.js";
import { type AwarenessEntry, encodeAwarenessMessage } from "./protocol.js";
import type { Room } from "./room.js";

/** Batches awareness broadcasts per tick. */
export class AwarenessOut {
  private readonly dirty = new Set<Room>();
  private scheduled = false;

  constructor(
    private readonly metrics: Metrics,
    /** Called with each room's batched message as it goes out (for other instances). */
    private readonly sent: (room: Room, message: Uint8Array) => void,
  ) {}

  /** Queues changed entries of `room` for the end of this tick. */
  queue(room: Room, entries: readonly AwarenessEntry[]): void {
    if (entries.length === 0) return;
    for (const e of entries) room.awarenessOut.set(e.clientId, e);
    this.dirty.add(room);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Sends an awareness message to the room's devices now. */
  send(room: Room, message: Uint8Array): void {
    const n = room.broadcast(message);
    this.metrics.messagesOut += n;
    this.metrics.bytesOut += n * message.length;
  }

  /** Forgets an unloaded room. */
  forget(room: Room): void {
    this.dirty.delete(room);
  }

  private flush(): void {
    this.scheduled = false;
    for (const room of this.dirty) {
      if (room.awarenessOut.size === 0) continue;
      const message = encodeAwarenessMessage(room.awarenessOut.values());
      room.awarenessOut.clear();
      this.sent(room, message);
      this.send(room, message);
    }
    this.dirty.clear();
  }
}
