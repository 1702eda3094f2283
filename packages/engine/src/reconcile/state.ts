/**
 * The state the planner reads: the mirror, intents, receipts and meta, as read-only tables
 * over the live Y.Maps (no copy), seen through the checks of `doc/book-decode.ts`, because a
 * device may have written anything anywhere (issue 18).
 *
 * Invariants:
 * - the planner treats a state as immutable for the duration of one `plan` call;
 * - `intents` holds only values that decode under their key; every other entry is listed in
 *   `invalidIntents` with what is wrong, so the planner can end it with a final receipt;
 * - a mirror record or interaction that fails its check is invisible (the worker's
 *   `openBook` removes it and re-pulls its object);
 * - a receipt that does not decode under its key reads as an abandoned attempt (`sending` with
 *   an error), never as absent: it may stand for a write that reached Salesforce, so a logged
 *   activity behind it is looked up by its key before it is sent again.
 */
import type * as Y from "yjs";
import {
  type BookDecodeCache,
  createBookDecodeCache,
  isInteractionEntry,
  isMirrorEntry,
  readIntentEntry,
  readOrgInfo,
  readReceiptEntry,
  readScopeContinuation,
  readSyncStatus,
  readWatermarks,
} from "../doc/book-decode.js";
import type { Table } from "../doc/intent-state.js";
import { bookMaps, type MirrorMapName } from "../doc/layout.js";
import type {
  AccountRecord,
  ActivityRecord,
  ContactRecord,
  ContactRoleRecord,
  OpportunityRecord,
} from "../model/records.js";
import type { Intent, Interaction, OrgInfo, Receipt, ScopeContinuation, SyncStatus } from "../model/schemas.js";
import type { Watermarks } from "../port/salesforce-port.js";

/** What the planner reads from a book. */
export interface BookState {
  readonly opportunities: Table<OpportunityRecord>;
  readonly accounts: Table<AccountRecord>;
  readonly contacts: Table<ContactRecord>;
  readonly contactRoles: Table<ContactRoleRecord>;
  readonly activities: Table<ActivityRecord>;
  /** The intents that decode under their key. */
  readonly intents: Table<Intent>;
  /** Keys of `intents` whose value is not a valid intent under that key, with what is wrong. */
  readonly invalidIntents: ReadonlyMap<string, string>;
  readonly receipts: Table<Receipt>;
  readonly interactions: Table<Interaction>;
  readonly meta: {
    readonly watermarks: Watermarks;
    readonly sync: SyncStatus | null;
    readonly orgId: string | null;
    readonly userId: string | null;
    /** `meta.org` (time zone, field describe, record types), or absent/`null` when the book has none. */
    readonly org?: OrgInfo | null | undefined;
    /** `meta.scopeContinuation`: a first sync still reading pages, or absent/`null`. */
    readonly scopeContinuation?: ScopeContinuation | null | undefined;
  };
}

/** Options of {@link readBookState}. */
export interface ReadBookStateOptions {
  /** Decoded values to reuse across reads of the same doc (e.g. within one sync cycle). */
  readonly cache?: BookDecodeCache | undefined;
}

/** The error of a receipt that could not be read (see the file header). */
export const DAMAGED_RECEIPT_CODE = "DAMAGED_RECEIPT";

/** A table over `map` that shows each entry as `read` returns it, hiding those it refuses. */
function checkedTable<V>(map: Y.Map<unknown>, read: (key: string, raw: unknown) => V | undefined): Table<V> {
  const get = (key: string): V | undefined => (map.has(key) ? read(key, map.get(key)) : undefined);
  function* entries(): IterableIterator<[string, V]> {
    for (const [k, raw] of map.entries()) {
      const v = read(k, raw);
      if (v !== undefined) yield [k, v];
    }
  }
  function* keys(): IterableIterator<string> {
    for (const [k] of entries()) yield k;
  }
  function* values(): IterableIterator<V> {
    for (const [, v] of entries()) yield v;
  }
  return {
    get,
    has: (key) => get(key) !== undefined,
    keys,
    values,
    entries,
    get size() {
      let n = 0;
      for (const _ of entries()) n++;
      return n;
    },
  };
}

