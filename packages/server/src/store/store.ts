/**
 * The storage port of the server, in two halves that may live in different backends: the
 * {@link RoomStore} (Yjs updates per room) and the {@link AuthStore} (sessions, sync tickets and
 * sealed, encrypted refresh tokens).
 *
 * Contract (checked by `test/store-contract.ts` against every implementation):
 * - `appendUpdates` is a group commit: when its promise resolves, every update in the batch is
 *   durable (survives `kill -9` for durable stores) and will be returned by `loadRoom`.
 * - Room operations take effect in call order: an append issued after `replaceRoom` (or
 *   `rebuildRoom`) lands after the snapshot, never inside the replaced log.
 * - `takeTicket` is single-use and atomic: of two concurrent takes, at most one is `ok`. A
 *   ticket, used or not, is forgotten once it has expired (a later take is `unknown`; stores
 *   may be configured to wait a grace period): the ticket value carries its expiry, so the
 *   relay still tells an expired ticket from a forged one. A take returns the record whole,
 *   with the session it was issued from.
 * - `putTicket` with a {@link TicketLimit} counts and stores in one atomic step: however many
 *   puts race, (org, user) never holds more than `maxLive` live (unexpired, untaken) tickets.
 * - Memory a store keeps per room or per ticket is released once it is not needed: after
 *   `evictRoom` for a room, after expiry for a ticket.
 * - The store never sees a plaintext token, session id or ticket: callers pass hashes and
 *   sealed secrets.
 */

/** A server session, bound to one (org, user). `id` is the SHA-256 of the cookie value. */
export interface SessionRecord {
  /** The SHA-256 of the cookie value. */
  readonly id: string;
  /** The signed-in user's org. */
  readonly orgId: string;
  /** The signed-in user. */
  readonly userId: string;
  /** The user's display name. */
  readonly name: string;
  /** When the session started (ms since the epoch). */
  readonly createdAt: number;
  /** When it expires (ms since the epoch). */
  readonly expiresAt: number;
}

/** A single-use websocket ticket. `id` is the SHA-256 of the ticket value. */
export interface TicketRecord {
  /** The SHA-256 of the ticket value. */
  readonly id: string;
  /** The org of the user it admits. */
  readonly orgId: string;
  /** The user it admits. */
  readonly userId: string;
  /** The room it admits to. */
  readonly room: string;
  /** When it expires (ms since the epoch). */
  readonly expiresAt: number;
  /**
   * The {@link SessionRecord.id} (a hash) of the session the ticket was issued from: admission
   * refuses the ticket once that session is gone (logout, revocation). Absent for tickets
   * issued by trusted in-process code without a session.
   */
  readonly sessionId?: string | undefined;
}

/**
 * A cap on the live tickets of one (org, user), checked by {@link Store.putTicket}.
 * @example
 * const stored = await store.putTicket(ticket, { maxLive: 32, now: clock.now() });
 */
export interface TicketLimit {
  /** Most live (unexpired at `now`, not yet taken) tickets (org, user) may hold. */
  readonly maxLive: number;
  /** The time live is judged at (ms since the epoch). */
  readonly now: number;
}

/** The outcome of presenting a ticket. */
export type TicketTake =
  | { readonly kind: "ok"; readonly ticket: TicketRecord }
  | { readonly kind: "unknown" }
  | { readonly kind: "used" }
  | { readonly kind: "expired"; readonly ticket: TicketRecord };

/** What a room's log holds: updates in append order (a snapshot first after compaction). */
export interface RoomLog {
  /** The Yjs updates, in append order. */
  readonly updates: readonly Uint8Array[];
  /** Total payload bytes, for compaction decisions. */
  readonly bytes: number;
  /**
   * How many of the leading updates are the snapshot of the room's last compaction (one, or
   * the pieces of one); 0 when the log holds none.
   */
  readonly snapshot: number;
}

/**
 * The room-log half of the storage port: what the relay's group commit and compactor need.
 * See the file header for the contract.
 */
