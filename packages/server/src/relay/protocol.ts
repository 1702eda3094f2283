/**
 * The y-websocket wire protocol, transport-free: bytes in, typed messages out, and the
 * encoders for what the relay sends back.
 *
 * Message layout (lib0 varints): `0` sync (`0` step 1 state vector, `1` step 2 update,
 * `2` update), `1` awareness (an awareness update), `3` query awareness. `2` (auth) is
 * server-to-client only. Every frame is parsed completely with a bounded reader; an update
 * or state vector is structurally validated before it is returned, so nothing malformed
 * reaches a document. Trailing bytes after a message are rejected.
 */
import * as encoding from "lib0/encoding";
import * as Y from "yjs";
import {
  type DecodedUpdate,
  decodeUpdateV1,
  UpdateLimitError,
  type UpdateLimits,
  validateStateVector,
} from "./validate-update.js";
import { WireError, WireReader } from "./wire-reader.js";

/** Top-level message types of the y-websocket protocol. */
export const MessageType = { sync: 0, awareness: 1, auth: 2, queryAwareness: 3 } as const;
/** Sub-types of a sync message. */
export const SyncType = { step1: 0, step2: 1, update: 2 } as const;

/** One client's awareness entry as carried on the wire; `state` is JSON text (`"null"` = removed). */
export interface AwarenessEntry {
  readonly clientId: number;
  readonly clock: number;
  readonly state: string;
}

/** A parsed, validated message from a client. */
export type ClientMessage =
  | { readonly type: "sync-step1"; readonly stateVector: Uint8Array }
  | { readonly type: "sync-step2"; readonly update: Uint8Array; readonly decoded: DecodedUpdate }
  | { readonly type: "update"; readonly update: Uint8Array; readonly decoded: DecodedUpdate }
  | { readonly type: "awareness"; readonly entries: readonly AwarenessEntry[] }
  | { readonly type: "query-awareness" };

/** Limits applied while parsing. */
export interface ProtocolLimits extends UpdateLimits {
  /** Largest JSON text of one awareness state, in bytes. */
  readonly maxAwarenessStateBytes: number;
  /** Most entries in one awareness message. */
  readonly maxAwarenessEntries: number;
}

/** Why a frame was refused; `kind` selects the close code. */
export class ProtocolError extends Error {
  override readonly name = "ProtocolError";
  readonly kind: "malformed" | "unknown-type" | "awareness-too-large" | "update-too-large";
  readonly reason: string;
  constructor(kind: ProtocolError["kind"], reason: string) {
    super(`${kind}: ${reason}`);
    this.kind = kind;
    this.reason = reason;
  }
}

/**
 * Parses one client frame.
 *
 * @remarks Throws {@link ProtocolError}; never returns a message whose update or state vector
 * could make Yjs misbehave. The returned byte views alias `frame`.
 * @example
 * const msg = parseClientMessage(frame, { ...defaultUpdateLimits, maxAwarenessStateBytes: 65536, maxAwarenessEntries: 16 });
 */
export function parseClientMessage(frame: Uint8Array, limits: ProtocolLimits): ClientMessage {
  const r = new WireReader(frame);
  try {
    const type = r.readVarUint();
    let msg: ClientMessage;
    switch (type) {
      case MessageType.sync:
        msg = parseSync(r, limits);
        break;
      case MessageType.awareness:
        msg = { type: "awareness", entries: parseAwarenessUpdate(r.readVarBytes(), limits) };
        break;
      case MessageType.queryAwareness:
        msg = { type: "query-awareness" };
        break;
      default:
        throw new ProtocolError("unknown-type", `message-type-${type}`);
    }
    if (r.remaining() !== 0) throw new WireError("trailing-bytes");
    return msg;
  } catch (e) {
    if (e instanceof UpdateLimitError) throw new ProtocolError("update-too-large", e.reason);
    if (e instanceof WireError) throw new ProtocolError("malformed", e.reason);
    throw e;
  }
}

