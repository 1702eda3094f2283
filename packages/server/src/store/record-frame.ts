/**
 * Length + CRC32 framing for append-only logs.
 *
 * A record is `[u32 LE payload length][u32 LE crc32(payload)][payload]`. Reading stops at the
 * first record that is incomplete or whose checksum does not match: that is a torn tail from
 * a crash mid-write, and everything before it is intact because records are only appended.
 */
import { crc32 } from "node:zlib";

/** Bytes of a record header. */
export const FRAME_HEADER = 8;

/** Frames one payload. */
export function frameRecord(payload: Uint8Array): Buffer {
  return frameJoined([payload]);
}

/** Frames the payload that is `parts` one after the other, as one buffer (for small payloads). */
export function frameJoined(parts: readonly Uint8Array[]): Buffer {
  let length = 0;
  let sum = 0;
  for (const p of parts) {
    length += p.length;
    sum = crc32(p, sum);
  }
  const out = Buffer.allocUnsafe(FRAME_HEADER + length);
  out.writeUInt32LE(length, 0);
  out.writeUInt32LE(sum, 4);
  let at = FRAME_HEADER;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function frameHeader(length: number, sum: number): Buffer {
  const header = Buffer.allocUnsafe(FRAME_HEADER);
  header.writeUInt32LE(length, 0);
  header.writeUInt32LE(sum, 4);
  return header;
}

/** The intact records of a log and where the intact prefix ends. */
export interface ReadFrames {
  readonly records: Uint8Array[];
  /** Length of the intact prefix; bytes after it are a torn tail. */
  readonly validLength: number;
}

/** The record whose header starts at `pos`, or undefined when it is incomplete. */
function frameAt(view: Buffer, pos: number): { payload: Uint8Array; sum: number; end: number } | undefined {
  if (pos + FRAME_HEADER > view.length) return undefined;
  const end = pos + FRAME_HEADER + view.readUInt32LE(pos);
  if (end > view.length) return undefined;
  const payload = new Uint8Array(view.buffer, view.byteOffset + pos + FRAME_HEADER, end - pos - FRAME_HEADER);
  return { payload, sum: view.readUInt32LE(pos + 4), end };
}

/** Bytes checksummed or copied between two yields to the event loop (a few ms of work). */
export const BYTE_SLICE = 4 * 1024 * 1024;

/**
 * Spreads work over many bytes (checksums, copies) across event-loop turns: a turn every
 * {@link BYTE_SLICE} bytes, whether they are one large record or many small ones (a large
 * book's snapshot in pieces).
 */
export class ByteSlicer {
  private since = 0;
  /** Undefined while this turn has room for `bytes` more; else a promise of the next turn. */
  next(bytes: number): Promise<void> | undefined {
    if (this.since > 0 && this.since + bytes > BYTE_SLICE) {
      this.since = bytes;
      return new Promise<void>((r) => setImmediate(r));
    }
    this.since += bytes;
    return undefined;
  }
}

/** `crc32(data, initial)`, in slices between event-loop turns (see {@link ByteSlicer}). */
async function crc32Yielding(data: Uint8Array, initial = 0, slicer = new ByteSlicer()): Promise<number> {
  let sum = initial;
  for (let at = 0; at < data.length; at += BYTE_SLICE) {
    const slice = data.subarray(at, at + BYTE_SLICE);
    const turn = slicer.next(slice.length);
    if (turn) await turn;
    sum = crc32(slice, sum);
  }
  return sum;
}

/**
 * Splits a log into records, ignoring a torn or corrupt tail; yields to the event loop while
 * it checksums a large record. The records are views into `buf` (no copies: a large room's log
 * is read whole), so they keep all of it alive.
 */
export async function readFrames(buf: Uint8Array): Promise<ReadFrames> {
  const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const records: Uint8Array[] = [];
  const slicer = new ByteSlicer();
  let pos = 0;
  for (
    let f = frameAt(view, pos);
    f !== undefined && (await crc32Yielding(f.payload, 0, slicer)) === f.sum;
    f = frameAt(view, pos)
  ) {
    records.push(f.payload);
    pos = f.end;
  }
  return { records, validLength: pos };
}

/**
 * Frames the payload that is `parts` one after the other without copying them (the header,
 * then the parts, for a vectored write), yielding to the event loop while it checksums.
 */
export async function framePartsYielding(
  parts: readonly Uint8Array[],
  slicer = new ByteSlicer(),
): Promise<Uint8Array[]> {
  let length = 0;
  let sum = 0;
  for (const p of parts) {
    length += p.length;
    sum = await crc32Yielding(p, sum, slicer);
  }
  return [frameHeader(length, sum), ...parts];
}

/** Frames each of `payloads` as its own record, uncopied, as {@link framePartsYielding} does. */
export async function frameEachYielding(payloads: readonly Uint8Array[]): Promise<Uint8Array[]> {
  const slicer = new ByteSlicer();
  const out: Uint8Array[] = [];
  for (const p of payloads) out.push(...(await framePartsYielding([p], slicer)));
  return out;
}
