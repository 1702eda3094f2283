/**
 * In-memory tables for sessions, tickets and sealed tokens, shared by the memory store and
 * (as its materialised view) the file store.
 *
 * Every mutation is expressed as a {@link KvOp} so the file store can log exactly what the
 * tables applied and replay it on start. Used tickets stay (as tombstones) until they expire
 * so a second use is reported as `used`, not `unknown`.
 */
import type { SessionRecord, TicketRecord, TicketTake } from "./store.js";

/** One logged mutation of the key-value tables. */
export type KvOp =
  | { readonly t: "session"; readonly v: SessionRecord }
  | { readonly t: "session-del"; readonly id: string }
  | { readonly t: "user-sessions-del"; readonly orgId: string; readonly userId: string }
  | { readonly t: "ticket"; readonly v: TicketRecord }
  | { readonly t: "ticket-used"; readonly id: string }
  | { readonly t: "token"; readonly orgId: string; readonly userId: string; readonly sealed: string }
  | { readonly t: "token-del"; readonly orgId: string; readonly userId: string };

interface TicketRow {
  readonly ticket: TicketRecord;
  used: boolean;
}

/** Sessions, tickets and tokens with the single-use ticket rule. */
export class KvTables {
  readonly sessions = new Map<string, SessionRecord>();
  readonly tickets = new Map<string, TicketRow>();
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
      case "ticket":
        this.tickets.set(op.v.id, { ticket: op.v, used: false });
        return 0;
      case "ticket-used": {
        const row = this.tickets.get(op.id);
        if (row) row.used = true;
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

  /** Decides a ticket take; the caller applies (and logs) the returned op when present. */
  decideTake(id: string, now: number): { result: TicketTake; op?: KvOp } {
    const row = this.tickets.get(id);
    if (!row) return { result: { kind: "unknown" } };
    if (row.used) return { result: { kind: "used", ticket: row.ticket } };
    const op: KvOp = { t: "ticket-used", id };
    if (row.ticket.expiresAt <= now) return { result: { kind: "expired", ticket: row.ticket }, op };
    return { result: { kind: "ok", ticket: row.ticket }, op };
  }

  /** Drops tickets expired for more than `graceMs` and expired sessions. */
  prune(now: number, graceMs: number): void {
    for (const [id, row] of this.tickets) if (row.ticket.expiresAt + graceMs < now) this.tickets.delete(id);
    for (const [id, s] of this.sessions) if (s.expiresAt < now) this.sessions.delete(id);
  }

  /** The ops that rebuild the current tables (for log compaction). */
  *snapshot(): Generator<KvOp> {
    for (const v of this.sessions.values()) yield { t: "session", v };
    for (const row of this.tickets.values()) {
      yield { t: "ticket", v: row.ticket };
      if (row.used) yield { t: "ticket-used", id: row.ticket.id };
    }
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
