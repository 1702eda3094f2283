/**
 * Bayeux 1.0 messages as the Streaming API exchanges them (JSON arrays over HTTP POST), and the
 * error strings Salesforce answers with (`<code>::<message>`).
 */

/** A Bayeux message, as received or sent. */
export interface BayeuxMessage {
  readonly channel: string;
  readonly id?: string | undefined;
  readonly clientId?: string | undefined;
  readonly successful?: boolean | undefined;
  readonly error?: string | undefined;
  readonly subscription?: unknown;
  readonly connectionType?: unknown;
  readonly supportedConnectionTypes?: unknown;
  readonly version?: unknown;
  readonly minimumVersion?: unknown;
  readonly advice?: Readonly<Record<string, unknown>> | undefined;
  readonly ext?: Readonly<Record<string, unknown>> | undefined;
  readonly data?: unknown;
}

/** Salesforce's Streaming API error strings (Streaming API Developer Guide, "Streaming API Error Codes"). */
export const BAYEUX_ERRORS = {
  unknownClient: "403::Unknown client",
  handshakeDenied: "403::Handshake denied",
  authInvalid: "401::Authentication invalid",
  authRequired: "401::Request requires authentication",
  /** UNVERIFIED wording: Salesforce documents that the subscription "is denied and an error is returned". */
  insufficientPermissions: (channel: string) =>
    `403::Insufficient permissions to subscribe to ${channel}. View All Data is required.`,
  noSuchChannel: (channel: string) => `400::The channel you requested to subscribe to does not exist {${channel}}`,
  noChannel: "400::Channel name not specified",
  leadingSlash: "400::Channel subscriptions must start with a leading '/'",
  connectionType: (type: string) => `400::Invalid connection type {${type}}`,
  invalidReplayId: (replayId: unknown) =>
    `400::The replayId {${String(replayId)}} you provided was invalid.  Please provide a valid ID, -2 to replay all events, or -1 to replay only new events.`,
  /** UNVERIFIED wording: change event channels cannot be published to. */
  publishDenied: "403::Publish denied",
  unsupportedVersion: (version: string) =>
    `400::Unsupported API version. Only API versions '37.0' and later are supported. URI format: '/cometd/${version}'`,
} as const;
