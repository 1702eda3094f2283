/**
 * Sign-in, sessions, sync tickets and the user's Salesforce tokens.
 *
 * - Login: `beginLogin` keeps the PKCE verifier server-side, keyed by a random `state`
 *   (bounded map, 10-minute lifetime); `completeLogin` exchanges the code, reads the
 *   identity, seals the refresh token (AES-256-GCM, AAD = org:user) into the store, keeps the
 *   access token in memory only, and creates a session bound to (org, user).
 * - Sessions and tickets are random 256-bit secrets; the store keeps only their SHA-256.
 * - Tickets are single use, 30 s by default, and name the owner's room `book:<org>:<user>`.
 *   A ticket value carries its expiry (`ticket-value.ts`), so nothing about it needs to be
 *   kept once it has expired. A device's ticket records its session (hash), and admission
 *   refuses it once the session is gone; a user holds at most `maxLiveTicketsPerUser` (32)
 *   live device tickets at once.
 * - Sessions are per device. `logout` ends only the caller's session: its tickets are refused
 *   and the session-end listeners close its sockets (4001) one event-loop turn after it is
 *   gone; the user's grant, sync worker and other devices stay.
 * - `revokeUser` (`logoutEverywhere`, Salesforce `invalid_grant`, an admin) deletes every
 *   session and the token of (org, user), revokes the refresh token at the org (best effort,
 *   logged) and notifies listeners (the relay closes the user's sockets; a sync worker stops)
 *   one event-loop turn after the sessions are gone.
 */
import { bookRoomName } from "@tandem/engine";
import type { Clock } from "../clock.js";
import type { Logger } from "../obs/logger.js";
import type { AuthStore, SessionRecord, TicketLimit, TicketRecord } from "../store/store.js";
import {
  authorizeUrl,
  exchangeCode,
  type FetchLike,
  fetchIdentity,
  OAuthError,
  refreshTokens,
  revokeToken,
} from "./oauth-client.js";
import type { OrgConfig } from "./org-config.js";
import { createPkce } from "./pkce.js";
import { hashSecret, randomSecret } from "./secret-hash.js";
import { createTicketValue } from "./ticket-value.js";
import type { TokenCipher } from "./token-cipher.js";

/** Options of {@link AuthService}. */
export interface AuthServiceOptions {
  /** Where sessions, tickets and sealed refresh tokens live. */
  readonly store: AuthStore;
  /** The clock of lifetimes and expiries. */
  readonly clock: Clock;
  /** Where sign-in and revocation events go. */
  readonly logger: Logger;
  /** The org users sign into. */
  readonly org: OrgConfig;
  /** Seals refresh tokens before they reach the store. */
  readonly cipher: TokenCipher;
  /** `fetch` for the OAuth calls; default the global one. */
  readonly fetch?: FetchLike | undefined;
  /** Session lifetime (ms). Default 30 days. */
  readonly sessionTtlMs?: number | undefined;
  /** Ticket lifetime (ms). Default 30 s. */
  readonly ticketTtlMs?: number | undefined;
  /** Pending-login lifetime (ms). Default 10 minutes. */
  readonly loginTtlMs?: number | undefined;
  /** Most logins in flight at once. Default 10 000. */
  readonly maxPendingLogins?: number | undefined;
  /**
   * Most live (unexpired, unused) tickets one (org, user) may hold from
   * {@link AuthService.issueSessionTicket}. Default `DEFAULT_MAX_LIVE_TICKETS_PER_USER`.
   */
  readonly maxLiveTicketsPerUser?: number | undefined;
}

/**
 * Default of {@link AuthServiceOptions.maxLiveTicketsPerUser}: far above what devices that
 * use each ticket as they get it ever hold (one per connection attempt), far below what would
 * let one user fill the store.
 */
export const DEFAULT_MAX_LIVE_TICKETS_PER_USER = 32;

