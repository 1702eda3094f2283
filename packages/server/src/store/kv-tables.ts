/**
 * In-memory tables for sessions, tickets and sealed tokens, shared by the memory store and
 * (as its materialised view) the file store.
 *
 * Every mutation is expressed as a {@link KvOp} so the file store can log exactly what the
 * tables applied and replay it on start.
 *
 * Tickets: a live ticket's record is kept until it is taken or expires. Taking it removes the
 * record, so it can never be taken again; what remains is a tombstone (hash → expiry, about
 * 100 bytes) so that a second use is reported as `used`, not `unknown`. Records and
 * tombstones are dropped once expired: a ticket value carries its expiry, so the relay tells
 * an expired ticket from a forged one without them. Rows are kept in issue order, so pruning
 * visits only what it drops. Pruning runs at each take and, through {@link pruneWhenIdle}, by a
 * timer, so a server whose devices have all left frees its tickets too. Live tickets are also
 * indexed by (org, user), for the per-user cap of {@link KvTables.liveTickets}; an index entry
 * goes with its ticket.
 */
import type { SessionRecord, TicketRecord, TicketTake } from "./store.js";

/** One logged mutation of the key-value tables. */
export type KvOp =
  | { readonly t: "session"; readonly v: SessionRecord }
  | { readonly t: "session-del"; readonly id: string }
  | { readonly t: "user-sessions-del"; readonly orgId: string; readonly userId: string }
  | { readonly t: "ticket"; readonly v: TicketRecord }
  /** `expiresAt` is set when the op alone must rebuild the tombstone (log compaction). */
  | { readonly t: "ticket-used"; readonly id: string; readonly expiresAt?: number | undefined }
  | { readonly t: "token"; readonly orgId: string; readonly userId: string; readonly sealed: string }
  | { readonly t: "token-del"; readonly orgId: string; readonly userId: string };

/** Sessions, tickets and tokens with the single-use ticket rule. */
export class KvTables {
  readonly sessions = new Map<string, SessionRecord>();
  /** Live (not yet taken) tickets, in issue order. */
  readonly tickets = new Map<string, TicketRecord>();
  /** Taken tickets: hash → expiry, in order of use. */
  readonly usedTickets = new Map<string, number>();
  /** Live tickets by (org, user): hash → expiry. Mirrors `tickets`; no empty entries. */
  readonly userTickets = new Map<string, Map<string, number>>();
  readonly tokens = new Map<string, string>();

  /** Applies one op; returns a value for ops that report one. */
  apply(op: KvOp): number {
    switch (op.t) {
      case "session":
        this.sessions.set(op.v.id, op.v);
        return 0;
      case "session-del":
        this.sessions.delete(op.id);
        return 0;
      case "user-sessions-del": {
        let n = 0;
        for (const [id, s] of this.sessions) {
          if (s.orgId === op.orgId && s.userId === op.userId) {
            this.sessions.delete(id);
            n++;
          }
        }
        return n;
      }
      case "ticket": {
        if (this.usedTickets.has(op.v.id)) return 0;
        this.tickets.set(op.v.id, op.v);
        const key = tokenKey(op.v.orgId, op.v.userId);
        let mine = this.userTickets.get(key);
        if (!mine) {
          mine = new Map();
          this.userTickets.set(key, mine);
        }
        mine.set(op.v.id, op.v.expiresAt);
        return 0;
      }
      case "ticket-used": {
        const expiresAt = this.tickets.get(op.id)?.expiresAt ?? op.expiresAt;
        this.dropLive(op.id);
        if (expiresAt !== undefined) this.usedTickets.set(op.id, expiresAt);
        return 0;
      }
      case "token":
        this.tokens.set(tokenKey(op.orgId, op.userId), op.sealed);
        return 0;
      case "token-del":
        this.tokens.delete(tokenKey(op.orgId, op.userId));
        return 0;
    }
  }

  /** How many live tickets (unexpired at `now`, not taken) (org, user) holds. */
  liveTickets(orgId: string, userId: string, now: number): number {
    let n = 0;
    for (const expiresAt of this.userTickets.get(tokenKey(orgId, userId))?.values() ?? []) if (expiresAt > now) n++;
    return n;
  }

  /** Removes a live ticket and its index entry. */
  private dropLive(id: string): void {
    const t = this.tickets.get(id);
    if (!t) return;
    this.tickets.delete(id);
    const key = tokenKey(t.orgId, t.userId);
    const mine = this.userTickets.get(key);
    mine?.delete(id);
    if (mine?.size === 0) this.userTickets.delete(key);
  }

