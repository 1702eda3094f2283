/**
 * The room files of the file store: `rooms/<base64url(room)>.log`, one room's Yjs updates as
 * length + CRC32 framed records (see `record-frame.ts`). After a compaction the file starts with
 * a mark record saying how many of the records after it are the snapshot (one update, or the
 * pieces of a large one). Also the small file-system helpers the store's parts share.
 *
 * A torn tail (crash mid-append) is ignored on load and truncated away before the next append
 * (`loadRecords` with `repair`).
 */
import { closeSync, fdatasync, fsyncSync, openSync, writev, writevSync } from "node:fs";
import { type FileHandle, open, readFile, truncate } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  BYTE_SLICE,
  ByteSlicer,
  frameEachYielding,
  frameJoined,
  framePartsYielding,
  frameRecord,
  readFrames,
} from "./record-frame.js";
import type { RoomLog } from "./store.js";

export const datasync = promisify(fdatasync);
const writevAsync = promisify(writev);

/** Records at least this large are checksummed in slices between event-loop turns. */
export const LARGE_RECORD = BYTE_SLICE;

/** The path of `room`'s file under `roomsDir`. */
export function roomFilePath(roomsDir: string, room: string): string {
  return join(roomsDir, `${Buffer.from(room, "utf8").toString("base64url")}.log`);
}

/**
 * Opens the record a compaction writes first in a room file: `[0xff 0x01]` "TANDEM-SNAPSHOT",
 * then the number of records after it that are the snapshot (u32 LE), 21 bytes in all. No
 * stored update can look like it: a Yjs update starting with these bytes names 255 clients,
 * which take at least 3 bytes each, and every stored update decoded whole before it was stored.
 */
const SNAPSHOT_MARK = Buffer.from([0xff, 0x01, ...Buffer.from("TANDEM-SNAPSHOT", "ascii")]);
const SNAPSHOT_MARK_BYTES = SNAPSHOT_MARK.length + 4;

/** The mark record of a snapshot of `pieces` records. */
function snapshotMark(pieces: number): Buffer {
  const out = Buffer.alloc(SNAPSHOT_MARK_BYTES);
  SNAPSHOT_MARK.copy(out, 0);
  out.writeUInt32LE(pieces, SNAPSHOT_MARK.length);
  return out;
}

/** The piece count of a mark record; undefined for any other record. */
function readSnapshotMark(record: Uint8Array): number | undefined {
  if (record.length !== SNAPSHOT_MARK_BYTES) return undefined;
  const b = Buffer.from(record.buffer, record.byteOffset, record.byteLength);
  if (!b.subarray(0, SNAPSHOT_MARK.length).equals(SNAPSHOT_MARK)) return undefined;
  return b.readUInt32LE(SNAPSHOT_MARK.length);
}

/**
 * A room file's updates and how many of the leading ones are its snapshot. Files written
 * before the mark existed, and files no compaction wrote, have none. A mark after the first
 * record belongs to an older snapshot file a rebuild kept behind its own (duplicates).
 */
export function roomUpdates(records: readonly Uint8Array[]): { updates: Uint8Array[]; snapshot: number } {
  const mark = records[0] === undefined ? undefined : readSnapshotMark(records[0]);
  const updates = records.slice(mark === undefined ? 0 : 1).filter((r) => readSnapshotMark(r) === undefined);
  return { updates, snapshot: Math.min(mark ?? 0, updates.length) };
}

/** A room file's records; `fileLength` is the length of its valid part. With `repair`, a torn tail is cut off. */
export async function loadRecords(path: string, repair: boolean): Promise<RoomLog & { fileLength: number }> {
  const buf = await readIfExists(path);
  if (!buf) return { updates: [], bytes: 0, snapshot: 0, fileLength: 0 };
  const { records, validLength } = await readFrames(buf);
  if (repair && validLength !== buf.length) await truncate(path, validLength);
  const { updates, snapshot } = roomUpdates(records);
  let bytes = 0;
  for (const r of updates) bytes += r.length;
  return { updates, bytes, snapshot, fileLength: validLength };
}

