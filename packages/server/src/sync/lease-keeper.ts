/**
 * Keeps one book's worker lease across instances (scale-out): takes it when free, renews it
 * every third of its time to live, and says when this instance gained or lost it. Exactly one
 * worker per book then runs cycles; the others stand by and take over within one time to live
 * (plus a renewal period) of the holder's death.
 *
 * Invariants: the fence handed out is the latest one the lease store granted; a failed renewal
 * (the database unreachable) keeps it, as the store refuses writes under an expired fence
 * anyway; `stop` gives the lease up, so a graceful shutdown hands the book over at once.
 */
import type { Logger } from "../obs/logger.js";
import type { BookLeases, Fence } from "../store/store.js";

/** The leases a worker takes, as this instance. */
export interface WorkerLeases extends BookLeases {
  /** This instance's id (the lease owner). */
  readonly owner: string;
  /** How long a lease lasts unless renewed (ms); the documented takeover bound follows from it. */
  readonly ttlMs: number;
}

/** Holds (or waits for) one book's lease. See the file header. */
export class LeaseKeeper {
  private current: Fence | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private stopped = false;

  constructor(
    private readonly book: string,
    private readonly leases: WorkerLeases,
    private readonly logger: Logger,
    /** Called when this instance gained the lease (a new epoch) or lost it; `had`: whether it held one before. */
    private readonly changed: (held: boolean, had: boolean) => void,
  ) {}

  /** The fence this instance holds, if any, as of the latest renewal. */
  get fence(): Fence | undefined {
    return this.current;
  }

  /** Starts renewing (or trying to take) the lease every third of its time to live. */
  start(): void {
    this.timer = setInterval(() => void this.renew(), Math.max(50, Math.floor(this.leases.ttlMs / 3)));
    this.timer.unref?.();
    void this.renew();
  }

  /** Takes or renews the lease now; resolves to the fence held after it. */
  async renew(): Promise<Fence | undefined> {
    if (this.stopped) return undefined;
    let next: Fence | undefined;
    try {
      next = await this.leases.acquire(this.book, this.leases.owner, this.leases.ttlMs);
    } catch (err) {
      this.logger.log("warn", "sync.lease_renew_failed", { room: this.book, error: errorName(err) });
      return this.current;
    }
    if (this.stopped) return undefined;
    const before = this.current;
    this.current = next;
    if (next !== undefined && next.epoch !== before?.epoch) {
      this.logger.log("info", "sync.lease_taken", { room: this.book, epoch: next.epoch });
      this.changed(true, before !== undefined);
    } else if (next === undefined && before !== undefined) this.lost();
    return next;
  }

  /** The store refused a write under the current fence: the lease is gone. */
  lost(): void {
    if (this.current === undefined) return;
    this.logger.log("warn", "sync.lease_lost", { room: this.book, epoch: this.current.epoch });
    this.current = undefined;
    this.changed(false, true);
  }

  /** Stops renewing and gives the lease up. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    const held = this.current;
    this.current = undefined;
    if (held) {
      this.changed(false, true);
      await this.leases.release(this.book, held).catch(() => undefined);
    }
  }
}

function errorName(err: unknown): string {
  return err instanceof Error ? err.name : typeof err;
}
