/**
 * Websocket admission: decides, from a ticket, whether a socket may join a room.
 *
 * The relay knows nothing of tickets, sessions or hashes; it asks an `Admit` callback
 * (its port, `relay/admit.ts`) built here. Invariants: a ticket is consumed (single use) before anything else is decided;
 * a ticket the store no longer knows is reported as expired when the expiry its value carries
 * has passed (the store forgets tickets once expired), as unknown otherwise; a ticket admits
 * only to its owner's own room (`bookRoomName(org, user)`); a ticket issued from a session
 * admits only while that session exists, so a device's logout refuses (`revoked`, 4001) the
 * tickets of its own session, and a revocation those of every session of the user. The
 * session is read last, after every other await, so a socket admitted on a session read just
 * before its deletion is registered with the relay by the time the auth service announces the
 * logout or revocation (see `AuthService.logout`, `AuthService.revokeUser`), and the relay's
 * `closeSession` or `closeUser` closes it.
 */
import { bookRoomName } from "@tandem/engine";
import type { Clock } from "../clock.js";
import type { Admit, LiveSessions } from "../relay/admit.js";
import { CloseCode } from "../relay/close-codes.js";
import type { AuthStore } from "../store/store.js";
import { hashSecret } from "./secret-hash.js";
import { readTicketExpiry } from "./ticket-value.js";

/** Options of {@link createTicketAdmission}. */
export interface TicketAdmissionOptions {
  readonly store: AuthStore;
  readonly clock: Clock;
}

/**
 * The admission of sockets by single-use sync tickets.
 * @example
 * const relay = new Relay({ ...options, admit: createTicketAdmission({ store, clock }) });
 */
export function createTicketAdmission(o: TicketAdmissionOptions): Admit {
  return async (room, ticket) => {
    if (!ticket) return { ok: false, code: CloseCode.noTicket };
    const now = o.clock.now();
    const take = await o.store.takeTicket(hashSecret(ticket), now);
    switch (take.kind) {
      case "unknown": {
        const expiresAt = readTicketExpiry(ticket);
        const expired = expiresAt !== undefined && expiresAt <= now;
        return { ok: false, code: expired ? CloseCode.ticketExpired : CloseCode.unknownTicket };
      }
      case "used":
        return { ok: false, code: CloseCode.ticketReused };
      case "expired":
        return { ok: false, code: CloseCode.ticketExpired, orgId: take.ticket.orgId, userId: take.ticket.userId };
      case "ok": {
        const t = take.ticket;
        if (t.room !== room || room !== bookRoomName(t.orgId, t.userId)) {
          return { ok: false, code: CloseCode.forbiddenRoom, orgId: t.orgId, userId: t.userId };
        }
        if (t.sessionId !== undefined && (await o.store.getSession(t.sessionId, o.clock.now())) === undefined) {
          return { ok: false, code: CloseCode.revoked, orgId: t.orgId, userId: t.userId };
        }
        return { ok: true, orgId: t.orgId, userId: t.userId, room, sessionId: t.sessionId };
      }
    }
  };
}

/**
 * The relay's check that admitted sockets' sessions still exist.
 * @example
 * const relay = new Relay({ ...options, liveSessions: createLiveSessions({ store, clock }) });
 */
export function createLiveSessions(o: TicketAdmissionOptions): LiveSessions {
  return async (ids) => {
    const now = o.clock.now();
    const live = await Promise.all(ids.map(async (id) => ((await o.store.getSession(id, now)) ? id : undefined)));
    return new Set(live.filter((id): id is string => id !== undefined));
  };
}
