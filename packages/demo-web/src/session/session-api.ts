/**
 * The client side of the server's session API (packages/server/README.md, "Endpoints"): who is signed in, the demo users,
 * sync tickets, sign out (this device, or everywhere), and the push state of `/api/status`. Also remembers the last session on this
 * device so a cold start can open the book from IndexedDB before the network answers, and a
 * sign-out made offline until the server confirms it.
 *
 * Invariants: every call is same-origin with the session cookie; a 401 is a value
 * (`signed-out`), a network failure is a value (`offline`), never an exception for the caller.
 */

/** `GET /api/me`. */
export interface Me {
  readonly orgId: string;
  readonly userId: string;
  readonly name: string;
  readonly room: string;
}

/** A user offered on the sign-in screen. */
export interface DemoUser {
  readonly username: string;
  readonly name: string;
}

/** Result of asking who is signed in. */
export type MeResult =
  | { readonly kind: "signed-in"; readonly me: Me }
  | { readonly kind: "signed-out" }
  | { readonly kind: "offline"; readonly reason: string };

/** A sync ticket (`POST /api/sync-ticket`). */
export interface SyncTicket {
  readonly ticket: string;
  readonly room: string;
  readonly expiresAt: string;
}

/** The API could not give a ticket. */
export class TicketError extends Error {
  override readonly name = "TicketError";
  constructor(
    message: string,
    readonly signedOut: boolean,
  ) {
    super(message);
  }
}

function isMe(value: unknown): value is Me {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.orgId === "string" &&
    typeof v.userId === "string" &&
    typeof v.name === "string" &&
    typeof v.room === "string"
  );
}

/** Asks the server who is signed in. */
export async function fetchMe(base = ""): Promise<MeResult> {
  // Offline, do not even try: the request would only fail (and log a network error).
  if (typeof navigator !== "undefined" && !navigator.onLine) return { kind: "offline", reason: "offline" };
  let response: Response;
  try {
    // `/api/session` answers 200 signed in or not, so a signed-out start logs no HTTP error.
    response = await fetch(`${base}/api/session`, {
      credentials: "same-origin",
      headers: { accept: "application/json" },
    });
  } catch (cause) {
    return { kind: "offline", reason: cause instanceof Error ? cause.message : String(cause) };
  }
  if (!response.ok) return { kind: "offline", reason: `server answered ${response.status}` };
  const body = (await response.json()) as { signedIn?: unknown; me?: unknown };
  if (body.signedIn === false) return { kind: "signed-out" };
  if (body.signedIn !== true || !isMe(body.me)) return { kind: "offline", reason: "unexpected /api/session answer" };
  return { kind: "signed-in", me: body.me };
}

/** The demo users, if the server offers them (`GET /api/demo-users`); otherwise an empty list. */
export async function fetchDemoUsers(base = ""): Promise<DemoUser[]> {
  try {
    const response = await fetch(`${base}/api/demo-users`, { headers: { accept: "application/json" } });
    if (!response.ok) return [];
    const body: unknown = await response.json();
    const list = Array.isArray(body)
      ? body
      : typeof body === "object" && body !== null && Array.isArray((body as { users?: unknown }).users)
        ? (body as { users: unknown[] }).users
        : [];
    return list.flatMap((u): DemoUser[] => {
      if (typeof u !== "object" || u === null) return [];
      const { username, name } = u as Record<string, unknown>;
      return typeof username === "string" ? [{ username, name: typeof name === "string" ? name : username }] : [];
    });
  } catch {
    return [];
  }
}

/** Gets a fresh single-use ticket for the websocket. */
export async function fetchSyncTicket(base = ""): Promise<SyncTicket> {
  let response: Response;
  try {
    response = await fetch(`${base}/api/sync-ticket`, {
      method: "POST",
      credentials: "same-origin",
      headers: { accept: "application/json" },
    });
  } catch (cause) {
    throw new TicketError(`network: ${cause instanceof Error ? cause.message : String(cause)}`, false);
  }
  if (response.status === 401 || response.status === 403) throw new TicketError("Your session ended", true);
  if (!response.ok) throw new TicketError(`server answered ${response.status}`, false);
  const body = (await response.json()) as Partial<SyncTicket>;
  if (typeof body.ticket !== "string" || typeof body.room !== "string") throw new TicketError("bad ticket", false);
  return { ticket: body.ticket, room: body.room, expiresAt: String(body.expiresAt ?? "") };
}

/** Whose sessions a sign-out ends: this device's only, or every device's (revoking the grant). */
export type SignOutScope = "device" | "everywhere";

/**
 * Ends the server session (`POST /auth/logout`), or every session of the user and their
 * Salesforce grant (`POST /auth/logout-everywhere`). Resolves to `"done"` when the server
 * answered, `"offline"` when it could not be reached: the caller then keeps the request
 * ({@link rememberSignOutRequest}) and sends it again once online, so the session does not
 * silently come back.
 */
export async function signOut(scope: SignOutScope = "device", base = ""): Promise<"done" | "offline"> {
  if (typeof navigator !== "undefined" && !navigator.onLine) return "offline";
  const path = scope === "everywhere" ? "/auth/logout-everywhere" : "/auth/logout";
  try {
    const response = await fetch(`${base}${path}`, { method: "POST", credentials: "same-origin" });
    // 2xx: ended. Any other answer came from the server too; a retry would only repeat it.
    return response.status >= 500 ? "offline" : "done";
  } catch {
    return "offline";
  }
}

