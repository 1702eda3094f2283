/**
 * Websocket close codes the relay uses, one per reason, so a client (and a test) can tell
 * exactly why it was refused or disconnected. Codes 4000–4999 are application-defined
 * (RFC 6455 §7.4.2); the last three digits echo the nearest HTTP status.
 */

/** Close codes, by reason. */
export const CloseCode = {
  /** The path under `/sync/` is not a valid room name. */
  badRequest: 4400,
  /** No `ticket` query parameter. */
  noTicket: 4401,
  /** The ticket is valid but names another room than the one requested (forged room). */
  forbiddenRoom: 4403,
  /** The ticket is not known (never issued, forged, or purged long after expiry). */
  unknownTicket: 4404,
  /** The ticket was already used once. */
  ticketReused: 4409,
  /** The ticket expired before it was presented. */
  ticketExpired: 4410,
  /**
   * The update writes where a device may not: a map only the worker writes, an intent that
   * exists or whose `id` is not its key, another writer's item, a server client id, a nested
   * type (docs/protocol.md, "Who may write what").
   */
  writeForbidden: 4405,
  /** The connection sent nothing (not even sync step 1) within the deadline after it was admitted. */
  silent: 4408,
  /**
   * The update depends on what the room has never seen: a clock gap, an unknown origin, a
   * delete range beyond a client's clock. It would be held pending for ever, so it is refused.
   */
  missingPredecessors: 4412,
  /** An update over the value limits: too many structs, too deep, a string or value too long. */
  updateTooLarge: 4414,
  /** An awareness state or message exceeded its size limits. */
  awarenessTooLarge: 4413,
  /** A message of an unknown type or sync sub-type. */
  unknownMessageType: 4415,
  /** A malformed frame: truncated, bad varint, trailing bytes, undecodable update, text frame. */
  malformedFrame: 4422,
  /** The connection exceeded its message-rate or byte-rate limit. */
  rateLimited: 4429,
  /** The user already has the most connections the relay allows one user. */
  tooManyConnections: 4430,
  /** Encoding, merging or compacting the room failed; the room was unloaded (see the server log). */
  roomFailure: 4500,
  /** The room failed to load and is quarantined: its log is kept for inspection, never replayed. */
  roomQuarantined: 4503,
  /** The client does not read fast enough; its outgoing buffer hit the limit. */
  slowConsumer: 4008,
  /**
   * The socket's session ended (this device logged out) or the user was revoked (the last
   * logout, sign out everywhere, `invalid_grant`, admin), or the ticket's session
   * no longer exists (a ticket issued before a logout or revocation).
   */
  revoked: 4001,
  /** The room could not be loaded or persisted (store failure). */
  storeFailure: 1011,
  /** The server is shutting down. */
  goingAway: 1001,
  /** A frame larger than the maximum frame size (set by `ws`). */
  frameTooLarge: 1009,
} as const;

/** A close code value. */
export type CloseCodeValue = (typeof CloseCode)[keyof typeof CloseCode];

/** The reason label (metrics, logs) of each code. */
export function closeReason(code: number): string {
  for (const [name, value] of Object.entries(CloseCode)) if (value === code) return name;
  return `code-${code}`;
}