/** A ticket as given to the client. */
export interface IssuedTicket {
  /** The single-use ticket value the client presents to the relay. */
  readonly ticket: string;
  /** The room (book) it admits to. */
  readonly room: string;
  /** When it expires (ms since the epoch). */
  readonly expiresAt: number;
}

/** An access token held in memory. */
export interface AccessToken {
  /** The Salesforce access token. */
  readonly accessToken: string;
  /** The org's instance URL the token is for. */
  readonly instanceUrl: string;
}

/** A session ended by {@link AuthService.logout}: its id (hash) and owner. */
export interface EndedSession {
  readonly sessionId: string;
  readonly orgId: string;
  readonly userId: string;
}

/** Sign-in was refused (bad state, code exchange failure…). */
export class LoginError extends Error {
  override readonly name = "LoginError";
}

/** The user already holds the most live tickets allowed; `retryAfterMs` is when one has surely expired. */
export class TicketLimitError extends Error {
  override readonly name = "TicketLimitError";
  constructor(readonly retryAfterMs: number) {
    super("too many live sync tickets for this user");
  }
}

/**
 * The room of a user's book: the engine's {@link bookRoomName}, the one place the rule lives.
 * @example
 * roomOf("00D000000000001AAA", "005000000000001AAA"); // "book:00D000000000001AAA:005000000000001AAA"
 */
export function roomOf(orgId: string, userId: string): string {
  return bookRoomName(orgId, userId);
}

interface PendingLogin {
  readonly verifier: string;
  readonly redirectUri: string;
  readonly expiresAt: number;
}

/** Sign-in, sessions, tickets and tokens. See the file header. */
export class AuthService {
  private readonly pending = new Map<string, PendingLogin>();
  private readonly access = new Map<string, AccessToken>();
  private readonly revokeListeners = new Set<(orgId: string, userId: string) => void>();
  private readonly loginListeners = new Set<(orgId: string, userId: string) => void>();
  private readonly sessionEndListeners = new Set<(ended: EndedSession) => void>();
  private readonly fetchFn: FetchLike;

  constructor(private readonly o: AuthServiceOptions) {
    this.fetchFn = o.fetch ?? ((input, init) => fetch(input, init));
  }

  /** Starts a login: returns the authorize URL to redirect to and the state to bind in a cookie. */
  beginLogin(redirectUri: string, loginHint?: string): { url: string; state: string } {
    const now = this.o.clock.now();
    for (const [s, p] of this.pending) if (p.expiresAt <= now) this.pending.delete(s);
    if (this.pending.size >= (this.o.maxPendingLogins ?? 10_000)) {
      const oldest = this.pending.keys().next().value;
      if (oldest !== undefined) this.pending.delete(oldest);
    }
    const state = randomSecret(24);
    const { verifier, challenge } = createPkce();
    this.pending.set(state, { verifier, redirectUri, expiresAt: now + (this.o.loginTtlMs ?? 600_000) });
    return { url: authorizeUrl(this.o.org, { redirectUri, state, challenge, loginHint }), state };
  }

  /** Finishes a login; returns the session cookie value and the session. */
  async completeLogin(state: string, code: string): Promise<{ secret: string; session: SessionRecord }> {
    const p = this.pending.get(state);
    this.pending.delete(state);
    if (!p || p.expiresAt <= this.o.clock.now()) throw new LoginError("unknown or expired login state");
    const tokens = await exchangeCode(this.fetchFn, this.o.org, {
      code,
      redirectUri: p.redirectUri,
      verifier: p.verifier,
    });
    const who = await fetchIdentity(this.fetchFn, tokens.idUrl, tokens.accessToken);
    if (tokens.refreshToken) {
      await this.writeGrant(who.orgId, who.userId, {
        r: tokens.refreshToken,
        a: tokens.accessToken,
        i: tokens.instanceUrl,
      });
    }
    this.access.set(aad(who.orgId, who.userId), { accessToken: tokens.accessToken, instanceUrl: tokens.instanceUrl });
    const secret = randomSecret(32);
    const now = this.o.clock.now();
    const session: SessionRecord = {
      id: hashSecret(secret),
      orgId: who.orgId,
      userId: who.userId,
      name: who.displayName,
      createdAt: now,
      expiresAt: now + (this.o.sessionTtlMs ?? 30 * 24 * 3600_000),
    };
    await this.o.store.putSession(session);
    this.o.logger.log("info", "auth.login", { orgId: who.orgId, userId: who.userId });
    for (const l of this.loginListeners) l(who.orgId, who.userId);
    return { secret, session };
  }