const SIGN_OUT_KEY = "tandem.sign-out";

/** A sign-out the server has not confirmed yet (made offline), if any. */
export function pendingSignOut(storage: Storage): SignOutScope | null {
  const value = storage.getItem(SIGN_OUT_KEY);
  return value === "device" || value === "everywhere" ? value : null;
}

/** Keeps (or, with null, forgets) a sign-out to send to the server once it can be reached. */
export function rememberSignOutRequest(storage: Storage, scope: SignOutScope | null): void {
  if (scope === null) storage.removeItem(SIGN_OUT_KEY);
  else storage.setItem(SIGN_OUT_KEY, scope);
}

/**
 * Sends the sign-out made offline, if any; resolves to true once the server has it (or there
 * was none), false while it cannot be reached. Called before anything that would use the
 * session cookie again (a start, a sign-in), so the ended session never comes back.
 */
export async function sendPendingSignOut(storage: Storage, base = ""): Promise<boolean> {
  const scope = pendingSignOut(storage);
  if (scope === null) return true;
  if ((await signOut(scope, base)) === "offline") return false;
  rememberSignOutRequest(storage, null);
  return true;
}

/**
 * The server's push state as `GET /api/status` reports it (`push`): whether its org-level
 * Change Data Capture subscriber is live, and how late the last event it handled arrived.
 */
export interface PushState {
  /** `null` on a server instance standing by while push runs on another. */
  readonly live: boolean | null;
  readonly eventsHandled: number;
  /** Commit time of the last handled event (ms since the epoch), or `null`. */
  readonly lastCommitAt: number | null;
  /** Handled-at minus commit time of the last handled event (ms), or `null`. */
  readonly lagMs: number | null;
  readonly lastError: string | null;
}

/** What `GET /api/status` says about push: `null` when the server has no change subscriber. */
export type StatusResult =
  | { readonly kind: "ok"; readonly push: PushState | null }
  | { readonly kind: "signed-out" }
  | { readonly kind: "offline"; readonly reason: string };

const isCount = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const isCountOrNull = (v: unknown): v is number | null => v === null || isCount(v);

/** Reads `/api/status`'s `push` field; other fields (e.g. a `role`) are ignored, a malformed one is `undefined`. */
export function readPushState(value: unknown): PushState | null | undefined {
  if (value === null) return null;
  if (typeof value !== "object" || value === undefined) return undefined;
  const v = value as Record<string, unknown>;
  if ((typeof v.live !== "boolean" && v.live !== null) || !isCount(v.eventsHandled)) return undefined;
  if (!isCountOrNull(v.lastCommitAt) || !isCountOrNull(v.lagMs)) return undefined;
  if (v.lastError !== null && typeof v.lastError !== "string") return undefined;
  return {
    live: v.live,
    eventsHandled: v.eventsHandled,
    lastCommitAt: v.lastCommitAt,
    lagMs: v.lagMs,
    lastError: v.lastError,
  };
}

/**
 * Asks the server for the book's status (`GET /api/status`) and returns its push state.
 *
 * @remarks Same-origin with the session cookie, like every call here. Offline (the browser
 * says so) it does not try. A 401 is `signed-out`; a network failure, another status or an
 * answer without a readable `push` is `offline`, never an exception.
 */
export async function fetchStatus(base = ""): Promise<StatusResult> {
  if (typeof navigator !== "undefined" && !navigator.onLine) return { kind: "offline", reason: "offline" };
  let response: Response;
  try {
    response = await fetch(`${base}/api/status`, {
      credentials: "same-origin",
      headers: { accept: "application/json" },
    });
  } catch (cause) {
    return { kind: "offline", reason: cause instanceof Error ? cause.message : String(cause) };
  }
  if (response.status === 401) return { kind: "signed-out" };
  if (!response.ok) return { kind: "offline", reason: `server answered ${response.status}` };
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    return { kind: "offline", reason: "/api/status did not answer JSON" };
  }
  const push = readPushState(typeof body === "object" && body !== null ? (body as { push?: unknown }).push : undefined);
  if (push === undefined) return { kind: "offline", reason: "unexpected /api/status answer" };
  return { kind: "ok", push };
}

/** The URL that starts the OAuth login for a user. */
export function loginUrl(username: string): string {
  return `/auth/login?login_hint=${encodeURIComponent(username)}`;
}

const SESSION_KEY = "tandem.session";
const DEVICE_KEY = "tandem.device";

/** The session remembered on this device (for offline cold starts), if any. */
export function rememberedSession(storage: Storage): Me | null {
  try {
    const value: unknown = JSON.parse(storage.getItem(SESSION_KEY) ?? "null");
    return isMe(value) ? value : null;
  } catch {
    return null;
  }
}

/** Remembers (or forgets, with null) the signed-in session on this device. */
export function rememberSession(storage: Storage, me: Me | null): void {
  if (me === null) storage.removeItem(SESSION_KEY);
  else storage.setItem(SESSION_KEY, JSON.stringify(me));
}

/** This browser's stable device id. */
export function deviceId(storage: Storage): string {
  const existing = storage.getItem(DEVICE_KEY);
  if (existing !== null) return existing;
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  const id = `web-${[...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
  storage.setItem(DEVICE_KEY, id);
  return id;
}
