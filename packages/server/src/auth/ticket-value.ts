/**
 * The text of a sync ticket: `<expiry, ms since the epoch, base 36>.<256 random bits,
 * base64url>`.
 *
 * The store keys a ticket by the SHA-256 of the whole text, so changing the expiry part makes
 * it an unknown ticket: the expiry it shows can be trusted to reject, never to admit. It lets
 * the relay report a ticket presented after its expiry as expired once the store has already
 * forgotten it, so the store keeps nothing about a ticket past its expiry.
 */
import { randomSecret } from "./secret-hash.js";

/**
 * A fresh ticket value that carries `expiresAt`.
 * @example
 * const ticket = createTicketValue(Date.now() + 30_000);
 */
export function createTicketValue(expiresAt: number): string {
  return `${Math.floor(expiresAt).toString(36)}.${randomSecret(32)}`;
}

/**
 * The expiry a ticket value carries, or undefined when it has none (forged or malformed).
 * @remarks Only ever use it to refuse a ticket: anyone can write any expiry into a value.
 * @example
 * if ((readTicketExpiry(ticket) ?? Infinity) <= now) refuse("expired");
 */
export function readTicketExpiry(value: string): number | undefined {
  const dot = value.indexOf(".");
  if (dot < 1 || dot > 11) return undefined;
  const part = value.slice(0, dot);
  if (!/^[0-9a-z]+$/.test(part)) return undefined;
  const expiresAt = Number.parseInt(part, 36);
  return Number.isSafeInteger(expiresAt) ? expiresAt : undefined;
}
