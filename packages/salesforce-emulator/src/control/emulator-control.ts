/**
 * The programmatic control handle of a running emulator: the same powers as the `/_emulator`
 * control API, without HTTP.
 */

import type { JwtKeyView } from "../oauth/jwt-keys.js";
import type {
  FieldPermissionSpec,
  FieldPermissionView,
  ProfileView,
  UserSetupChange,
  UserSetupView,
} from "../security/security-admin.js";
import type { StreamingStats } from "../streaming/bayeux-server.js";
import type { ChangeEventData } from "../streaming/change-events.js";
import type { GapEventSpec } from "../streaming/streaming-service.js";
import type { ApiCallStats } from "./api-usage.js";
import type { FaultKind, FaultSpec } from "./faults.js";

/** A user of the emulated org, as the CLI's ready line lists them. */
export interface EmulatorUser {
  readonly id: string;
  readonly username: string;
  readonly password: string;
  readonly name: string;
}

/** Tokens minted directly for a user (no OAuth round trip). */
export interface IssuedToken {
  readonly access_token: string;
  readonly refresh_token: string;
  readonly instance_url: string;
  readonly id: string;
  readonly token_type: "Bearer";
  readonly issued_at: string;
}

/** The control API's stats: API calls, daily usage, and the Streaming API's own counts. */
export interface EmulatorStats extends ApiCallStats {
  /** CometD requests and change events; never counted as API calls (Salesforce meters them apart). */
  readonly streaming: StreamingStats;
}

/** Controls a running emulator. */
export interface EmulatorControl {
  /** API calls per route and in total (OAuth, control and streaming calls excluded), and daily usage. */
  stats(): EmulatorStats;
  /** Resets the per-route totals. */
  resetStats(): void;
  /** Injects a fault for the next `count` matching calls; answers its id. */
  addFault(spec: FaultSpec): number;
  /** Removes every fault. */
  clearFaults(): void;
  /** The active faults. */
  faults(): { id: number; kind: FaultKind; remaining: number; match: { method?: string; path?: string }; ms: number }[];
  /** Moves the org's clock forward (tokens expire, date literals and windows move). */
  advanceClock(ms: number): void;
  /** The org's current time. */
  now(): Date;
  /** Sets the daily API limit and optionally the usage already consumed. */
  setApiLimit(max: number, used?: number): void;
  /** Revokes every refresh and access token of a user (id or username); false if unknown. */
  revokeUser(user: string): boolean;
  /** Expires access tokens now (one user by id or username, or everyone); refresh still works. */
  expireAccessTokens(user?: string): void;
  /** Sets the lifetime of access tokens issued from now on. */
  setAccessTokenTtl(ms: number): void;
  /** Mints an access and a refresh token for a user (id or username). */
  issueToken(user: string): IssuedToken | undefined;
  /**
   * Registers a public key or X.509 certificate (PEM) of the connected app; JWT bearer
   * assertions signed RS256 with its private key are accepted from now on. Not persisted.
   *
   * @throws JwtKeyError for a private key, a non-RSA key or text that is no PEM key.
   * @example control.registerJwtKey(readFileSync("server.crt", "utf8")); // { fingerprint }
   */
  registerJwtKey(pem: string): JwtKeyView;
  /** The registered JWT bearer keys. */
  jwtKeys(): JwtKeyView[];
  /** Forgets every JWT bearer key (the JWT bearer grant is then refused). */
  clearJwtKeys(): void;
  /** The org's users. */
  users(): EmulatorUser[];
  /** The profiles with their explicit field permissions. */
  profiles(): ProfileView[];
  /**
   * Reads a profile's permission on a field (readable and editable unless set otherwise).
   *
   * @throws SetupInputError for an unknown profile or field.
   */
  fieldPermission(profile: string, object: string, field: string): FieldPermissionView;
  /**
   * Sets a profile's permission on a field (editable implies readable); answers it read back.
   * Applies to the next API call of every user with that profile.
   *
   * @example control.setFieldPermission({ profile: "Standard User", object: "Opportunity", field: "Amount", readable: true, editable: false })
   */
  setFieldPermission(spec: FieldPermissionSpec): FieldPermissionView;
  /** A user's (id or username) time zone, profile and assigned permission sets. */
  userSetup(user: string): UserSetupView;
  /**
   * Changes a user's time zone, profile or permission set assignments.
   *
   * @throws SetupInputError for an unknown user, profile or permission set or an invalid time zone.
   */
  updateUserSetup(user: string, change: UserSetupChange): UserSetupView;
  /**
   * Publishes a gap change event (ids, no field data) on the object's channels.
   *
   * @throws StreamingInputError for an object without change events, no ids or a bad type.
   * @example control.publishGapEvent({ object: "Opportunity", recordIds: [id], changeType: "GAP_UPDATE" })
   */
  publishGapEvent(spec: GapEventSpec): ChangeEventData;
  /** Publishes a GAP_OVERFLOW change event (no ids) for an object. */
  publishOverflowEvent(object: string): ChangeEventData;
  /** Forgets every Streaming API client (as a network loss would); answers how many there were. */
  dropStreamingClients(): number;
  /** Writes the data file now (no-op without one). */
  save(): void;
}