function parseSync(r: WireReader, limits: UpdateLimits): ClientMessage {
  const sub = r.readVarUint();
  const payload = r.readVarBytes();
  switch (sub) {
    case SyncType.step1:
      validateStateVector(payload);
      return { type: "sync-step1", stateVector: payload };
    case SyncType.step2:
      return { type: "sync-step2", update: payload, decoded: decodeUpdateV1(payload, limits) };
    case SyncType.update:
      return { type: "update", update: payload, decoded: decodeUpdateV1(payload, limits) };
    default:
      throw new ProtocolError("unknown-type", `sync-type-${sub}`);
  }
}

/** Parses the body of an awareness message (an awareness update), enforcing the limits. */
export function parseAwarenessUpdate(bytes: Uint8Array, limits: ProtocolLimits): AwarenessEntry[] {
  const r = new WireReader(bytes);
  const n = r.readCount(3);
  if (n > limits.maxAwarenessEntries) throw new ProtocolError("awareness-too-large", "too-many-entries");
  const entries: AwarenessEntry[] = [];
  for (let i = 0; i < n; i++) {
    const clientId = r.readVarUint();
    const clock = r.readVarUint();
    const raw = r.readVarBytes();
    if (raw.length > limits.maxAwarenessStateBytes) throw new ProtocolError("awareness-too-large", "state-too-large");
    const state = textDecoder.decode(raw);
    try {
      JSON.parse(state);
    } catch {
      throw new WireError("bad-awareness-json");
    }
    entries.push({ clientId, clock, state });
  }
  if (r.remaining() !== 0) throw new WireError("trailing-bytes");
  return entries;
}

/** Encodes sync step 1 carrying `doc`'s state vector. */
export function encodeSyncStep1(doc: Y.Doc): Uint8Array {
  return encodeSync(SyncType.step1, Y.encodeStateVector(doc));
}

/** Answers a client's sync step 1: step 2 with everything `doc` has that the client lacks. */
export function answerSyncStep1(doc: Y.Doc, stateVector: Uint8Array): Uint8Array {
  return encodeSync(SyncType.step2, Y.encodeStateAsUpdate(doc, stateVector));
}

/** Encodes a sync update message. */
export function encodeUpdateMessage(update: Uint8Array): Uint8Array {
  return encodeSync(SyncType.update, update);
}

/**
 * The bytes of a sync message (an update by default, or a step 2) before its update of
 * `length` bytes: the message is these followed by the update (see {@link encodeUpdateMessage}).
 */
export function updateMessageHeader(length: number, sub: number = SyncType.update): Uint8Array {
  // Both type codes are below 128, so each is one byte of varint; then the length as a varint.
  const out = new Uint8Array(2 + 5);
  out[0] = MessageType.sync;
  out[1] = sub;
  let at = 2;
  let rest = length;
  while (rest >= 0x80) {
    out[at++] = (rest & 0x7f) | 0x80;
    rest = Math.floor(rest / 128);
  }
  out[at++] = rest;
  return out.subarray(0, at);
}

/** Encodes an awareness message with the given entries. */
export function encodeAwarenessMessage(entries: Iterable<AwarenessEntry>): Uint8Array {
  const list = [...entries];
  const inner = encoding.createEncoder();
  encoding.writeVarUint(inner, list.length);
  for (const e of list) {
    encoding.writeVarUint(inner, e.clientId);
    encoding.writeVarUint(inner, e.clock);
    encoding.writeVarString(inner, e.state);
  }
  const enc = encoding.createEncoder();
  encoding.writeVarUint(enc, MessageType.awareness);
  encoding.writeVarUint8Array(enc, encoding.toUint8Array(inner));
  return encoding.toUint8Array(enc);
}

function encodeSync(sub: number, payload: Uint8Array): Uint8Array {
  const enc = encoding.createEncoder();
  encoding.writeVarUint(enc, MessageType.sync);
  encoding.writeVarUint(enc, sub);
  encoding.writeVarUint8Array(enc, payload);
  return encoding.toUint8Array(enc);
}

const textDecoder = new TextDecoder("utf-8", { fatal: false });
