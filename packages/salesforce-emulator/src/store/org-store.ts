/**
 * The org's records in memory: one table per object keyed by 18-character id, lazily built
 * reverse indexes on reference fields, soft deletes, and an undo log for all-or-none batches.
 *
 * Invariants: stored records are never mutated — an update stores a new object — so query
 * cursors that hold records keep the snapshot of their first execution. Every record holds
 * every field of its object (null when empty), in schema order. A reverse index, once built,
 * is maintained by every put.
 */
import type { OrgSchema } from "../schema/objects.js";

/** A field value as stored and as sent on the wire. */
export type SfValue = string | number | boolean | null;

/** A stored record: every field of its object. */
export type SfRecord = Readonly<Record<string, SfValue>>;

/** Told of a change about to be stored: the object, the id and the record before it. */
export type StoreObserver = (object: string, id: string, previous: SfRecord | undefined) => void;

interface UndoEntry {
  readonly object: string;
  readonly id: string;
  readonly previous: SfRecord | undefined;
  readonly previousDeletedAt: number | undefined;
}

/** The in-memory record store. */
export class OrgStore {
  readonly schema: OrgSchema;
  readonly #tables = new Map<string, Map<string, SfRecord>>();
  readonly #indexes = new Map<string, Map<string, Set<string>>>();
  readonly #deletedAt = new Map<string, number>();
  #undo: UndoEntry[] | undefined;
  #version = 0;
  #changed = new Map<string, string>();
  #tracking = false;
  #observer: StoreObserver | undefined;

  readonly #prefixes = new Map<string, string>();

  constructor(schema: OrgSchema) {
    this.schema = schema;
    for (const o of schema.objects) {
      this.#tables.set(o.name, new Map());
      this.#prefixes.set(o.name, o.keyPrefix);
    }
  }

  /** Grows on every change; persistence compares it. */
  get version(): number {
    return this.#version;
  }

  /** The table of an object (records in insertion order, deleted ones included). */
  table(object: string): ReadonlyMap<string, SfRecord> {
    const t = this.#tables.get(object);
    if (!t) throw new Error(`unknown object ${object}`);
    return t;
  }

  /** A record by canonical id, deleted or not. */
  get(object: string, id: string): SfRecord | undefined {
    return this.#tables.get(object)?.get(id);
  }

  /** Finds a record among several candidate objects (polymorphic references). */
  find(objects: readonly string[], id: string): { object: string; record: SfRecord } | undefined {
    for (const object of objects) {
      if (!id.startsWith(this.#prefixes.get(object) ?? "")) continue;
      const record = this.#tables.get(object)?.get(id);
      if (record) return { object, record };
    }
    return undefined;
  }

  /** When the record was deleted (ms), if it is in the recycle bin. */
  deletedAt(id: string): number | undefined {
    return this.#deletedAt.get(id);
  }

  /** Every deleted record id with its deletion time. */
  deletions(): ReadonlyMap<string, number> {
    return this.#deletedAt;
  }

  /** Inserts or replaces a record; `deletedAtMs` marks a soft delete. */
  put(object: string, record: SfRecord, deletedAtMs?: number): void {
    const table = this.#tables.get(object);
    if (!table) throw new Error(`unknown object ${object}`);
    const id = String(record.Id);
    const previous = table.get(id);
    this.#undo?.push({ object, id, previous, previousDeletedAt: this.#deletedAt.get(id) });
    this.#observer?.(object, id, previous);
    table.set(id, record);
    if (this.#tracking) this.#changed.set(id, object);
    if (deletedAtMs === undefined) this.#deletedAt.delete(id);
    else this.#deletedAt.set(id, deletedAtMs);
    this.#reindex(object, id, previous, record);
    this.#version++;
  }

  /** Removes a record for good (recycle bin purge, undo of an insert). */
  #remove(object: string, id: string): void {
    const table = this.#tables.get(object);
    const previous = table?.get(id);
    if (!table || !previous) return;
    this.#observer?.(object, id, previous);
    table.delete(id);
    if (this.#tracking) this.#changed.set(id, object);
    this.#deletedAt.delete(id);
    this.#reindex(object, id, previous, undefined);
    this.#version++;
  }

  /**
   * Sets (or with `undefined` clears) the one observer told of every put or removal, before it
   * happens, with the record as it was (change data capture keeps the first before-image).
   */
  observe(observer: StoreObserver | undefined): void {
    this.#observer = observer;
  }

  /** Starts recording which records change (for a journal); off by default. */
  trackChanges(): void {
    this.#tracking = true;
  }

  /** The records put or removed since the last call (id → object), for the journal. */
  takeChanges(): Map<string, string> {
    const changed = this.#changed;
    this.#changed = new Map();
    return changed;
  }

  /** Ids of `object` records whose `field` equals `parentId` (deleted ones included). */
  children(object: string, field: string, parentId: string): ReadonlySet<string> {
    return this.#index(object, field).get(parentId) ?? EMPTY;
  }

  #index(object: string, field: string): Map<string, Set<string>> {
    const key = `${object}.${field}`;
    let index = this.#indexes.get(key);
    if (!index) {
      index = new Map();
      for (const [id, rec] of this.table(object)) {
        const parent = rec[field];
        if (typeof parent === "string") addTo(index, parent, id);
      }
      this.#indexes.set(key, index);
    }
    return index;
  }

  #reindex(object: string, id: string, previous: SfRecord | undefined, next: SfRecord | undefined): void {
    for (const [key, index] of this.#indexes) {
      const dot = key.indexOf(".");
      if (key.slice(0, dot) !== object) continue;
      const field = key.slice(dot + 1);
      const before = previous?.[field];
      const after = next?.[field];
      if (before === after) continue;
      if (typeof before === "string") index.get(before)?.delete(id);
      if (typeof after === "string") addTo(index, after, id);
    }
  }

  /**
   * Runs `fn` so that calling `rollback()` inside it, or a throw out of it, restores every record
   * it changed. Nested calls are savepoints of the outer transaction.
   */
  transaction<T>(fn: (rollback: () => void) => T): T {
    const outer = this.#undo;
    const undo: UndoEntry[] = outer ?? [];
    const mark = undo.length;
    this.#undo = undo;
    const rollback = (): void => {
      const saved = this.#undo;
      this.#undo = undefined;
      while (undo.length > mark) {
        const e = undo.pop();
        if (!e) break;
        if (e.previous) this.put(e.object, e.previous, e.previousDeletedAt);
        else this.#remove(e.object, e.id);
      }
      this.#undo = saved;
    };
    try {
      return fn(rollback);
    } catch (error) {
      rollback();
      throw error;
    } finally {
      this.#undo = outer;
    }
  }

  /** Removes one record for good (journal replay of a rolled-back insert). */
  purgeRecord(object: string, id: string): void {
    this.#remove(object, id);
  }

  /** Drops deleted records older than the cutoff (recycle bin purge). */
  purgeDeletedBefore(cutoffMs: number): void {
    for (const [id, at] of [...this.#deletedAt]) {
      if (at >= cutoffMs) continue;
      for (const o of this.schema.objects) {
        if (this.#tables.get(o.name)?.has(id)) this.#remove(o.name, id);
      }
    }
  }
}

const EMPTY: ReadonlySet<string> = new Set();

function addTo(index: Map<string, Set<string>>, key: string, id: string): void {
  let set = index.get(key);
  if (!set) {
    set = new Set();
    index.set(key, set);
  }
  set.add(id);
}