  /** The live session of a cookie value, if any. */
  async session(secret: string | undefined): Promise<SessionRecord | undefined> {
    if (!secret) return undefined;
    return this.o.store.getSession(hashSecret(secret), this.o.clock.now());
  }

  /**
   * Issues a device's single-use ticket for the session's own room (`POST /api/sync-ticket`).
   * @remarks The ticket is bound to `session`: it admits a socket only while the session
   * exists, so logout or revocation refuses it (close code 4001). Throws
   * `TicketLimitError` when the user already holds `maxLiveTicketsPerUser` live tickets.
   * @example
   * const { ticket, room } = await auth.issueSessionTicket(session);
   */
  async issueSessionTicket(session: SessionRecord): Promise<IssuedTicket> {
    const ttl = this.o.ticketTtlMs ?? 30_000;
    const now = this.o.clock.now();
    const maxLive = this.o.maxLiveTicketsPerUser ?? DEFAULT_MAX_LIVE_TICKETS_PER_USER;
    const issued = await this.putTicket(session, now + ttl, session.id, { maxLive, now });
    if (!issued) throw new TicketLimitError(ttl);
    return issued;
  }

  /**
   * Issues a single-use ticket for (org, user)'s own room, bound to no session and not counted
   * against the per-user limit.
   * @remarks For trusted in-process code only (tests, benchmarks) to admit a socket without an
   * OAuth round trip: it needs only an (org, user) pair, never a flag on the server. Devices
   * get theirs from {@link issueSessionTicket}.
   * @example
   * const { ticket } = await auth.issueTicket({ orgId, userId });
   */
  async issueTicket(who: { orgId: string; userId: string }): Promise<IssuedTicket> {
    const issued = await this.putTicket(who, this.o.clock.now() + (this.o.ticketTtlMs ?? 30_000), undefined);
    if (!issued) throw new Error("unreachable: a ticket without a limit is always stored");
    return issued;
  }

  private async putTicket(
    who: { orgId: string; userId: string },
    expiresAt: number,
    sessionId: string | undefined,
    limit?: TicketLimit | undefined,
  ): Promise<IssuedTicket | undefined> {
    const room = roomOf(who.orgId, who.userId);
    const ticket = createTicketValue(expiresAt);
    const record: TicketRecord = {
      id: hashSecret(ticket),
      orgId: who.orgId,
      userId: who.userId,
      room,
      expiresAt,
      ...(sessionId === undefined ? {} : { sessionId }),
    };
    return (await this.o.store.putTicket(record, limit)) ? { ticket, room, expiresAt } : undefined;
  }

  /**
   * Logs this device out: deletes its session only, then tells the session-end listeners (the
   * relay closes that session's sockets with 4001). The user's grant, worker and other
   * devices' sessions stay. Resolves to false when the cookie names no live session.
   * @example
   * await auth.logout(cookieValue);
   */
  async logout(secret: string | undefined): Promise<boolean> {
    const s = await this.session(secret);
    if (!s) return false;
    await this.o.store.deleteSession(s.id);
    // As in revokeUser: an admission that read this session just before its deletion has
    // registered its socket by the next event-loop turn, so closeSession sees it.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const ended: EndedSession = { sessionId: s.id, orgId: s.orgId, userId: s.userId };
    for (const l of this.sessionEndListeners) l(ended);
    this.o.logger.log("info", "auth.logout", { orgId: s.orgId, userId: s.userId });
    // The user's last device signed out: Tandem stops acting as them (grant, worker) too.
    if ((await this.o.store.countUserSessions(s.orgId, s.userId, this.o.clock.now())) === 0) {
      await this.revokeUser(s.orgId, s.userId, "last_logout");
    }
    return true;
  }

