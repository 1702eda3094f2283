/**
 * The file store's shared write-ahead log of room updates: numbered segments `wal.<n>.log` in
 * the data directory, records `[u16 room length][room][update]` framed as in `record-frame.ts`.
 *
 * An append writes the whole batch and makes it durable with ONE `fdatasync` (the group
 * commit). Appends go to the newest segment; older ones are drained into the room files by the
 * room store and then deleted. On open, every segment (and the `wal.log` of earlier versions)
 * is replayed, oldest first, into the room files before anything else; duplicates are harmless,
 * as Yjs updates are idempotent.
 */
import { readdirSync, rmSync, writevSync } from "node:fs";
import { type FileHandle, open, rm } from "node:fs/promises";
import { join } from "node:path";
import { frameJoined, framePartsYielding, readFrames } from "./record-frame.js";
import { datasync, fsyncDir, fsyncDirAsync, LARGE_RECORD, readIfExists } from "./room-files.js";

/** WAL batches smaller than this are written synchronously before their fdatasync. */
const SYNC_WAL_WRITE_BYTES = 1024 * 1024;

/** The write-ahead log of one data directory. */
export class Wal {
  /** Payload bytes appended to the current segment. */
  bytes = 0;

  private constructor(
    private readonly dir: string,
    /** The segment appends go to; older segments are being drained into room files. */
    public segment: number,
    private handle: FileHandle,
  ) {}

  /**
   * Replays the log left in `dir` through `into` (per room, in order), makes a new empty
   * segment durable, then deletes the replayed ones.
   */
  static async open(dir: string, into: (room: string, updates: Uint8Array[]) => Promise<void>): Promise<Wal> {
    const replayed = [join(dir, "wal.log"), ...walSegments(dir).map((n) => segmentPath(dir, n))];
    for (const path of replayed) {
      const buf = await readIfExists(path);
      if (!buf || buf.length === 0) continue;
      const byRoom = new Map<string, Uint8Array[]>();
      for (const rec of (await readFrames(buf)).records) {
        const { room, update } = readWalPayload(rec);
        const list = byRoom.get(room) ?? [];
        list.push(update);
        byRoom.set(room, list);
      }
      for (const [room, updates] of byRoom) await into(room, updates);
    }
    const segment = (walSegments(dir).at(-1) ?? -1) + 1;
    const handle = await open(segmentPath(dir, segment), "a", 0o600);
    fsyncDir(dir);
    for (const path of replayed) rmSync(path, { force: true });
    return new Wal(dir, segment, handle);
  }

  /**
   * Writes `batch` to the current segment and makes it durable with one fdatasync; resolves to
   * the bytes written (0, writing nothing, for an empty batch).
   */
  async append(batch: ReadonlyMap<string, readonly Uint8Array[]>): Promise<number> {
    const wal: Uint8Array[] = [];
    for (const [room, updates] of batch) {
      const prefix = walPrefix(room);
      for (const u of updates) {
        // Most records are small: framed at once, without a turn of the microtask queue.
        if (u.length < LARGE_RECORD) wal.push(frameJoined([prefix, u]));
        else wal.push(...(await framePartsYielding([prefix, u])));
      }
    }
    if (wal.length === 0) return 0;
    // A batch under 1 MiB is written at once (into the page cache, microseconds) rather than in
    // a second round trip through libuv's threads, which a busy event loop picks up late.
    let bytes = 0;
    for (const b of wal) bytes += b.length;
    if (bytes < SYNC_WAL_WRITE_BYTES) writevSync(this.handle.fd, wal);
    else await this.handle.writev(wal);
    await datasync(this.handle.fd);
    this.bytes += bytes;
    return bytes;
  }

  /** Starts a new segment (its name durable before any append relies on it); resolves to the old one's number. */
  async rotate(): Promise<number> {
    const old = this.segment;
    const next = await open(segmentPath(this.dir, old + 1), "a", 0o600);
    await fsyncDirAsync(this.dir);
    const oldHandle = this.handle;
    this.segment = old + 1;
    this.handle = next;
    this.bytes = 0;
    await oldHandle.close();
    return old;
  }

  /** Deletes the segment files up to `upTo`. */
  async removeUpTo(upTo: number): Promise<void> {
    for (const n of walSegments(this.dir)) if (n <= upTo) await rm(segmentPath(this.dir, n), { force: true });
  }

  /** Empties the current segment durably (after everything in it reached the room files). */
  async empty(): Promise<void> {
    await this.handle.truncate(0);
    await this.handle.datasync();
    this.bytes = 0;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

/** What precedes an update in its WAL record: `[u16 room length][room]`. */
function walPrefix(room: string): Buffer {
  const name = Buffer.from(room, "utf8");
  const out = Buffer.allocUnsafe(2 + name.length);
  out.writeUInt16LE(name.length, 0);
  name.copy(out, 2);
  return out;
}

function readWalPayload(rec: Uint8Array): { room: string; update: Uint8Array } {
  const b = Buffer.from(rec.buffer, rec.byteOffset, rec.byteLength);
  const len = b.readUInt16LE(0);
  return { room: b.subarray(2, 2 + len).toString("utf8"), update: new Uint8Array(b.subarray(2 + len)) };
}

/** The path of WAL segment `n`. */
function segmentPath(dir: string, n: number): string {
  return join(dir, `wal.${n}.log`);
}

/** The numbers of the WAL segments in `dir`, ascending. */
function walSegments(dir: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync(dir)) {
    const m = /^wal\.(\d+)\.log$/.exec(name);
    if (m) out.push(Number(m[1]));
  }
  return out.sort((a, b) => a - b);
}
