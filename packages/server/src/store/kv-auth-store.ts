/**
 * The {@link AuthStore} over {@link KvTables}, shared by the memory store and the file store:
 * every mutation is applied to the tables synchronously (so racing ticket takes and puts cannot
 * both win, nor overshoot the per-user cap), then handed to `persist` (the file store's kv log),
 * whose promise the call waits for.
 */
import { type KvOp, KvTables, pruneWhenIdle, tokenKey, tokenOwners } from "./kv-tables.js";
import type { AuthStore, TicketTake } from "./store.js";
import { StoreError } from "./store.js";

/** Options of {@link createKvAuthStore}. */
export interface KvAuthStoreOptions {
  /** The tables, already holding what was persisted before. Default: empty tables. */
  readonly tables?: KvTables | undefined;
  /**
   * How long a ticket (used or not) is remembered after its expiry (ms). Default 0: the
   * ticket value carries its expiry, so nothing needs remembering once it has passed.
   */
  readonly ticketGraceMs?: number | undefined;
  /** Makes applied ops durable; absent for a store that keeps nothing beyond the process. */
  readonly persist?: ((ops: readonly KvOp[]) => Promise<void>) | undefined;
  /** Releases what `persist` holds; called once, by `close`. */
  readonly close?: (() => Promise<void>) | undefined;
}

/**
 * Creates an auth store over key-value tables.
 * @example
 * const auth = createKvAuthStore({ ticketGraceMs: 0 });
 */
export function createKvAuthStore(options: KvAuthStoreOptions = {}): AuthStore {
  const kv = options.tables ?? new KvTables();
  const grace = options.ticketGraceMs ?? 0;
  const idlePruner = pruneWhenIdle(kv, grace);
  let closed = false;
  let takes = 0;
  const check = (): void => {
    if (closed) throw new StoreError("store is closed");
  };
  /** Applies `op` now and resolves once it is durable; resolves to what the op reports. */
  const apply = async (op: KvOp): Promise<number> => {
    check();
    const n = kv.apply(op);
    await options.persist?.([op]);
    return n;
  };
  return {
    async putSession(session) {
      await apply({ t: "session", v: session });
    },
    async getSession(id, now) {
      check();
      const s = kv.sessions.get(id);
      return s && s.expiresAt > now ? s : undefined;
    },
    async deleteSession(id) {
      await apply({ t: "session-del", id });
    },
    deleteUserSessions(orgId, userId) {
      return apply({ t: "user-sessions-del", orgId, userId });
    },
    async countUserSessions(orgId, userId, now) {
      check();
      let n = 0;
      for (const s of kv.sessions.values()) if (s.orgId === orgId && s.userId === userId && s.expiresAt > now) n++;
      return n;
    },
    async putTicket(ticket, limit) {
      check();
      // Counted and applied synchronously, so racing puts cannot overshoot the limit.
      if (limit && kv.liveTickets(ticket.orgId, ticket.userId, limit.now) >= limit.maxLive) return false;
      await apply({ t: "ticket", v: ticket });
      return true;
    },
    async takeTicket(id, now): Promise<TicketTake> {
      check();
      kv.prune(now, grace, ++takes % 256 === 0);
      // Decided and marked synchronously so two concurrent takes cannot both succeed.
      const { result, op } = kv.decideTake(id, now);
      if (op) kv.apply(op);
      idlePruner.took(now);
      if (op) await options.persist?.([op]);
      return result;
    },
    async putToken(orgId, userId, sealed) {
      await apply({ t: "token", orgId, userId, sealed });
    },
    async getToken(orgId, userId) {
      check();
      return kv.tokens.get(tokenKey(orgId, userId));
    },
    async deleteToken(orgId, userId) {
      await apply({ t: "token-del", orgId, userId });
    },
    async listTokenOwners() {
      check();
      return tokenOwners(kv.tokens);
    },
    async close() {
      if (closed) return;
      closed = true;
      idlePruner.stop();
      await options.close?.();
    },
  };
}
