/**
 * OAuth tokens of the emulated org: authorization codes (single use, PKCE challenge),
 * access tokens (expire after a configurable lifetime of org time) and refresh tokens
 * (revocable per token or per user).
 *
 * Invariants: tokens are random (crypto), never derived from the seed; a revoked refresh token
 * never mints an access token again; revoking a refresh token also invalidates the access
 * tokens it minted.
 */
import { randomBytes } from "node:crypto";

interface AccessEntry {
  readonly userId: string;
  readonly expiresAt: number;
  readonly refreshToken: string | undefined;
}

interface CodeEntry {
  readonly userId: string;
  readonly redirectUri: string;
  readonly challenge: string | undefined;
  readonly method: string;
  readonly expiresAt: number;
}

/** A refresh token as persisted. */
export interface RefreshTokenRecord {
  readonly token: string;
  readonly userId: string;
  readonly revoked: boolean;
}

/** The org's token bookkeeping. */
export class TokenStore {
  readonly #orgPrefix: string;
  readonly #access = new Map<string, AccessEntry>();
  readonly #refresh = new Map<string, { userId: string; revoked: boolean }>();
  readonly #codes = new Map<string, CodeEntry>();
  #ttlMs: number;

  constructor(orgId: string, ttlMs: number, refreshTokens: readonly RefreshTokenRecord[] = []) {
    this.#orgPrefix = orgId.slice(0, 15);
    this.#ttlMs = ttlMs;
    for (const r of refreshTokens) this.#refresh.set(r.token, { userId: r.userId, revoked: r.revoked });
  }

  /** Access-token lifetime in ms of org time. */
  get ttlMs(): number {
    return this.#ttlMs;
  }

  set ttlMs(ms: number) {
    this.#ttlMs = ms;
  }

  /** A new authorization code (valid 15 minutes, single use). */
  issueCode(userId: string, redirectUri: string, challenge: string | undefined, method: string, nowMs: number): string {
    const code = `aPr${random(48)}`;
    this.#codes.set(code, { userId, redirectUri, challenge, method, expiresAt: nowMs + 15 * 60_000 });
    return code;
  }

  /** Takes a code out (single use); `undefined` when unknown or expired. */
  takeCode(code: string, nowMs: number): CodeEntry | undefined {
    const entry = this.#codes.get(code);
    this.#codes.delete(code);
    return entry && entry.expiresAt > nowMs ? entry : undefined;
  }

  /** Mints an access token (and optionally binds it to a refresh token). */
  issueAccess(userId: string, nowMs: number, refreshToken?: string): string {
    const token = `${this.#orgPrefix}!${random(72)}`;
    this.#access.set(token, { userId, expiresAt: nowMs + this.#ttlMs, refreshToken });
    return token;
  }

  /** Mints a refresh token. */
  issueRefresh(userId: string): string {
    const token = `5Aep${random(64)}`;
    this.#refresh.set(token, { userId, revoked: false });
    return token;
  }

  /** The user of a live access token. */
  resolveAccess(token: string, nowMs: number): string | undefined {
    const entry = this.#access.get(token);
    if (!entry) return undefined;
    if (entry.expiresAt <= nowMs) {
      this.#access.delete(token);
      return undefined;
    }
    return entry.userId;
  }

  /** The user of a usable refresh token. */
  resolveRefresh(token: string): string | undefined {
    const entry = this.#refresh.get(token);
    return entry && !entry.revoked ? entry.userId : undefined;
  }

  /** Revokes one token (access or refresh); false when unknown. */
  revoke(token: string): boolean {
    if (this.#access.delete(token)) return true;
    const entry = this.#refresh.get(token);
    if (!entry) return false;
    entry.revoked = true;
    for (const [t, a] of this.#access) if (a.refreshToken === token) this.#access.delete(t);
    return true;
  }

  /** Revokes every refresh and access token of a user. */
  revokeUser(userId: string): void {
    for (const entry of this.#refresh.values()) if (entry.userId === userId) entry.revoked = true;
    for (const [t, a] of this.#access) if (a.userId === userId) this.#access.delete(t);
  }

  /** Expires access tokens now (of one user, or all); refresh tokens keep working. */
  expireAccess(userId?: string): void {
    for (const [t, a] of this.#access) if (userId === undefined || a.userId === userId) this.#access.delete(t);
  }

  /** Refresh tokens, for persistence. */
  refreshTokens(): RefreshTokenRecord[] {
    return [...this.#refresh].map(([token, e]) => ({ token, userId: e.userId, revoked: e.revoked }));
  }
}

function random(chars: number): string {
  return randomBytes(Math.ceil((chars * 3) / 4))
    .toString("base64url")
    .slice(0, chars);
}