/** Writes a snapshot (its mark, then its pieces) as a new file `path` and fsyncs it. */
export async function writeSnapshotFile(path: string, pieces: readonly Uint8Array[]): Promise<void> {
  // Uncopied: the pieces of a large book add up to tens of MiB.
  const records = [frameRecord(snapshotMark(pieces.length)), ...(await frameEachYielding(pieces))];
  const h = await open(path, "w", 0o600);
  try {
    await h.writev(records);
    await h.sync();
  } finally {
    await h.close();
  }
}

/** Appends `bytes` (whole records) to the file `path` and fdatasyncs it. */
export async function appendBytes(path: string, bytes: Uint8Array): Promise<void> {
  const h = await open(path, "a", 0o600);
  try {
    await h.write(bytes);
    await h.datasync();
  } finally {
    await h.close();
  }
}

/**
 * Appends `updates` as records to a room file whose tail is whole, and fdatasyncs it. A large
 * batch (a first sync's update moved at a checkpoint) is written off the event loop.
 */
export async function appendRecords(path: string, updates: readonly Uint8Array[]): Promise<void> {
  const records: Uint8Array[] = [];
  let bytes = 0;
  for (const u of updates) {
    records.push(...(await frame([u])));
    bytes += u.length;
  }
  const fd = openSync(path, "a", 0o600);
  try {
    if (bytes >= LARGE_RECORD) await writevAsync(fd, records);
    else writevSync(fd, records);
    await datasync(fd);
  } finally {
    closeSync(fd);
  }
}

/** A copy of `data`, made in slices between event-loop turns (see {@link ByteSlicer}). */
export async function copyYielding(data: Uint8Array, slicer = new ByteSlicer()): Promise<Uint8Array> {
  const out = new Uint8Array(data.length);
  for (let at = 0; at < data.length; at += BYTE_SLICE) {
    const slice = data.subarray(at, at + BYTE_SLICE);
    const turn = slicer.next(slice.length);
    if (turn) await turn;
    out.set(slice, at);
  }
  return out;
}

/**
 * Frames the record that is `parts`: a small one as one buffer, a large one without copying
 * it, yielding to the event loop while it is checksummed.
 */
export function frame(parts: readonly Uint8Array[]): Uint8Array[] | Promise<Uint8Array[]> {
  let bytes = 0;
  for (const p of parts) bytes += p.length;
  return bytes >= LARGE_RECORD ? framePartsYielding(parts) : [frameJoined(parts)];
}

/**
 * The bytes of a room file from `start` on (its records are whole: the file was repaired
 * before anything was appended to it); empty when the file does not exist.
 */
export async function readFrom(path: string, start: number): Promise<Uint8Array> {
  const h = await openIfExists(path);
  if (!h) return new Uint8Array(0);
  try {
    return await readRange(h, start, (await h.stat()).size);
  } finally {
    await h.close();
  }
}

/** The whole file `path`; undefined when it does not exist. */
export async function readIfExists(path: string): Promise<Buffer | undefined> {
  return readFile(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") return undefined;
    throw e;
  });
}

/** Opens `path` for reading; undefined when it does not exist. */
export async function openIfExists(path: string): Promise<FileHandle | undefined> {
  return open(path, "r").catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") return undefined;
    throw e;
  });
}

/** Bytes `start` to `end` of an open file (fewer if it is shorter). */
export async function readRange(h: FileHandle, start: number, end: number): Promise<Uint8Array> {
  const out = Buffer.allocUnsafe(Math.max(0, end - start));
  let done = 0;
  while (done < out.length) {
    const { bytesRead } = await h.read(out, done, out.length - done, start + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return out.subarray(0, done);
}

/** {@link fsyncDir} without blocking the event loop. */
export async function fsyncDirAsync(path: string): Promise<void> {
  try {
    const h = await open(path, "r");
    try {
      await h.sync();
    } finally {
      await h.close();
    }
  } catch {
    // As in fsyncDir: the rename is still atomic where directory fsync is unsupported.
  }
}

/** Fsyncs a directory, which makes a rename in it durable; not supported on every platform. */
export function fsyncDir(path: string): void {
  try {
    const fd = openSync(path, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // EISDIR/EPERM on platforms without directory fsync: the rename is still atomic.
  }
}

/** Runs at most `limit` tasks at a time; the others wait in call order. */
export class ConcurrencyLimit {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    this.running++;
    try {
      return await task();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}