  /** Decides a ticket take; the caller applies (and logs) the returned op when present. */
  decideTake(id: string, now: number): { result: TicketTake; op?: KvOp } {
    const ticket = this.tickets.get(id);
    if (!ticket) return { result: this.usedTickets.has(id) ? { kind: "used" } : { kind: "unknown" } };
    // An expired take uses the ticket up too, so no clock step back can revive it.
    const op: KvOp = { t: "ticket-used", id };
    if (ticket.expiresAt <= now) return { result: { kind: "expired", ticket }, op };
    return { result: { kind: "ok", ticket }, op };
  }

  /**
   * Drops tickets (live or used) whose expiry is more than `graceMs` before `now`. `full`
   * scans every ticket and also drops expired sessions; otherwise each table is scanned in
   * order up to the first row it keeps, so a row can outlive its expiry by at most one ticket
   * lifetime (tickets are issued with one lifetime, so issue order is nearly expiry order).
   */
  prune(now: number, graceMs: number, full = false): void {
    const cutoff = now - graceMs;
    for (const [id, t] of this.tickets) {
      if (t.expiresAt < cutoff) this.dropLive(id);
      else if (!full) break;
    }
    for (const [id, expiresAt] of this.usedTickets) {
      if (expiresAt < cutoff) this.usedTickets.delete(id);
      else if (!full) break;
    }
    if (full) for (const [id, s] of this.sessions) if (s.expiresAt < now) this.sessions.delete(id);
  }

  /** The earliest expiry of a live or used ticket (each table's first row, in issue order). */
  firstTicketExpiry(): number | undefined {
    const live = this.tickets.values().next().value?.expiresAt;
    const used = this.usedTickets.values().next().value;
    if (live === undefined || used === undefined) return live ?? used;
    return Math.min(live, used);
  }

  /** The ops that rebuild the current tables (for log compaction). */
  *snapshot(): Generator<KvOp> {
    for (const v of this.sessions.values()) yield { t: "session", v };
    for (const v of this.tickets.values()) yield { t: "ticket", v };
    for (const [id, expiresAt] of this.usedTickets) yield { t: "ticket-used", id, expiresAt };
    for (const [key, sealed] of this.tokens) {
      const [orgId = "", userId = ""] = key.split("\u0000");
      yield { t: "token", orgId, userId, sealed };
    }
  }
}

/** The (org, user) of every stored token. */
export function tokenOwners(tokens: ReadonlyMap<string, string>): Array<{ orgId: string; userId: string }> {
  const owners: Array<{ orgId: string; userId: string }> = [];
  for (const key of tokens.keys()) {
    const cut = key.indexOf("\u0000");
    if (cut > 0) owners.push({ orgId: key.slice(0, cut), userId: key.slice(cut + 1) });
  }
  return owners;
}

function tokenKey(orgId: string, userId: string): string {
  return `${orgId}\u0000${userId}`;
}

/** Key of the token table, exported for stores. */
export { tokenKey };

/** Longest wait of the idle pruner's timer (ms); it re-arms after. */
const PRUNE_TIMER_MAX_MS = 60 * 60 * 1000;

/**
 * Prunes `kv`'s tickets by a timer as well, at the earliest expiry: without it, tickets and
 * tombstones wait for the next take, which never comes once every device has left. Times are
 * the callers' clock (the `now` of each take), advanced by the real time elapsed since the
 * latest take. The timer does not keep the process alive.
 */
export function pruneWhenIdle(kv: KvTables, graceMs: number): { took(now: number): void; stop(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let seenNow = 0;
  let seenAt = 0;
  const now = (): number => seenNow + (performance.now() - seenAt);
  const arm = (): void => {
    const first = kv.firstTicketExpiry();
    if (timer !== undefined || first === undefined) return;
    // Just past the cutoff `prune` applies (expiry + grace, strictly earlier).
    const wait = Math.min(PRUNE_TIMER_MAX_MS, Math.max(0, first + graceMs - now()) + 10);
    timer = setTimeout(() => {
      timer = undefined;
      kv.prune(now(), graceMs);
      arm();
    }, wait);
    timer.unref?.();
  };
  return {
    took(at) {
      seenNow = at;
      seenAt = performance.now();
      arm();
    },
    stop() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}
