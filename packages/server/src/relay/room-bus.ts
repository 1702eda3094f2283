/**
 * The relay's port to other server instances: a message bus with one channel per room
 * (Redis pub/sub in `cluster/redis-bus.ts`). The bus promises nothing about delivery: a
 * message may be lost (a reconnect, a restart), so what instances commit is always also read
 * back from the shared store (see `instance-link.ts`); the bus only makes it arrive in
 * milliseconds instead of at the next poll.
 *
 * One channel is not a room: {@link CLUSTER_CHANNEL}, which every instance joins at start
 * whether or not it has a room loaded. Push's change notices ({@link ChangeNotice}) travel on
 * it, so the instance holding a book's worker lease hears of a change to the book even when no
 * device of the book is connected anywhere.
 */

/** What an instance tells the others about a room. */
export type BusMessage =
  | {
      readonly kind: "update";
      /** The instance that committed it ({@link RoomBus.instanceId}). */
      readonly from: string;
      /** The room version the commit reached (see `SharedRoomStore`). */
      readonly version: number;
      /** When it was sent (ms since the epoch, the sender's clock), for the lag metric. */
      readonly sentAt: number;
      /** The committed Yjs update (one commit's updates, merged). */
      readonly update: Uint8Array;
    }
  | {
      readonly kind: "awareness";
      readonly from: string;
      readonly sentAt: number;
      /** A y-protocols awareness message as the relay sends it to devices. */
      readonly message: Uint8Array;
    }
  | {
      readonly kind: "signal";
      readonly from: string;
      readonly sentAt: number;
      readonly signal: BookSignal;
    }
  | {
      readonly kind: "changes";
      readonly from: string;
      readonly sentAt: number;
      readonly changes: ChangeNotice;
    };

/**
 * The channel every instance joins at start (no book's room is named so: rooms are
 * `book:<org>:<user>`), for messages about books whose rooms may be loaded nowhere.
 */
export const CLUSTER_CHANNEL = "cluster";

/**
 * What push's change subscriber tells every instance about one change event (issue 23): the
 * changed records, and the owners an opportunity was (re)assigned to, or `all` (an overflow: the
 * ids are unknown). Each instance then triggers those of its workers that hold their book's
 * lease and hold one of the records (or belong to one of the owners). No field data travels:
 * the workers re-read with their own user's token.
 */
export interface ChangeNotice {
  readonly orgId: string;
  readonly recordIds: readonly string[];
  readonly ownerIds: readonly string[];
  readonly all: boolean;
}

/**
 * What an instance tells the others about a book beyond its document: a device connected (the
 * worker's trigger), "sync now" was asked, or the user was revoked (close their sockets, stop
 * their workers). Sent on the book's room channel, which every instance serving the user has.
 */
export interface BookSignal {
  readonly name: "device-connected" | "sync-now" | "revoked";
  readonly orgId: string;
  readonly userId: string;
}

/** A bus between instances. */
export interface RoomBus {
  /** This instance's id, unique among the instances on the bus. */
  readonly instanceId: string;
  /** Starts delivering the room's messages to `onMessage`; resolves once subscribed. */
  join(room: string, onMessage: (message: BusMessage) => void): Promise<void>;
  /** Stops delivering the room's messages. */
  leave(room: string): Promise<void>;
  /** Sends a message to the other instances on the room's channel; never throws (a lost message is caught up). */
  publish(room: string, message: BusMessage): void;
  /** Calls `listener` after the bus reconnected: messages sent meanwhile may be lost. */
  onReconnect(listener: () => void): void;
  /** Resolves when the bus answers; rejects otherwise (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Encodes a bus message: `[u8 format=1][u8 kind][u16 from length][from][f64 sentAt][f64 version][payload]`. */
export function encodeBusMessage(m: BusMessage): Buffer {
  const from = Buffer.from(m.from, "utf8");
  const payload =
    m.kind === "update"
      ? m.update
      : m.kind === "awareness"
        ? m.message
        : Buffer.from(JSON.stringify(m.kind === "signal" ? m.signal : m.changes), "utf8");
  const head = Buffer.allocUnsafe(4 + from.length + 16);
  head.writeUInt8(1, 0);
  head.writeUInt8(KINDS[m.kind], 1);
  head.writeUInt16LE(from.length, 2);
  from.copy(head, 4);
  head.writeDoubleLE(m.sentAt, 4 + from.length);
  head.writeDoubleLE(m.kind === "update" ? m.version : 0, 12 + from.length);
  return Buffer.concat([head, payload]);
}

/** Decodes a bus message; undefined for anything else (another format, truncated). */
export function decodeBusMessage(b: Buffer): BusMessage | undefined {
  if (b.length < 20 || b.readUInt8(0) !== 1) return undefined;
  const kind = b.readUInt8(1);
  const fromLength = b.readUInt16LE(2);
  if (b.length < 20 + fromLength) return undefined;
  const from = b.subarray(4, 4 + fromLength).toString("utf8");
  const sentAt = b.readDoubleLE(4 + fromLength);
  const version = b.readDoubleLE(12 + fromLength);
  // A copy: Yjs keeps views into an update's bytes, which must not pin the bus's buffer.
  const payload = new Uint8Array(b.subarray(20 + fromLength));
  if (kind === 1) return { kind: "update", from, version, sentAt, update: payload };
  if (kind === 2) return { kind: "awareness", from, sentAt, message: payload };
  if (kind === 3) {
    const signal = readSignal(Buffer.from(payload).toString("utf8"));
    return signal ? { kind: "signal", from, sentAt, signal } : undefined;
  }
  if (kind === 4) {
    const changes = readChanges(Buffer.from(payload).toString("utf8"));
    return changes ? { kind: "changes", from, sentAt, changes } : undefined;
  }
  return undefined;
}

const KINDS = { update: 1, awareness: 2, signal: 3, changes: 4 } as const;
const SIGNALS: ReadonlySet<string> = new Set(["device-connected", "sync-now", "revoked"]);

function readSignal(text: string): BookSignal | undefined {
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v !== "object" || v === null) return undefined;
    const { name, orgId, userId } = v as Record<string, unknown>;
    if (typeof name !== "string" || !SIGNALS.has(name) || typeof orgId !== "string" || typeof userId !== "string") {
      return undefined;
    }
    return { name: name as BookSignal["name"], orgId, userId };
  } catch {
    return undefined;
  }
}

function readChanges(text: string): ChangeNotice | undefined {
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v !== "object" || v === null) return undefined;
    const { orgId, recordIds, ownerIds, all } = v as Record<string, unknown>;
    const strings = (x: unknown): x is string[] => Array.isArray(x) && x.every((e) => typeof e === "string");
    if (typeof orgId !== "string" || !strings(recordIds) || !strings(ownerIds) || typeof all !== "boolean") {
      return undefined;
    }
    return { orgId, recordIds, ownerIds, all };
  } catch {
    return undefined;
  }
}
