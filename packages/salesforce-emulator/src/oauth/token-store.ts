/**
 * OAuth tokens of the emulated org: authorization codes (single use, PKCE challenge),
 * access tokens (expire after a configurable lifetime of org time) and refresh tokens
 * (revocable per token or per user).
 *
 * Invariants: tokens are random (crypto), never derived from the seed; a revoked refresh token
 * never mints an access token again; revoking a refresh token also invalidates the access
 * tokens it minted. Refresh tokens are kept, and persisted, only as their SHA-256: a copy of
 * the data file cannot be replayed at the token endpoint (the tokens are 384 random bits, so
 * an unsalted hash is as good as a secret one).
 */
import { createHash, randomBytes } from "node:crypto";

interface AccessEntry {
  readonly userId: string;
  readonly expiresAt: number;
  /** The hash of the refresh token that minted it, if any. */
  readonly refreshHash: string | undefined;
}

interface CodeEntry {
  readonly userId: string;
  readonly redirectUri: string;
  readonly challenge: string | undefined;
  readonly method: string;
  readonly expiresAt: number;
}

/** A refresh token as persisted: its hash ({@link hashRefreshToken}), never the token. */
export interface RefreshTokenRecord {
  readonly hash: string;
  readonly userId: string;
  readonly revoked: boolean;
}

/** A refresh token as data files written before hashing hold it, in clear. Read, never written. */
export interface LegacyRefreshTokenRecord {
  readonly token: string;
  readonly userId: string;
  readonly revoked: boolean;
}

/**
 * The SHA-256 (base64url) a refresh token is kept and persisted as.
 * @example
 * hashRefreshToken("5Aep…"); // 43 base64url characters
 */
export function hashRefreshToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("base64url");
}

/**
 * A persisted record in the current form, hashing the token of a legacy one.
 * @example
 * readRefreshTokenRecord({ token: "5Aep…", userId, revoked: false }); // { hash, userId, revoked }
 */
export function readRefreshTokenRecord(r: RefreshTokenRecord | LegacyRefreshTokenRecord): RefreshTokenRecord {
  return "hash" in r ? r : { hash: hashRefreshToken(r.token), userId: r.userId, revoked: r.revoked };
}

/** The org's token bookkeeping. */
export class TokenStore {
  readonly #orgPrefix: string;
  readonly #access = new Map<string, AccessEntry>();
  /** Refresh tokens by hash. */
  readonly #refresh = new Map<string, { userId: string; revoked: boolean }>();
  readonly #codes = new Map<string, CodeEntry>();
  #ttlMs: number;

  constructor(orgId: string, ttlMs: number, refreshTokens: readonly RefreshTokenRecord[] = []) {
    this.#orgPrefix = orgId.slice(0, 15);
    this.#ttlMs = ttlMs;
    for (const r of refreshTokens) this.#refresh.set(r.hash, { userId: r.userId, revoked: r.revoked });
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
    this.#access.set(token, {
      userId,
      expiresAt: nowMs + this.#ttlMs,
      refreshHash: refreshToken === undefined ? undefined : hashRefreshToken(refreshToken),
    });
    return token;
  }

  /** Mints a refresh token. */
  issueRefresh(userId: string): string {
    const token = `5Aep${random(64)}`;
    this.#refresh.set(hashRefreshToken(token), { userId, revoked: false });
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
    const entry = this.#refresh.get(hashRefreshToken(token));
    return entry && !entry.revoked ? entry.userId : undefined;
  }

  /** Revokes one token (access or refresh); false when unknown. */
  revoke(token: string): boolean {
    if (this.#access.delete(token)) return true;
    const hash = hashRefreshToken(token);
    const entry = this.#refresh.get(hash);
    if (!entry) return false;
    entry.revoked = true;
    for (const [t, a] of this.#access) if (a.refreshHash === hash) this.#access.delete(t);
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

  /** Refresh tokens, hashed, for persistence. */
  refreshTokens(): RefreshTokenRecord[] {
    return [...this.#refresh].map(([hash, e]) => ({ hash, userId: e.userId, revoked: e.revoked }));
  }
}

function random(chars: number): string {
  return randomBytes(Math.ceil((chars * 3) / 4))
    .toString("base64url")
    .slice(0, chars);
}