  /**
   * Signs the user out on every device: revokes (org, user) as `invalid_grant` does.
   * Resolves to false when the cookie names no live session.
   */
  async logoutEverywhere(secret: string | undefined): Promise<boolean> {
    const s = await this.session(secret);
    if (!s) return false;
    await this.revokeUser(s.orgId, s.userId, "logout_everywhere");
    return true;
  }

  /** Subscribes to one device's logout (its session deleted); returns an unsubscribe function. */
  onSessionEnd(listener: (ended: EndedSession) => void): () => void {
    this.sessionEndListeners.add(listener);
    return () => this.sessionEndListeners.delete(listener);
  }

  /**
   * Revokes (org, user): sessions, stored token, in-memory access token; notifies listeners.
   * @example
   * await auth.revokeUser(orgId, userId, "invalid_grant");
   */
  async revokeUser(orgId: string, userId: string, reason = "revoked"): Promise<void> {
    const sessions = await this.o.store.deleteUserSessions(orgId, userId);
    const sealed = await this.o.store.getToken(orgId, userId);
    await this.o.store.deleteToken(orgId, userId);
    this.access.delete(aad(orgId, userId));
    // An admission that read a session just before it was deleted finishes (its socket joins
    // the relay) within the microtasks of that read; one event-loop turn later the relay's
    // closeUser is sure to see that socket.
    await new Promise<void>((resolve) => setImmediate(resolve));
    for (const l of this.revokeListeners) l(orgId, userId);
    this.o.logger.log("info", "auth.revoked", { orgId, userId, reason, sessions });
    if (sealed) {
      try {
        await revokeToken(this.fetchFn, this.o.org, this.openGrant(sealed, orgId, userId).r);
      } catch (err) {
        this.o.logger.log("warn", "auth.revoke_at_org_failed", {
          orgId,
          userId,
          error: err instanceof Error ? err.name : "unknown",
        });
      }
    }
  }

  /** Subscribes to completed sign-ins (to start the user's sync worker); returns an unsubscribe function. */
  onLogin(listener: (orgId: string, userId: string) => void): () => void {
    this.loginListeners.add(listener);
    return () => this.loginListeners.delete(listener);
  }

  /**
   * The tokens a sync worker acts with: the in-memory access token, else the sealed one from
   * the store, else a fresh one from the refresh token; `fresh` refreshes first (a connection
   * failed: the access token or the instance URL may be stale). Rejects when the user has no
   * grant, or it was revoked (which revokes the user, as {@link refreshAccessToken} does).
   */
  async workerTokens(
    orgId: string,
    userId: string,
    options: { readonly fresh?: boolean | undefined } = {},
  ): Promise<{ instanceUrl: string; accessToken: string; refreshToken: string }> {
    if (options.fresh) await this.refreshAccessToken(orgId, userId);
    const stored = await this.readGrant(orgId, userId);
    const refreshToken = stored?.r;
    if (!refreshToken) throw new OAuthError("no refresh token stored for this user", "no_refresh_token");
    const access =
      this.accessToken(orgId, userId) ??
      (stored?.a !== undefined && stored.i !== undefined
        ? { accessToken: stored.a, instanceUrl: stored.i }
        : undefined) ??
      (await this.refreshAccessToken(orgId, userId));
    return { instanceUrl: access.instanceUrl, accessToken: access.accessToken, refreshToken };
  }