export interface RoomStore {
  /**
   * Whether other processes may write the same rooms (several server instances on one
   * database). A live document may then lack an update another instance just stored, so the
   * relay compacts such rooms only by `rebuildRoom`, from the stored log, never by `replaceRoom`.
   */
  readonly shared?: boolean | undefined;
  /** Durably appends updates to several rooms at once (one group commit). */
  appendUpdates(batch: ReadonlyMap<string, readonly Uint8Array[]>): Promise<void>;
  /** Everything stored for `room`, in order; empty for an unknown room. */
  loadRoom(room: string): Promise<RoomLog>;
  /** Atomically replaces the room's log with one snapshot update (compaction). */
  replaceRoom(room: string, snapshot: Uint8Array): Promise<void>;
  /**
   * Compacts the room's log off the caller's thread: `build` gets the log as it stands once every
   * append issued before this call is in it (arrays the caller may keep or transfer) and
   * resolves to a snapshot of the same state, one update or several to apply in order (pieces,
   * so that a large room loads a piece at a time), which then replaces exactly those records;
   * appends issued after this call stay after it. Resolves to false, changing nothing,
   * when the log is empty or when a `replaceRoom` issued after this call was installed first.
   * A failed `build` changes nothing and rejects.
   */
  rebuildRoom(room: string, build: (updates: Uint8Array[]) => Promise<readonly Uint8Array[]>): Promise<boolean>;
  /**
   * Tells the store that the caller unloaded `room`: the store drops what it keeps in memory
   * for the room (the file store moves the room's WAL-only updates into the room's file).
   * Changes nothing `loadRoom` returns and nothing about durability; safe at any time, also
   * for a room still loaded (it is then only an early checkpoint of that room).
   */
  evictRoom(room: string): Promise<void>;
  /** Flushes and releases files. Further calls fail. */
  close(): Promise<void>;
}

/** A book lease's fencing token: who holds it and since which epoch (see {@link BookLeases}). */
export interface Fence {
  readonly owner: string;
  readonly epoch: number;
}

/**
 * Leases that let exactly one worker run per book across instances, on the database's clock.
 * Each change of holder increments the book's epoch; writes carry the epoch as a {@link Fence}.
 */
export interface BookLeases {
  /**
   * Takes the lease of `book` for `owner` for `ttlMs`, or renews it when `owner` holds it; resolves
   * to the fence, or undefined while another owner holds it unexpired.
   */
  acquire(book: string, owner: string, ttlMs: number): Promise<Fence | undefined>;
  /** Gives the lease up (if `fence` still holds it), so another owner may take it at once. */
  release(book: string, fence: Fence): Promise<void>;
}

/**
 * Push's replay id (issue 23) in a store every instance shares (scale-out): the instance that
 * takes over the org's change subscriber resumes after the last event the previous holder
 * handled. Writes are fenced by the push lease (the {@link BookLeases} row named `lease`).
 */
export interface SharedReplayIds {
  /** The last handled replay id of `orgId`, or undefined when none was stored. */
  readReplayId(orgId: string): Promise<number | undefined>;
  /** Stores `replayId` for `orgId` if `fence` still holds `lease`; resolves to whether it did. */
  writeReplayId(orgId: string, replayId: number, lease: string, fence: Fence): Promise<boolean>;
}

/** Whether `store` keeps push's replay ids for every instance (the PostgreSQL store does). */
export function hasSharedReplayIds(store: object): store is SharedReplayIds {
  const s = store as Partial<SharedReplayIds>;
  return typeof s.readReplayId === "function" && typeof s.writeReplayId === "function";
}

/** What a shared log holds from a version on (see {@link SharedRoomStore}). */
export interface RoomTail {
  /** Updates committed after the version asked for, in commit order (a snapshot first, if one replaced some of them). */
  readonly updates: readonly Uint8Array[];
  /** The room's version as of this read: every commit up to it is in `updates` or before. */
  readonly version: number;
}

/**
 * A room-log store several server instances write at once (PostgreSQL). Every commit to a room
 * takes the room's next version (1, 2, …, in commit order), so an instance that applies what
 * other instances commit can tell what it has missed and read just that (`loadSince`).
 */
export interface SharedRoomStore extends RoomStore {
  readonly shared: true;
  /**
   * `appendUpdates`, resolving to the version each room of the batch reached. A room named in
   * `fences` is written only while that fence's lease holds (owner and epoch current, not
   * expired, on the database's clock), checked in the same transaction; otherwise nothing of the
   * batch is written and it rejects with `StaleFenceError` naming the refused rooms.
   */
  appendVersioned(
    batch: ReadonlyMap<string, readonly Uint8Array[]>,
    fences?: ReadonlyMap<string, Fence> | undefined,
  ): Promise<ReadonlyMap<string, number>>;
  /** `loadRoom` with the room's version as of the read (0 for a room never written). */
  loadVersioned(room: string): Promise<RoomLog & { readonly version: number }>;
  /** What was committed to `room` after `version`. */
  loadSince(room: string, version: number): Promise<RoomTail>;
  /** The current versions of `rooms` (0 for a room never written). */
  versions(rooms: readonly string[]): Promise<ReadonlyMap<string, number>>;
}

/** Whether `store` is a {@link SharedRoomStore}. */
export function isSharedRoomStore(store: RoomStore): store is SharedRoomStore {
  const s = store as Partial<SharedRoomStore>;
  return store.shared === true && typeof s.appendVersioned === "function" && typeof s.loadSince === "function";
}

/**
 * The auth half of the storage port: sessions, single-use tickets and sealed refresh tokens,
 * for the auth service and admission. See the file header for the contract.
 */
