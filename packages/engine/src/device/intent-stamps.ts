/**
 * What a device stamps on everything it writes: a UUIDv7 id from its clock and randomness, the
 * time, and an HLC timestamp later than every intent it has seen in the book.
 *
 * Invariants: HLC timestamps are strictly increasing per device and later than every string
 * `hlc` any intent in the document carries (another device may have written anything under a
 * key, so only a string counts); time and randomness come from the {@link DeviceContext} only.
 */
import type * as Y from "yjs";
import type { BookMaps } from "../doc/layout.js";
import { tickHlc } from "../model/hlc.js";
import type { Intent } from "../model/schemas.js";
import { uuidv7 } from "../model/uuid.js";
import type { DeviceContext } from "./device.js";

/** The fields every intent a device writes shares. */
export interface IntentStamp {
  readonly id: string;
  readonly at: string;
  readonly hlc: string;
  readonly device: string;
}

/** The device's stamps over one book; `dispose` stops watching its intents. */
export interface IntentStamps {
  /** A new id, the time now and the next HLC timestamp. */
  next(): IntentStamp;
  /** A new UUIDv7 id at `now` (for interactions, which carry no HLC). */
  newId(now: Date): string;
  dispose(): void;
}

/** Ten random bytes from the context: its bytes, or one byte per number in [0, 1). */
function randomBytes(random: DeviceContext["random"]): Uint8Array {
  const first = random();
  if (first instanceof Uint8Array) return first;
  const out = new Uint8Array(10);
  out[0] = Math.floor(first * 256);
  for (let i = 1; i < 10; i++) {
    const r = random();
    out[i] = r instanceof Uint8Array ? (r[0] ?? 0) : Math.floor(r * 256);
  }
  return out;
}

/** Starts stamping for `context` over `maps`, having seen every intent already there. */
export function createIntentStamps(maps: BookMaps, context: DeviceContext): IntentStamps {
  let lastHlc: string | null = null;
  let maxSeen: string | null = null;
  const see = (value: unknown): void => {
    const hlc = typeof value === "object" && value !== null ? (value as { hlc?: unknown }).hlc : undefined;
    if (typeof hlc === "string" && (maxSeen === null || hlc > maxSeen)) maxSeen = hlc;
  };
  for (const intent of maps.intents.values()) see(intent);
  const onIntents = (event: Y.YMapEvent<Intent>): void => {
    for (const key of event.keysChanged) see(maps.intents.get(key));
  };
  maps.intents.observe(onIntents);
  const newId = (now: Date): string => uuidv7(now.getTime(), randomBytes(context.random));
  return {
    next() {
      const now = context.now();
      lastHlc = tickHlc(lastHlc, now.getTime(), context.deviceId, maxSeen);
      return { id: newId(now), at: now.toISOString(), hlc: lastHlc, device: context.deviceId };
    },
    newId,
    dispose() {
      maps.intents.unobserve(onIntents);
    },
  };
}