function mirrorTable<V>(map: Y.Map<unknown>, name: MirrorMapName): Table<V> {
  return checkedTable(map, (key, raw) => (isMirrorEntry(name, key, raw) ? (raw as V) : undefined));
}

/**
 * Reads a doc's state for the planner (no copy of the records), checking every value it hands
 * out (see the file header).
 *
 * @example
 * ```ts
 * const p = plan(readBookState(doc, { cache }), pulled, now);
 * ```
 */
export function readBookState(doc: Y.Doc, options: ReadBookStateOptions = {}): BookState {
  const maps = bookMaps(doc);
  const cache = options.cache ?? createBookDecodeCache();
  const intentsMap = maps.intents as Y.Map<unknown>;
  const watermarks = readWatermarks(maps.meta.get("watermarks")) ?? {};
  const sync = readSyncStatus(maps.meta.get("sync"));
  const orgId = maps.meta.get("orgId");
  const userId = maps.meta.get("userId");
  const org = readOrgInfo(maps.meta.get("org"));
  const scopeContinuation = readScopeContinuation(maps.meta.get("scopeContinuation"));
  let invalid: Map<string, string> | undefined;
  return {
    opportunities: mirrorTable(maps.opportunities as Y.Map<unknown>, "opportunities"),
    accounts: mirrorTable(maps.accounts as Y.Map<unknown>, "accounts"),
    contacts: mirrorTable(maps.contacts as Y.Map<unknown>, "contacts"),
    contactRoles: mirrorTable(maps.contactRoles as Y.Map<unknown>, "contactRoles"),
    activities: mirrorTable(maps.activities as Y.Map<unknown>, "activities"),
    intents: checkedTable(intentsMap, (key, raw) => {
      const entry = readIntentEntry(key, raw, cache);
      return entry.ok ? entry.intent : undefined;
    }),
    get invalidIntents() {
      if (invalid === undefined) {
        invalid = new Map();
        for (const [key, raw] of intentsMap.entries()) {
          const entry = readIntentEntry(key, raw, cache);
          if (!entry.ok) invalid.set(key, entry.problem);
        }
      }
      return invalid;
    },
    receipts: checkedTable(maps.receipts as Y.Map<unknown>, (key, raw) => {
      const receipt = readReceiptEntry(key, raw, cache);
      if (receipt !== null) return receipt;
      return {
        intentId: key,
        status: "sending",
        attempts: 0,
        updatedAt: "1970-01-01T00:00:00.000Z",
        error: {
          code: DAMAGED_RECEIPT_CODE,
          message: "The receipt of this intent could not be read; Salesforce is checked before it is sent again.",
        },
      } satisfies Receipt;
    }),
    interactions: checkedTable(maps.interactions as Y.Map<unknown>, (_key, raw) =>
      isInteractionEntry(raw) ? (raw as Interaction) : undefined,
    ),
    meta: {
      watermarks,
      sync,
      orgId: typeof orgId === "string" ? orgId : null,
      userId: typeof userId === "string" ? userId : null,
      org,
      scopeContinuation,
    },
  };
}

/** A table seen through upserts and removals, without copying the base. */
export function overlayTable<V>(
  base: Table<V>,
  upserts: ReadonlyMap<string, V>,
  removed: ReadonlySet<string>,
): Table<V> {
  const has = (key: string) => !removed.has(key) && (upserts.has(key) || base.has(key));
  function* keys(): IterableIterator<string> {
    for (const k of upserts.keys()) if (!removed.has(k)) yield k;
    for (const k of base.keys()) if (!removed.has(k) && !upserts.has(k)) yield k;
  }
  function* values(): IterableIterator<V> {
    for (const k of keys()) {
      const v = upserts.get(k) ?? base.get(k);
      if (v !== undefined) yield v;
    }
  }
  function* entries(): IterableIterator<[string, V]> {
    for (const k of keys()) {
      const v = upserts.get(k) ?? base.get(k);
      if (v !== undefined) yield [k, v];
    }
  }
  let size = 0;
  for (const _ of keys()) size++;
  return {
    get: (key) => (removed.has(key) ? undefined : (upserts.get(key) ?? base.get(key))),
    has,
    keys,
    values,
    entries,
    size,
  };
}
