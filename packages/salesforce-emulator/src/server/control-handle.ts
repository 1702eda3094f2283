/**
 * The programmatic control handle of a running emulator (`Emulator.control`, also served by the
 * `/_emulator` routes): stats, faults, the clock, the API limit, tokens, field-level security,
 * users' profiles and time zones, and change events on demand, bound to one org.
 *
 * Invariant: every change to state the data file keeps (the clock, refresh tokens, setup) is saved
 * before the call returns.
 */
import type { ApiUsage } from "../control/api-usage.js";
import type { EmulatorControl, IssuedToken } from "../control/emulator-control.js";
import type { FaultInjector } from "../control/faults.js";
import type { JwtKeyRegistry } from "../oauth/jwt-keys.js";
import type { TokenStore } from "../oauth/token-store.js";
import {
  listProfiles,
  readFieldPermission,
  readUserSetup,
  setFieldPermission,
  updateUserSetup,
} from "../security/security-admin.js";
import type { Org } from "../store/org.js";
import type { StreamingService } from "../streaming/streaming-service.js";

/** What the control handle drives. */
export interface ControlHandleOptions {
  readonly org: Org;
  readonly usage: ApiUsage;
  readonly faults: FaultInjector;
  readonly tokens: TokenStore;
  /** The connected app's keys for the JWT bearer grant. */
  readonly jwtKeys: JwtKeyRegistry;
  readonly streaming: StreamingService;
  /** The emulator's URL, once it listens. */
  readonly baseUrl: () => string;
  /** Appends the changes to the data file's journal (no-op without one). */
  readonly save: () => void;
  /** Writes a full snapshot of the data file (no-op without one). */
  readonly compact: () => void;
}

/** Creates the control handle. */
export function createControlHandle(options: ControlHandleOptions): EmulatorControl {
  const { org, usage, faults, tokens, jwtKeys, streaming, save } = options;
  const findUser = (user: string) =>
    org.users.find(
      (u) => u.id === user || u.id.slice(0, 15) === user || u.username.toLowerCase() === user.toLowerCase(),
    );
  return {
    stats: () => ({ ...usage.stats(), streaming: streaming.stats() }),
    resetStats: () => usage.resetStats(),
    addFault: (spec) => faults.add(spec),
    clearFaults: () => faults.clear(),
    faults: () => faults.list(),
    advanceClock: (ms) => {
      org.clock.advance(ms);
      save();
    },
    now: () => new Date(org.clock.nowMs()),
    setApiLimit: (max, used) => usage.setLimit(max, used),
    revokeUser: (user) => {
      const u = findUser(user);
      if (!u) return false;
      tokens.revokeUser(u.id);
      save();
      return true;
    },
    expireAccessTokens: (user) => {
      const u = user === undefined ? undefined : findUser(user);
      if (user !== undefined && !u) return;
      tokens.expireAccess(u?.id);
    },
    setAccessTokenTtl: (ms) => {
      tokens.ttlMs = ms;
    },
    registerJwtKey: (pem) => jwtKeys.register(pem),
    jwtKeys: () => jwtKeys.list(),
    clearJwtKeys: () => jwtKeys.clear(),
    issueToken: (user): IssuedToken | undefined => {
      const u = findUser(user);
      if (!u) return undefined;
      const now = org.clock.nowMs();
      const refresh = tokens.issueRefresh(u.id);
      const access = tokens.issueAccess(u.id, now, refresh);
      save();
      const baseUrl = options.baseUrl();
      return {
        access_token: access,
        refresh_token: refresh,
        instance_url: baseUrl,
        id: `${baseUrl}/id/${org.orgId}/${u.id}`,
        token_type: "Bearer",
        issued_at: String(now),
      };
    },
    users: () => org.users.map((u) => ({ id: u.id, username: u.username, password: u.password, name: u.name })),
    profiles: () => listProfiles(org),
    fieldPermission: (profile, object, field) => readFieldPermission(org, profile, object, field),
    setFieldPermission: (spec) => {
      const view = setFieldPermission(org, spec);
      save();
      return view;
    },
    userSetup: (user) => readUserSetup(org, user),
    updateUserSetup: (user, change) => {
      const view = updateUserSetup(org, user, change);
      save();
      return view;
    },
    publishGapEvent: (spec) => streaming.publishGap(spec),
    publishOverflowEvent: (object) => streaming.publishOverflow(object),
    dropStreamingClients: () => streaming.dropClients(),
    save: () => options.compact(),
  };
}