  /**
   * Keeps the tokens Salesforce refreshed for a worker, in memory and sealed in the store
   * (so a restarted server acts at once, without another refresh).
   */
  async rememberTokens(
    orgId: string,
    userId: string,
    tokens: { instanceUrl: string; accessToken: string; refreshToken: string },
  ): Promise<void> {
    const current = await this.readGrant(orgId, userId);
    // A revoked user stays revoked: a refresh racing the revocation must not bring the grant back.
    if (current === undefined) return;
    this.access.set(aad(orgId, userId), { accessToken: tokens.accessToken, instanceUrl: tokens.instanceUrl });
    await this.writeGrant(orgId, userId, {
      r: tokens.refreshToken || current.r,
      a: tokens.accessToken,
      i: tokens.instanceUrl,
    });
  }

  /** Subscribes to revocations; returns an unsubscribe function. */
  onRevoke(listener: (orgId: string, userId: string) => void): () => void {
    this.revokeListeners.add(listener);
    return () => this.revokeListeners.delete(listener);
  }

  /** The decrypted refresh token of (org, user), if stored. */
  async refreshToken(orgId: string, userId: string): Promise<string | undefined> {
    return (await this.readGrant(orgId, userId))?.r;
  }

  /** The stored grant of (org, user): refresh token, and the last access token with its instance. */
  private async readGrant(orgId: string, userId: string): Promise<SealedGrant | undefined> {
    const sealed = await this.o.store.getToken(orgId, userId);
    return sealed === undefined ? undefined : this.openGrant(sealed, orgId, userId);
  }

  private openGrant(sealed: string, orgId: string, userId: string): SealedGrant {
    const plain = this.o.cipher.open(sealed, aad(orgId, userId));
    // A grant sealed before access tokens were kept is the bare refresh token.
    if (!plain.startsWith("{")) return { r: plain };
    const g = JSON.parse(plain) as Partial<SealedGrant>;
    if (typeof g.r !== "string") throw new OAuthError("stored grant has no refresh token", "bad_grant");
    return { r: g.r, ...(typeof g.a === "string" ? { a: g.a } : {}), ...(typeof g.i === "string" ? { i: g.i } : {}) };
  }

  private async writeGrant(orgId: string, userId: string, grant: SealedGrant): Promise<void> {
    await this.o.store.putToken(orgId, userId, this.o.cipher.seal(JSON.stringify(grant), aad(orgId, userId)));
  }

  /** The in-memory access token of (org, user), if any. */
  accessToken(orgId: string, userId: string): AccessToken | undefined {
    return this.access.get(aad(orgId, userId));
  }

  /**
   * Gets a fresh access token with the stored refresh token. On `invalid_grant` the user is
   * revoked (sessions, sockets, worker) and the {@link OAuthError} is rethrown.
   */
  async refreshAccessToken(orgId: string, userId: string): Promise<AccessToken> {
    const refresh = await this.refreshToken(orgId, userId);
    if (!refresh) throw new OAuthError("no refresh token stored for this user", "no_refresh_token");
    try {
      const t = await refreshTokens(this.fetchFn, this.o.org, refresh);
      await this.writeGrant(orgId, userId, { r: t.refreshToken ?? refresh, a: t.accessToken, i: t.instanceUrl });
      const token = { accessToken: t.accessToken, instanceUrl: t.instanceUrl };
      this.access.set(aad(orgId, userId), token);
      return token;
    } catch (err) {
      if (err instanceof OAuthError && err.code === "invalid_grant")
        await this.revokeUser(orgId, userId, "invalid_grant");
      throw err;
    }
  }
}

/** What the store keeps, sealed, per (org, user): `r` refresh token, `a` access token, `i` instance URL. */
interface SealedGrant {
  readonly r: string;
  readonly a?: string | undefined;
  readonly i?: string | undefined;
}

function aad(orgId: string, userId: string): string {
  return `${orgId}:${userId}`;
}
