/**
 * One book on this device: its Y.Doc, persisted in IndexedDB (y-indexeddb) and replicated
 * through the server's relay (y-websocket) with a fresh single-use ticket for every connection
 * attempt (docs/architecture.md, "Security").
 *
 * Invariants: IndexedDB is opened first, so a cold start shows the local book before the
 * network answers; the provider never reconnects on its own with a spent ticket (every
 * (re)connect goes through {@link BookConnection.reconnect}, which fetches a new one); the
 * browser's offline event closes the socket and the online event reopens it at once; a socket
 * closed because its session ended (4001), or a ticket refused for the same reason (401), marks
 * the connection signed out and it stops reconnecting until {@link BookConnection.resume}.
 *
 * The IndexedDB store stays small: y-indexeddb appends every update (and one more at each
 * load) and merges them only at 500, so a book opened in many sessions is read as hundreds of
 * updates. Once loaded, and whenever the log has grown past `compactAfter` updates, the log is
 * compacted, at idle, to one update holding the whole doc (y-indexeddb's `storeState`): the
 * store holds at most about `compactAfter` updates however many sessions came before.
 *
 * Reading a large book stays responsive: the transaction that applies the stored updates
 * encodes no `update` event while no peer is connected (its only listeners, y-indexeddb and
 * the provider, would ignore it, and encoding a whole book costs as much as reading it), and
 * sharing the records' strings after it runs in steps with a yield to the browser between
 * them. The connection counts as loaded only after that, so a view made on
 * {@link BookConnection.whenLocalLoaded} sees the shared strings.
 */
import { shareRecordStrings, shareRecordStringsInSteps } from "@tandem/engine";
import { IndexeddbPersistence, storeState } from "y-indexeddb";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import type { SyncTicket } from "../session/session-api.js";
import { TicketError } from "../session/session-api.js";

/**
 * Close codes with which the relay refuses what a device sent (docs/protocol.md, close codes):
 * a forbidden write (4405), unknown predecessors (4412), an update over the limits (4414), or
 * too many connections of the user (4430). Reconnecting would send the same again.
 */
const REFUSED_CODES = new Set([4405, 4412, 4414, 4430]);

/**
 * The relay's close code for a socket whose session ended (this device signed out, the user
 * signed out everywhere, or Salesforce revoked the grant): a fresh ticket would be refused
 * too, so the device says it is signed out at once instead of retrying.
 */
export const SESSION_ENDED_CODE = 4001;

/** The status bar's words for a device whose session ended. */
export const SIGNED_OUT_TEXT = "Signed out — sign in again";

/** How many updates the book's IndexedDB log may hold before it is compacted (by default). */
export const COMPACT_AFTER_UPDATES = 24;

/** The User Timing mark set when the book has been read from IndexedDB. */
export const LOCAL_LOADED_MARK = "tandem:local-book-loaded";

/** The connection's state, for the status bar. */
export interface ConnectionState {
  readonly online: boolean;
  readonly connection: "connecting" | "connected" | "disconnected";
  readonly synced: boolean;
  readonly localLoaded: boolean;
  readonly connectionError: string | null;
  readonly signedOut: boolean;
  readonly lastSyncedAt: string | null;
}

/** What a connection needs from its environment. */
export interface BookConnectionOptions {
  readonly room: string;
  /** Base websocket URL of the relay, e.g. `wss://host/sync`. */
  readonly syncUrl: string;
  readonly fetchTicket: () => Promise<SyncTicket>;
  /** Window to listen to online/offline events on; defaults to the global one. */
  readonly target?: Window | undefined;
  /** Compact the IndexedDB log once it holds more updates than this; default {@link COMPACT_AFTER_UPDATES}. */
  readonly compactAfter?: number | undefined;
}

