/**
 * ORDER BY for SOQL rows: sort keys read once per row, NULLS FIRST/LAST (nulls first by
 * default ascending, last descending), text compared case-insensitively, and a bounded partial
 * sort when a LIMIT needs only the first rows.
 *
 * Invariant: a partial sort picks exactly the rows, in the same order, that a full stable sort
 * followed by the limit would.
 */
import type { OrderByClause } from "@jetstreamapp/soql-parser-js";
import { isNumberField, isTextField } from "../schema/objects.js";
import type { ObjectDef } from "../schema/schema-types.js";
import type { SfRecord, SfValue } from "../store/org-store.js";
import { readPath, resolvePath } from "./field-path.js";
import type { QueryEnv } from "./query-env.js";
import { queryError } from "./soql-errors.js";
import { pathParts } from "./where.js";

/** How to order rows: their sort keys and how keys compare. */
export interface RowOrder {
  valuesOf(row: SfRecord): SfValue[];
  compareValues(a: readonly SfValue[], b: readonly SfValue[]): number;
}

/** Compiles an ORDER BY clause (or list) over `def` into a {@link RowOrder}. */
export function compileOrder(
  env: QueryEnv,
  def: ObjectDef,
  alias: string | undefined,
  orderBy: OrderByClause | OrderByClause[],
  soql: string,
): RowOrder {
  const clauses = Array.isArray(orderBy) ? orderBy : [orderBy];
  const keys = clauses.map((c) => {
    if (!("field" in c)) throw queryError("MALFORMED_QUERY", soql, "ORDER BY", "ORDER BY functions are not supported");
    const path = resolvePath(env.org, def, pathParts(def, alias, c.field), soql);
    if (!path.field.sortable) {
      throw queryError("INVALID_FIELD", soql, c.field, `field '${path.field.name}' can not be sorted in a query call`);
    }
    const desc = c.order === "DESC";
    const nullsFirst = c.nulls ? c.nulls === "FIRST" : !desc;
    const text = isTextField(path.field);
    const numeric = isNumberField(path.field);
    const read =
      path.steps.length === 0
        ? (r: SfRecord) => r[path.field.name] ?? null
        : (r: SfRecord) => readPath(env.org, env.access, r, path);
    return { read, desc, nullsFirst, text, numeric };
  });
  const valuesOf = (r: SfRecord): SfValue[] =>
    keys.map((k) => {
      const raw = k.read(r);
      return k.text && typeof raw === "string" ? raw.toLowerCase() : raw;
    });
  const compareValues = (va: readonly SfValue[], vb: readonly SfValue[]): number => {
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      if (!k) continue;
      const x = va[i] ?? null;
      const y = vb[i] ?? null;
      if (x === y) continue;
      if (x === null) return k.nullsFirst ? -1 : 1;
      if (y === null) return k.nullsFirst ? 1 : -1;
      const cmp = x < y ? -1 : x > y ? 1 : 0;
      if (cmp !== 0) return k.desc ? -cmp : cmp;
    }
    return 0;
  };
  return { valuesOf, compareValues };
}

/** Sorts rows by precomputed sort keys (one key read per row, not per comparison). */
export function sortRows(rows: readonly SfRecord[], order: RowOrder, needed?: number): SfRecord[] {
  const keyed = rows.map((row, index) => ({ row, key: order.valuesOf(row), index }));
  type Keyed = (typeof keyed)[number];
  // The input position breaks ties, so a partial sort picks exactly the rows a full stable sort would.
  const cmp = (a: Keyed, b: Keyed) => order.compareValues(a.key, b.key) || a.index - b.index;
  if (needed === undefined || needed * 8 >= keyed.length) {
    keyed.sort(cmp);
    return keyed.map((k) => k.row);
  }
  return topK(keyed, needed, cmp).map((k) => k.row);
}

/** The `k` smallest items in order, through a bounded max-heap (O(n log k)). */
function topK<T>(items: readonly T[], k: number, cmp: (a: T, b: T) => number): T[] {
  const heap: T[] = [];
  const swap = (i: number, j: number) => {
    const t = heap[i] as T;
    heap[i] = heap[j] as T;
    heap[j] = t;
  };
  const up = (start: number) => {
    let i = start;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (cmp(heap[i] as T, heap[parent] as T) <= 0) break;
      swap(i, parent);
      i = parent;
    }
  };
  const down = (start: number) => {
    let i = start;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let big = i;
      if (l < heap.length && cmp(heap[l] as T, heap[big] as T) > 0) big = l;
      if (r < heap.length && cmp(heap[r] as T, heap[big] as T) > 0) big = r;
      if (big === i) return;
      swap(i, big);
      i = big;
    }
  };
  if (k <= 0) return [];
  for (const item of items) {
    if (heap.length < k) {
      heap.push(item);
      up(heap.length - 1);
    } else if (cmp(item, heap[0] as T) < 0) {
      heap[0] = item;
      down(0);
    }
  }
  return heap.sort(cmp);
}