export interface AuthStore {
  /** Stores a session under its `id`, replacing one with the same id. */
  putSession(session: SessionRecord): Promise<void>;
  /** The session with this id, or undefined when there is none or it expired by `now`. */
  getSession(id: string, now: number): Promise<SessionRecord | undefined>;
  /** Deletes the session with this id; deleting an absent one is not an error. */
  deleteSession(id: string): Promise<void>;
  /** Deletes every session of (org, user); resolves to how many there were. */
  deleteUserSessions(orgId: string, userId: string): Promise<number>;
  /** How many sessions of (org, user) are live (unexpired at `now`). */
  countUserSessions(orgId: string, userId: string, now: number): Promise<number>;

  /**
   * Stores a ticket; resolves to true. With `limit`, stores it only when the ticket's
   * (org, user) holds fewer than `limit.maxLive` live tickets, and resolves to whether it did.
   */
  putTicket(ticket: TicketRecord, limit?: TicketLimit | undefined): Promise<boolean>;
  /**
   * Consumes a ticket: the first take of a live ticket is `ok` (`expired` after its expiry),
   * every later one `used`, until the store forgets the ticket after its expiry (`unknown`).
   */
  takeTicket(id: string, now: number): Promise<TicketTake>;

  /** Stores the sealed refresh token of (org, user); `sealed` is opaque ciphertext. */
  putToken(orgId: string, userId: string, sealed: string): Promise<void>;
  /** The sealed refresh token of (org, user), or undefined when none is stored. */
  getToken(orgId: string, userId: string): Promise<string | undefined>;
  /** Deletes the sealed refresh token of (org, user); deleting an absent one is not an error. */
  deleteToken(orgId: string, userId: string): Promise<void>;
  /** Every (org, user) with a stored token, so their sync workers resume after a restart. */
  listTokenOwners(): Promise<Array<{ orgId: string; userId: string }>>;

  /** Flushes and releases files. Further calls fail. */
  close(): Promise<void>;
}

/**
 * The whole storage port the server is started with: a room-log store and an auth store,
 * which may be different backends (see {@link combineStores}).
 */
export interface Store extends RoomStore, AuthStore {}

/**
 * One {@link Store} from a room-log store and an auth store; `close` closes both.
 * @example
 * const store = combineStores(await openFileRoomStore({ dir }), await openFileAuthStore({ dir }));
 */
export function combineStores(rooms: SharedRoomStore, auth: AuthStore): Omit<Store, "shared"> & SharedRoomStore;
export function combineStores(rooms: RoomStore, auth: AuthStore): Store;
export function combineStores(rooms: RoomStore, auth: AuthStore): Store {
  const store = combineHalves(rooms, auth);
  if (!isSharedRoomStore(rooms)) return store;
  const shared: Store & SharedRoomStore = {
    ...store,
    shared: true,
    appendVersioned: (batch, fences) => rooms.appendVersioned(batch, fences),
    loadVersioned: (room) => rooms.loadVersioned(room),
    loadSince: (room, version) => rooms.loadSince(room, version),
    versions: (names) => rooms.versions(names),
  };
  return shared;
}

function combineHalves(rooms: RoomStore, auth: AuthStore): Store {
  return {
    shared: rooms.shared,
    appendUpdates: (batch) => rooms.appendUpdates(batch),
    loadRoom: (room) => rooms.loadRoom(room),
    replaceRoom: (room, snapshot) => rooms.replaceRoom(room, snapshot),
    rebuildRoom: (room, build) => rooms.rebuildRoom(room, build),
    evictRoom: (room) => rooms.evictRoom(room),
    putSession: (session) => auth.putSession(session),
    getSession: (id, now) => auth.getSession(id, now),
    deleteSession: (id) => auth.deleteSession(id),
    deleteUserSessions: (orgId, userId) => auth.deleteUserSessions(orgId, userId),
    countUserSessions: (orgId, userId, now) => auth.countUserSessions(orgId, userId, now),
    putTicket: (ticket, limit) => auth.putTicket(ticket, limit),
    takeTicket: (id, now) => auth.takeTicket(id, now),
    putToken: (orgId, userId, sealed) => auth.putToken(orgId, userId, sealed),
    getToken: (orgId, userId) => auth.getToken(orgId, userId),
    deleteToken: (orgId, userId) => auth.deleteToken(orgId, userId),
    listTokenOwners: () => auth.listTokenOwners(),
    async close() {
      const results = await Promise.allSettled([rooms.close(), auth.close()]);
      for (const r of results) if (r.status === "rejected") throw r.reason;
    },
  };
}

/** A store failure (IO, corruption that cannot be skipped). */
export class StoreError extends Error {
  override readonly name: string = "StoreError";
}

/** An append refused because the lease its fence names moved on (see `SharedRoomStore.appendVersioned`). */
export class StaleFenceError extends StoreError {
  override readonly name = "StaleFenceError";
  constructor(readonly rooms: readonly string[]) {
    super("the book lease moved to another worker");
  }
}
