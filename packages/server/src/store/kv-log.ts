/**
 * The file store's log of auth mutations: `kv.log` in the data directory holds every
 * session/ticket/token {@link KvOp} as a framed JSON record, replayed into {@link KvTables} on
 * open (a torn tail is truncated away).
 *
 * Ops of one event-loop tick are written and fdatasync'd together before any of their promises
 * resolves (group commit). The log is rewritten from the live tables (write a temporary file,
 * fsync, rename, fsync the directory) when it holds far more ops than live rows.
 */
import { type FileHandle, open, rename, truncate } from "node:fs/promises";
import { join } from "node:path";
import { type KvOp, KvTables } from "./kv-tables.js";
import { frameRecord, readFrames } from "./record-frame.js";
import { fsyncDir, readIfExists } from "./room-files.js";
import { StoreError } from "./store.js";

/** Ops in the log past which it is rewritten, when it also holds 4× more ops than live rows. */
const COMPACT_AFTER_OPS = 1000;

/** The kv log of one data directory, with the tables it fills. */
export class KvLog {
  private pending: { ops: readonly KvOp[]; done: () => void; fail: (e: unknown) => void }[] = [];
  /** The write in progress (flushes and rewrites run one at a time). */
  private writing: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly path: string,
    readonly tables: KvTables,
    private handle: FileHandle,
    /** Ops the log file holds. */
    private ops: number,
    private readonly onWrite: ((seconds: number) => void) | undefined,
  ) {}

  /** Opens (creating it if missing) the kv log of `dir` and replays it. */
  static async open(dir: string, onWrite?: ((seconds: number) => void) | undefined): Promise<KvLog> {
    const path = join(dir, "kv.log");
    const tables = new KvTables();
    let ops = 0;
    const existing = await readIfExists(path);
    if (existing) {
      const { records, validLength } = await readFrames(existing);
      for (const r of records) {
        tables.apply(JSON.parse(Buffer.from(r).toString("utf8")) as KvOp);
        ops++;
      }
      if (validLength !== existing.length) await truncate(path, validLength);
    }
    return new KvLog(path, tables, await open(path, "a", 0o600), ops, onWrite);
  }

  /** Makes `ops` (already applied to the tables) durable, with the other ops of this tick. */
  append(ops: readonly KvOp[]): Promise<void> {
    if (this.closed) return Promise.reject(new StoreError("store is closed"));
    return new Promise<void>((done, fail) => {
      this.pending.push({ ops, done, fail });
      if (this.pending.length === 1) setImmediate(() => this.flush());
    });
  }

  /** Writes what is pending, then closes the file. Further appends fail. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.flush();
    await this.writing;
    await this.handle.close();
  }

  private flush(): void {
    const group = this.pending;
    if (group.length === 0) return;
    this.pending = [];
    const write = this.writing.then(() => this.write(group.flatMap((g) => g.ops)));
    this.writing = write.catch(() => undefined);
    write.then(
      () => {
        for (const g of group) g.done();
      },
      (e: unknown) => {
        for (const g of group) g.fail(e);
      },
    );
  }

  private async write(ops: readonly KvOp[]): Promise<void> {
    const started = performance.now();
    await this.handle.writev(ops.map(encode));
    await this.handle.datasync();
    this.onWrite?.((performance.now() - started) / 1000);
    this.ops += ops.length;
    const t = this.tables;
    const live = t.sessions.size + t.tickets.size + t.usedTickets.size + t.tokens.size;
    if (this.ops > COMPACT_AFTER_OPS && this.ops > live * 4) await this.rewrite();
  }

  /** Rewrites the log as the ops that rebuild the live tables. */
  private async rewrite(): Promise<void> {
    const tmp = `${this.path}.tmp`;
    const h = await open(tmp, "w", 0o600);
    const ops = [...this.tables.snapshot()];
    await h.writev(ops.map(encode));
    await h.sync();
    await h.close();
    await this.handle.close();
    await rename(tmp, this.path);
    fsyncDir(join(this.path, ".."));
    this.handle = await open(this.path, "a", 0o600);
    this.ops = ops.length;
  }
}

function encode(op: KvOp): Uint8Array {
  return frameRecord(Buffer.from(JSON.stringify(op), "utf8"));
}
