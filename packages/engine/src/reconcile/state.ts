/**
 * The state the planner reads: the mirror, intents, receipts and meta, as read-only tables.
 * A Y.Map is such a table, so {@link readBookState} hands the live maps over without copying
 * (the planner never writes through them).
 *
 * Invariant: the planner treats a state as immutable for the duration of one `plan` call.
 */
import type * as Y from "yjs";
import type { Table } from "../doc/intent-state.js";
import { bookMaps } from "../doc/layout.js";
import type {
  AccountRecord,
  ActivityRecord,
  ContactRecord,
  ContactRoleRecord,
  OpportunityRecord,
} from "../model/records.js";
import type { Intent, Interaction, Receipt, SyncStatus } from "../model/schemas.js";
import type { Watermarks } from "../port/salesforce-port.js";

/** What the planner reads from a book. */
export interface BookState {
  readonly opportunities: Table<OpportunityRecord>;
  readonly accounts: Table<AccountRecord>;
  readonly contacts: Table<ContactRecord>;
  readonly contactRoles: Table<ContactRoleRecord>;
  readonly activities: Table<ActivityRecord>;
  readonly intents: Table<Intent>;
  readonly receipts: Table<Receipt>;
  readonly interactions: Table<Interaction>;
  readonly meta: {
    readonly watermarks: Watermarks;
    readonly sync: SyncStatus | null;
    readonly orgId: string | null;
    readonly userId: string | null;
  };
}

/** Reads a doc's state for the planner (no copy of the records). */
export function readBookState(doc: Y.Doc): BookState {
  const maps = bookMaps(doc);
  const watermarks = (maps.meta.get("watermarks") as Watermarks | undefined) ?? {};
  const sync = (maps.meta.get("sync") as SyncStatus | undefined) ?? null;
  const orgId = maps.meta.get("orgId");
  const userId = maps.meta.get("userId");
  return {
    opportunities: maps.opportunities,
    accounts: maps.accounts,
    contacts: maps.contacts,
    contactRoles: maps.contactRoles,
    activities: maps.activities,
    intents: maps.intents,
    receipts: maps.receipts,
    interactions: maps.interactions,
    meta: {
      watermarks,
      sync,
      orgId: typeof orgId === "string" ? orgId : null,
      userId: typeof userId === "string" ? userId : null,
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