/** Resolves in a later task, so the browser can paint and handle input in between. */
export function yieldToBrowser(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

/** Records of a book whose strings are shared in one step (one task) at load. */
const SHARE_STEP_RECORDS = 4_000;

function whenIdle(fn: () => void): () => void {
  if (typeof requestIdleCallback === "function") {
    const id = requestIdleCallback(fn, { timeout: 5_000 });
    return () => cancelIdleCallback(id);
  }
  const id = setTimeout(fn, 500);
  return () => clearTimeout(id);
}

/** A book document kept in IndexedDB and in sync with the relay. */
export class BookConnection {
  readonly doc: Y.Doc;
  readonly room: string;
  readonly #persistence: IndexeddbPersistence;
  readonly #provider: WebsocketProvider;
  readonly #options: BookConnectionOptions;
  readonly #listeners = new Set<() => void>();
  readonly #target: Window;
  #state: ConnectionState;
  #wantConnected = false;
  #attempt = 0;
  #retryTimer: ReturnType<typeof setTimeout> | null = null;
  #ticketInFlight = false;
  #closed = false;
  #cancelCompaction: (() => void) | null = null;
  #compacting: Promise<void> = Promise.resolve();
  readonly #loaded: Promise<void>;
  /** Before the transaction that applies the stored book: no `update` event for it if no one is listening. */
  readonly #onBeforeLoad = (transaction: Y.Transaction) => {
    if (transaction.origin !== this.#persistence) return;
    this.doc.off("beforeTransaction", this.#onBeforeLoad);
    // A connected peer would be sent what the store held: keep the event then.
    if (this.#provider.wsconnected || this.#provider.bcconnected) return;
    const listeners = [this.#persistence._storeUpdate, this.#provider._updateHandler];
    for (const listener of listeners) this.doc.off("update", listener);
    const restore = () => {
      this.doc.off("afterAllTransactions", restore);
      for (const listener of listeners) this.doc.on("update", listener);
    };
    this.doc.on("afterAllTransactions", restore);
  };
  readonly #onUpdate = () => this.#compactIfLong();
  readonly #onOnline = () => {
    this.#set({ online: true });
    this.#attempt = 0;
    this.reconnect();
  };
  readonly #onOffline = () => {
    this.#set({ online: false });
    this.#wantConnected = false;
    this.#provider.disconnect();
  };

  constructor(options: BookConnectionOptions) {
    this.#options = options;
    this.room = options.room;
    this.#target = options.target ?? window;
    this.doc = new Y.Doc();
    this.#state = {
      online: this.#target.navigator.onLine,
      connection: "disconnected",
      synced: false,
      localLoaded: false,
      connectionError: null,
      signedOut: false,
      lastSyncedAt: null,
    };
    this.#persistence = new IndexeddbPersistence(options.room, this.doc);
    this.#provider = new WebsocketProvider(options.syncUrl, options.room, this.doc, { connect: false });
    this.doc.on("beforeTransaction", this.#onBeforeLoad);
    this.#loaded = this.#persistence.whenSynced.then(async () => {
      this.doc.off("beforeTransaction", this.#onBeforeLoad);
      // Decoding gives each record its own copy of every id: share them (a smaller heap), in
      // steps. Should a sync message change the doc between two steps, nothing is wrong: the
      // pass only replaces strings by equal ones, and a record it misses keeps its copies.
      const steps = shareRecordStringsInSteps(this.doc, SHARE_STEP_RECORDS);
      while (!steps.next().done) {
        await yieldToBrowser();
        if (this.#closed) return;
      }
      // A User Timing mark the cold-start benchmark reads: the local book is in memory.
      if (performance.getEntriesByName(LOCAL_LOADED_MARK).length === 0) performance.mark(LOCAL_LOADED_MARK);
      this.#set({ localLoaded: true });
      this.#compactIfLong();
      this.doc.on("update", this.#onUpdate);
    });
    this.#provider.on("status", ({ status }) => {
      this.#set({ connection: status, ...(status === "connected" ? { connectionError: null } : {}) });
    });
    this.#provider.on("sync", (synced: boolean) => {
      if (synced) {
        this.#attempt = 0;
        shareRecordStrings(this.doc);
      }
      this.#set({ synced, ...(synced ? { lastSyncedAt: new Date().toISOString() } : {}) });
    });
    this.#provider.on("connection-close", (event: { code: number } | null) => {
      // Stop the provider's own reconnect (it would reuse the spent ticket) and reconnect
      // through a fresh ticket instead.
      this.#provider.shouldConnect = false;
      this.#set({ synced: false });
      const refused = event !== null && REFUSED_CODES.has(event.code);
      if (event !== null && event.code === SESSION_ENDED_CODE) {
        this.#endSession();
        return;
      }
      // The server refused what this copy of the book sends: sending it again changes nothing.
      if (refused) {
        this.#set({
          connectionError: `The server refused this device's changes (${event.code}); they stay on this device`,
        });
      } else if (this.#wantConnected) this.#scheduleReconnect();
    });
    this.#provider.on("closed", ({ code, reason }) => {
      if (this.#state.signedOut) return;
      this.#set({ connectionError: `The server closed the connection (${code}${reason ? `: ${reason}` : ""})` });
    });
    this.#target.addEventListener("online", this.#onOnline);
    this.#target.addEventListener("offline", this.#onOffline);
  }

  /** Schedules a compaction of the IndexedDB log, at idle, once it has grown too long. */
  #compactIfLong(): void {
    const limit = this.#options.compactAfter ?? COMPACT_AFTER_UPDATES;
    if (this.#closed || this.#cancelCompaction !== null || this.#persistence._dbsize <= limit) return;
    this.#cancelCompaction = whenIdle(() => {
      this.#cancelCompaction = null;
      if (this.#closed) return;
      // One update with the whole doc replaces the log (y-indexeddb deletes the older keys).
      this.#compacting = this.#compacting.then(() => storeState(this.#persistence, true));
    });
  }

  /** The current state. */
  get state(): ConnectionState {
    return this.#state;
  }

  /** Resolves once the local IndexedDB copy has been loaded into the doc. */
  whenLocalLoaded(): Promise<void> {
    return this.#loaded;
  }

  /** Subscribes to state changes; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #set(patch: Partial<ConnectionState>): void {
    this.#state = { ...this.#state, ...patch };
    for (const listener of this.#listeners) listener();
  }

  #scheduleReconnect(): void {
    if (this.#closed || this.#retryTimer !== null) return;
    const delay = Math.min(250 * 2 ** this.#attempt, 10_000);
    this.#attempt++;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      this.reconnect();
    }, delay);
  }

  /** Connects (or reconnects) with a fresh ticket, unless offline, signed out or already connecting. */
  reconnect(): void {
    if (this.#closed || this.#state.signedOut) return;
    this.#wantConnected = true;
    if (!this.#target.navigator.onLine) {
      this.#set({ online: false });
      return;
    }
    if (this.#ticketInFlight || this.#provider.ws !== null) return;
    this.#ticketInFlight = true;
    this.#set({ connection: "connecting" });
    this.#options
      .fetchTicket()
      .then((ticket) => {
        this.#ticketInFlight = false;
        if (this.#closed || !this.#wantConnected) return;
        // The device may have gone offline while the ticket was on its way; the online event
        // reconnects with a fresh ticket.
        if (!this.#target.navigator.onLine) {
          this.#set({ online: false, connection: "disconnected" });
          return;
        }
        this.#provider.params = { ticket: ticket.ticket };
        this.#provider.connect();
      })
      .catch((error: unknown) => {
        this.#ticketInFlight = false;
        if (error instanceof TicketError && error.signedOut) {
          this.#endSession();
          return;
        }
        this.#set({ connection: "disconnected" });
        this.#scheduleReconnect();
      });
  }

  /** The session of this device ended: no reconnecting, and the state says so. */
  #endSession(): void {
    this.#wantConnected = false;
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    this.#set({ signedOut: true, connection: "disconnected", synced: false, connectionError: SIGNED_OUT_TEXT });
  }

  /**
   * Connects again after a session end that turned out not to be one (the server still knows
   * this device's session, e.g. a ticket raced a sign-in).
   */
  resume(): void {
    if (!this.#state.signedOut) return;
    this.#attempt = 0;
    this.#set({ signedOut: false, connectionError: null });
    this.reconnect();
  }

  /** Closes the socket and IndexedDB (the local data stays). */
  async close(): Promise<void> {
    this.#closed = true;
    this.#wantConnected = false;
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    this.#target.removeEventListener("online", this.#onOnline);
    this.#target.removeEventListener("offline", this.#onOffline);
    this.doc.off("update", this.#onUpdate);
    this.#cancelCompaction?.();
    this.#cancelCompaction = null;
    this.#provider.destroy();
    // A compaction under way finishes before the database closes.
    await this.#compacting;
    await this.#persistence.destroy();
    this.doc.destroy();
  }

  /** Closes everything and deletes this book's IndexedDB database. */
  async wipe(): Promise<void> {
    await this.close();
    await deleteDatabase(this.room);
  }
}

/** Deletes one IndexedDB database, resolving when done (or blocked by another tab). */
export function deleteDatabase(name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = () => resolve();
    request.onblocked = () => resolve();
    request.onerror = () => reject(request.error ?? new Error(`could not delete ${name}`));
  });
}
