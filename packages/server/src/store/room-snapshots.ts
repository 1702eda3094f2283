/**
 * What the file store's room logs know of their snapshots in flight: `replaceRoom` snapshots
 * being written or waiting for their rename, in issue order per room, the issue of the snapshot
 * last installed over each room's log, a generation count of renames over each log, and the
 * rebuilds under way. Issue numbers order every room operation by its call.
 */
import { rename, rm } from "node:fs/promises";

/** A `replaceRoom` snapshot: its temporary file, being written or waiting for its rename. */
export interface PendingSnapshot {
  readonly issue: number;
  readonly tmp: string;
  readonly written: Promise<void>;
  /** Whether `written` has settled (either way). */
  settled: boolean;
}

/** The snapshot bookkeeping of one file room store. */
export class RoomSnapshots {
  /** Snapshots being written or waiting to be renamed over their room's log, per room, in issue order. */
  private readonly pending = new Map<string, PendingSnapshot[]>();
  /** Issue number of the latest snapshot installed over each room's log (older ones are dropped). */
  private readonly installedIssues = new Map<string, number>();
  /** Counts renames over each room's log, so a rebuild can tell whether its read is still the file's start. */
  private readonly generations = new Map<string, number>();
  /** Rebuilds of each room between their call and their end. */
  private readonly rebuilds = new Map<string, number>();

  /** Queues a snapshot of `room` behind those issued before it. */
  add(room: string, entry: PendingSnapshot): void {
    const list = this.pending.get(room) ?? [];
    list.push(entry);
    this.pending.set(room, list);
  }

  /** Whether `entry` still waits for its rename (no checkpoint, eviction or close installed it). */
  isPending(room: string, entry: PendingSnapshot): boolean {
    return this.pending.get(room)?.includes(entry) ?? false;
  }

  /** Rooms with snapshots not yet installed. */
  rooms(): IterableIterator<string> {
    return this.pending.keys();
  }

  installedIssue(room: string): number {
    return this.installedIssues.get(room) ?? 0;
  }

  generation(room: string): number {
    return this.generations.get(room) ?? 0;
  }

  /** Records that the snapshot of issue `issue` was renamed over `room`'s log. */
  renamed(room: string, issue: number): void {
    this.installedIssues.set(room, issue);
    this.generations.set(room, this.generation(room) + 1);
  }

  rebuildStarted(room: string): void {
    this.rebuilds.set(room, (this.rebuilds.get(room) ?? 0) + 1);
  }

  rebuildEnded(room: string): void {
    const left = (this.rebuilds.get(room) ?? 1) - 1;
    if (left > 0) this.rebuilds.set(room, left);
    else this.rebuilds.delete(room);
  }

  /**
   * Renames the written snapshots of `room` (issue ≤ `upTo`) over its log `path`, in issue
   * order; with `settledOnly`, only up to the first one still being written, without waiting for
   * it. Returns the issue of the last one renamed. Runs in the store's serial queue; the caller
   * fsyncs the directory and then drops the WAL-only updates the snapshot supersedes.
   */
  async rename(room: string, path: string, upTo: number, settledOnly: boolean): Promise<number | undefined> {
    const list = this.pending.get(room) ?? [];
    let since: number | undefined;
    for (let next = list[0]; next !== undefined && next.issue <= upTo; next = list[0]) {
      if (settledOnly && !next.settled) break;
      list.shift();
      // A snapshot whose write failed is skipped: its replaceRoom call reports the failure.
      const ok = await next.written.then(
        () => true,
        () => false,
      );
      if (!ok) continue;
      if (next.issue < this.installedIssue(room)) {
        // A later rebuild is already installed: this snapshot is older than the log.
        await rm(next.tmp, { force: true });
        continue;
      }
      await rename(next.tmp, path);
      since = next.issue;
      this.renamed(room, next.issue);
    }
    if (list.length === 0) this.pending.delete(room);
    return since;
  }

  /**
   * Forgets what is remembered of `room` across operations (the issue of its installed
   * snapshot, the generation of its file) once no snapshot or rebuild of it is in flight: both
   * only order operations in flight, and every later one has a higher issue and reads the
   * generation anew. Without this, every room ever compacted kept two entries for the life of
   * the process.
   */
  forgetIfIdle(room: string): void {
    if (this.pending.has(room) || (this.rebuilds.get(room) ?? 0) > 0) return;
    this.installedIssues.delete(room);
    this.generations.delete(room);
  }
}
