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
  const out = Buffer.allocUnsafe(FRAME_HEADER + payload.length);
  out.writeUInt32LE(payload.length, 0);
  out.writeUInt32LE(crc32(payload), 4);
  out.set(payload, FRAME_HEADER);
  return out;
}

/** The intact records of a log and where the intact prefix ends. */
export interface ReadFrames {
  readonly records: Uint8Array[];
  /** Length of the intact prefix; bytes after it are a torn tail. */
  readonly validLength: number;
}

/** Splits a log into records, ignoring a torn or corrupt tail. */
export function readFrames(buf: Uint8Array): ReadFrames {
  const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const records: Uint8Array[] = [];
  let pos = 0;
  while (pos + FRAME_HEADER <= view.length) {
    const len = view.readUInt32LE(pos);
    const sum = view.readUInt32LE(pos + 4);
    const end = pos + FRAME_HEADER + len;
    if (end > view.length) break;
    const payload = view.subarray(pos + FRAME_HEADER, end);
    if (crc32(payload) !== sum) break;
    records.push(new Uint8Array(payload));
    pos = end;
  }
  return { records, validLength: pos };
}
