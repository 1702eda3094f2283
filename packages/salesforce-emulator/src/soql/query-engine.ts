/**
 * Runs SOQL through `@jetstreamapp/soql-parser-js`: resolves the select list (fields, parent
 * paths, child sub-queries, COUNT() and simple aggregates), the WHERE predicate, ORDER BY with
 * NULLS FIRST/LAST, LIMIT and OFFSET, under the user's sharing, and shapes rows exactly as the
 * REST API does (reference §2.1, §2.2).
 *
 * Invariants: the matching rows are computed once per execution into a list (the cursor that
 * queryMore pages through); shaping a row happens per page; output keys are canonical names in
 * SELECT order; an empty child sub-query is `null`; a missing or invisible parent is `null`.
 */
import {
  type FieldSubquery,
  type FieldType,
  type OrderByClause,
  parseQuery,
  type Query,
  type Subquery,
} from "@jetstreamapp/soql-parser-js";
import { isNumberField, isTextField } from "../schema/objects.js";
import type { ChildRelationship, FieldDef, ObjectDef } from "../schema/schema-types.js";
import type { SfRecord, SfValue } from "../store/org-store.js";
import { type FieldPath, followStep, type PathStep, readPath, resolvePath } from "./field-path.js";
import type { QueryEnv } from "./query-env.js";
import { queryError, unknownObject } from "./soql-errors.js";
import { type CandidateIds, compileWhere, indexableCondition, type Predicate, pathParts } from "./where.js";

/** A shaped output row. */
export type ShapedRecord = Record<string, unknown>;

/** The result of executing one SOQL statement. */
export interface QueryExecution {
  /** Total rows of the whole query. */
  readonly totalSize: number;
  /** Row count available for paging (0 for COUNT()). */
  readonly rowCount: number;
  /** Shapes rows `[from, to)`. */
  page(from: number, to: number): ShapedRecord[];
}

type OutputNode =
  | { readonly kind: "field"; readonly name: string; readonly field: FieldDef }
  | { readonly kind: "type" }
  | { readonly kind: "parent"; readonly name: string; readonly step: PathStep; readonly children: OutputNode[] }
  | { readonly kind: "children"; readonly name: string; readonly plan: ChildPlan };

interface ChildPlan {
  readonly rel: ChildRelationship;
  readonly def: ObjectDef;
  readonly nodes: OutputNode[];
  readonly where: Predicate;
  readonly order: RowOrder | undefined;
  readonly limit: number | undefined;
}

/** How to order rows: their sort keys and how keys compare. */
interface RowOrder {
  valuesOf(row: SfRecord): SfValue[];
  compareValues(a: readonly SfValue[], b: readonly SfValue[]): number;
}

function parse(soql: string): Query {
  try {
    return parseQuery(soql);
  } catch (error) {
    const message = error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error);
    const found = /found --> '([^']*)' <--/.exec(message)?.[1] ?? "";
    throw queryError("MALFORMED_QUERY", soql, found, `unexpected token: ${found || message}`);
  }
}

/** Parses and executes a query. */
export function executeQuery(env: QueryEnv, soql: string): QueryExecution {
  const query = parse(soql);
  if (query.having) {
    throw queryError("MALFORMED_QUERY", soql, "HAVING", "HAVING is not supported by this emulator");
  }
  const def = env.org.schema.object(query.sObject ?? "");
  if (!def) throw unknownObject(soql, query.sObject ?? "");
  if (query.offset !== undefined && query.offset > 2000) {
    throw queryError("NUMBER_OUTSIDE_VALID_RANGE", soql, "OFFSET", "Maximum SOQL offset allowed is 2000");
  }
  const fields = query.fields ?? [];
  const aggregates = fields.filter((f) => f.type === "FieldFunctionExpression");
  const alias = query.sObjectAlias;
  const where = compileWhere(env, def, alias, query.where, soql, (sub) => semiJoin(env, sub, soql));
  const rows = selectRows(env, def, where, indexableCondition(def, alias, query.where));
  if (query.groupBy) return groupedQuery(env, def, alias, query, rows, soql);
  const offset = query.offset ?? 0;
  const needed = query.limit !== undefined && !query.groupBy ? offset + query.limit : undefined;
  const sorted = query.orderBy ? sortRows(rows, compileOrder(env, def, alias, query.orderBy, soql), needed) : rows;
  const end = query.limit !== undefined ? offset + query.limit : sorted.length;
  const window = offset > 0 || end < sorted.length ? sorted.slice(offset, end) : sorted;

  if (aggregates.length > 0) {
    if (aggregates.length !== fields.length) {
      throw queryError(
        "MALFORMED_QUERY",
        soql,
        "SELECT",
        "Field must be grouped or aggregated: aggregate functions cannot be mixed with fields without GROUP BY",
      );
    }
    const first = aggregates[0];
    if (
      first?.type === "FieldFunctionExpression" &&
      first.parameters.length === 0 &&
      /^count$/i.test(first.functionName)
    ) {
      if (fields.length > 1)
        throw queryError("MALFORMED_QUERY", soql, "count()", "COUNT() must be the only element in the SELECT list");
      return { totalSize: window.length, rowCount: 0, page: () => [] };
    }
    const row = aggregateRow(env, def, alias, aggregates, window, soql);
    return { totalSize: 1, rowCount: 1, page: (from, to) => (from === 0 && to > 0 ? [row] : []) };
  }

  const nodes = compileSelect(env, def, alias, fields, soql);
  return {
    totalSize: window.length,
    rowCount: window.length,
    page: (from, to) => {
      const out: ShapedRecord[] = [];
      for (let i = from; i < Math.min(to, window.length); i++) {
        const rec = window[i];
        if (rec) out.push(shape(env, def.name, rec, nodes));
      }
      return out;
    },
  };
}

function selectRows(env: QueryEnv, def: ObjectDef, where: Predicate, candidates?: CandidateIds): SfRecord[] {
  const out: SfRecord[] = [];
  const { access, includeDeleted } = env;
  const table = env.org.store.table(def.name);
  const consider = (rec: SfRecord | undefined): void => {
    if (!rec || (rec.IsDeleted === true && !includeDeleted)) return;
    if (!where(rec) || !access.canRead(def.name, rec)) return;
    out.push(rec);
  };
  if (candidates) {
    // Read the few candidate rows from the id map or a reverse index instead of scanning.
    const seen = new Set<string>();
    for (const parent of candidates.ids) {
      const ids = candidates.field === "Id" ? [parent] : env.org.store.children(def.name, candidates.field, parent);
      for (const id of ids) {
        if (seen.has(id)) continue;
        seen.add(id);
        consider(table.get(id));
      }
    }
    return out;
  }
  for (const rec of table.values()) consider(rec);
  return out;
}

function semiJoin(env: QueryEnv, sub: Query, soql: string): ReadonlySet<string> {
  const def = env.org.schema.object(sub.sObject ?? "");
  if (!def) throw unknownObject(soql, sub.sObject ?? "");
  const selected = sub.fields ?? [];
  const only = selected[0];
  if (selected.length !== 1 || !only || (only.type !== "Field" && only.type !== "FieldRelationship")) {
    throw queryError("MALFORMED_QUERY", soql, "SELECT", "semi join sub-selects must select exactly one id field");
  }
  const parts = only.type === "Field" ? [only.field] : [...only.relationships, only.field];
  const path = resolvePath(env.org, def, pathParts(def, sub.sObjectAlias, parts.join(".")), soql);
  if (path.field.type !== "id" && path.field.type !== "reference") {
    throw queryError(
      "INVALID_FIELD",
      soql,
      path.canonical,
      "Semi join sub-selects are only allowed to select id fields",
    );
  }
  const where = compileWhere({ ...env, includeDeleted: false }, def, sub.sObjectAlias, sub.where, soql, (s) =>
    semiJoin(env, s, soql),
  );
  const ids = new Set<string>();
  for (const rec of selectRows({ ...env, includeDeleted: false }, def, where)) {
    const v = readPath(env.org, env.access, rec, path);
    if (typeof v === "string") ids.add(v);
  }
  return ids;
}

function compileSelect(
  env: QueryEnv,
  def: ObjectDef,
  alias: string | undefined,
  fields: FieldType[],
  soql: string,
): OutputNode[] {
  const nodes: OutputNode[] = [];
  const seen = new Set<string>();
  const addPath = (path: FieldPath): void => {
    const key = path.canonical.toLowerCase();
    if (seen.has(key))
      throw queryError("MALFORMED_QUERY", soql, path.field.name, `duplicate field selected: ${path.canonical}`);
    seen.add(key);
    let level = nodes;
    for (const step of path.steps) {
      let parent = level.find(
        (n): n is Extract<OutputNode, { kind: "parent" }> => n.kind === "parent" && n.name === step.relationshipName,
      );
      if (!parent) {
        parent = { kind: "parent", name: step.relationshipName, step, children: [] };
        level.push(parent);
      }
      level = parent.children;
    }
    level.push(
      path.polymorphic && path.field.name === "Type"
        ? { kind: "type" }
        : { kind: "field", name: path.field.name, field: path.field },
    );
  };
  if (fields.length === 0) throw queryError("MALFORMED_QUERY", soql, "FROM", "unexpected token: FROM");
  for (const f of fields) {
    switch (f.type) {
      case "Field":
        addPath(resolvePath(env.org, def, pathParts(def, alias, f.field), soql));
        break;
      case "FieldRelationship": {
        const parts = pathParts(def, alias, [...f.relationships, f.field].join("."));
        addPath(resolvePath(env.org, def, parts, soql));
        break;
      }
      case "FieldSubquery":
        nodes.push(compileChild(env, def, f, soql));
        break;
      default:
        throw queryError("MALFORMED_QUERY", soql, "TYPEOF", "TYPEOF is not supported by this emulator");
    }
  }
  return nodes;
}

function compileChild(env: QueryEnv, parent: ObjectDef, f: FieldSubquery, soql: string): OutputNode {
  const sub: Subquery = f.subquery;
  const rel = parent.childRelationshipsByLower.get(sub.relationshipName.toLowerCase());
  if (!rel) {
    throw queryError(
      "INVALID_TYPE",
      soql,
      sub.relationshipName,
      `Didn't understand relationship '${sub.relationshipName}' in FROM part of query call. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`,
    );
  }
  const def = env.org.schema.object(rel.childSObject);
  if (!def) throw queryError("INVALID_TYPE", soql, sub.relationshipName, "unknown child object");
  const alias = sub.sObjectPrefix?.[0];
  if ((sub.fields ?? []).some((x) => x.type === "FieldSubquery" || x.type === "FieldFunctionExpression")) {
    throw queryError(
      "MALFORMED_QUERY",
      soql,
      sub.relationshipName,
      "nested sub-queries and aggregates are not allowed in a sub-query",
    );
  }
  const nodes = compileSelect(env, def, alias, sub.fields ?? [], soql);
  const where = compileWhere(env, def, alias, sub.where, soql, (s) => semiJoin(env, s, soql));
  const order = sub.orderBy ? compileOrder(env, def, alias, sub.orderBy, soql) : undefined;
  return { kind: "children", name: rel.relationshipName, plan: { rel, def, nodes, where, order, limit: sub.limit } };
}

function compileOrder(
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
function sortRows(rows: readonly SfRecord[], order: RowOrder, needed?: number): SfRecord[] {
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

function attributes(env: QueryEnv, object: string, id: SfValue): { type: string; url: string } {
  return { type: object, url: `/services/data/v${env.version}/sobjects/${object}/${String(id)}` };
}

function shape(env: QueryEnv, object: string, rec: SfRecord, nodes: readonly OutputNode[]): ShapedRecord {
  const out: ShapedRecord = { attributes: attributes(env, object, rec.Id ?? null) };
  for (const node of nodes) {
    switch (node.kind) {
      case "field":
        out[node.name] = rec[node.name] ?? null;
        break;
      case "type":
        out.Type = object;
        break;
      case "parent": {
        const parent = followStep(env.org, env.access, rec, node.step);
        out[node.name] = parent ? shape(env, parent.object, parent.record, node.children) : null;
        break;
      }
      case "children":
        out[node.name] = shapeChildren(env, rec, node.plan);
        break;
    }
  }
  return out;
}

function shapeChildren(env: QueryEnv, parent: SfRecord, plan: ChildPlan): unknown {
  const { store } = env.org;
  let rows: SfRecord[] = [];
  for (const id of store.children(plan.def.name, plan.rel.field, String(parent.Id))) {
    const rec = store.get(plan.def.name, id);
    if (!rec || (rec.IsDeleted === true && !env.includeDeleted)) continue;
    if (!plan.where(rec) || !env.access.canRead(plan.def.name, rec)) continue;
    rows.push(rec);
  }
  if (plan.order) rows = sortRows(rows, plan.order, plan.limit);
  if (plan.limit !== undefined) rows = rows.slice(0, plan.limit);
  if (rows.length === 0) return null;
  return { totalSize: rows.length, done: true, records: rows.map((r) => shape(env, plan.def.name, r, plan.nodes)) };
}

function aggregateValue(
  env: QueryEnv,
  def: ObjectDef,
  alias: string | undefined,
  f: Extract<FieldType, { type: "FieldFunctionExpression" }>,
  rows: readonly SfRecord[],
  soql: string,
): SfValue {
  const fn = f.functionName.toUpperCase();
  const param = f.parameters[0];
  if (fn === "COUNT" && param === undefined) return rows.length;
  if (typeof param !== "string") throw queryError("MALFORMED_QUERY", soql, f.functionName, "unsupported aggregate");
  const path = resolvePath(env.org, def, pathParts(def, alias, param), soql);
  const values = rows.map((r) => readPath(env.org, env.access, r, path)).filter((v) => v !== null);
  switch (fn) {
    case "COUNT":
      return values.length;
    case "COUNT_DISTINCT":
      return new Set(values.map((v) => (typeof v === "string" ? v.toLowerCase() : v))).size;
    case "SUM":
    case "AVG": {
      const nums = values.filter((v): v is number => typeof v === "number");
      const sum = nums.reduce((a, b) => a + b, 0);
      return nums.length === 0 ? null : fn === "SUM" ? sum : sum / nums.length;
    }
    case "MIN":
    case "MAX": {
      let best: SfValue = null;
      for (const v of values) {
        if (best === null || (fn === "MIN" ? v < best : v > best)) best = v;
      }
      return best;
    }
    default:
      throw queryError("MALFORMED_QUERY", soql, f.functionName, `unsupported aggregate function ${fn}`);
  }
}

function aggregateRow(
  env: QueryEnv,
  def: ObjectDef,
  alias: string | undefined,
  fields: FieldType[],
  rows: readonly SfRecord[],
  soql: string,
): ShapedRecord {
  const out: ShapedRecord = { attributes: { type: "AggregateResult" } };
  let expr = 0;
  for (const f of fields) {
    if (f.type !== "FieldFunctionExpression") continue;
    out[f.alias ?? `expr${expr++}`] = aggregateValue(env, def, alias, f, rows, soql);
  }
  return out;
}

/** GROUP BY plain fields with aggregate functions; ORDER BY group fields or aliases; LIMIT/OFFSET on groups. */
function groupedQuery(
  env: QueryEnv,
  def: ObjectDef,
  alias: string | undefined,
  query: Query,
  rows: readonly SfRecord[],
  soql: string,
): QueryExecution {
  const clauses = Array.isArray(query.groupBy) ? query.groupBy : query.groupBy ? [query.groupBy] : [];
  const groupPaths = clauses.map((g) => {
    if (!("field" in g)) throw queryError("MALFORMED_QUERY", soql, "GROUP BY", "GROUP BY functions are not supported");
    const path = resolvePath(env.org, def, pathParts(def, alias, g.field), soql);
    if (!path.field.filterable) {
      throw queryError("INVALID_FIELD", soql, g.field, `field '${path.field.name}' can not be grouped in a query call`);
    }
    return path;
  });
  type Column = { key: string; group?: FieldPath; agg?: Extract<FieldType, { type: "FieldFunctionExpression" }> };
  const columns: Column[] = [];
  let expr = 0;
  for (const f of query.fields ?? []) {
    if (f.type === "FieldFunctionExpression") {
      columns.push({ key: f.alias ?? `expr${expr++}`, agg: f });
      continue;
    }
    if (f.type !== "Field" && f.type !== "FieldRelationship") {
      throw queryError("MALFORMED_QUERY", soql, "SELECT", "sub-queries cannot be grouped");
    }
    const raw = f.type === "Field" ? f.field : [...f.relationships, f.field].join(".");
    const path = resolvePath(env.org, def, pathParts(def, alias, raw), soql);
    const group = groupPaths.find((g) => g.canonical === path.canonical);
    if (!group)
      throw queryError("MALFORMED_QUERY", soql, raw, `Field must be grouped or aggregated: ${path.field.name}`);
    const key = "alias" in f && typeof f.alias === "string" ? f.alias : path.field.name;
    columns.push({ key, group });
  }
  const groups = new Map<string, SfRecord[]>();
  const firstValues = new Map<string, SfValue[]>();
  for (const r of rows) {
    const values = groupPaths.map((g) => readPath(env.org, env.access, r, g));
    const key = JSON.stringify(values.map((v) => (typeof v === "string" ? v.toLowerCase() : v)));
    let list = groups.get(key);
    if (!list) {
      list = [];
      groups.set(key, list);
      firstValues.set(key, values);
    }
    list.push(r);
  }
  let out: ShapedRecord[] = [...groups].map(([key, members]) => {
    const values = firstValues.get(key) ?? [];
    const row: ShapedRecord = { attributes: { type: "AggregateResult" } };
    for (const c of columns) {
      row[c.key] = c.agg
        ? aggregateValue(env, def, alias, c.agg, members, soql)
        : (values[groupPaths.indexOf(c.group as FieldPath)] ?? null);
    }
    return row;
  });
  if (query.orderBy) {
    const orders = (Array.isArray(query.orderBy) ? query.orderBy : [query.orderBy]).map((o) => {
      const name = "field" in o ? o.field : (o.fn.alias ?? o.fn.rawValue ?? "");
      const column = columns.find(
        (c) =>
          c.key.toLowerCase() === name.toLowerCase() ||
          c.group?.canonical.toLowerCase() === name.toLowerCase() ||
          c.agg?.rawValue?.replace(/\s/g, "").toLowerCase() === name.replace(/\s/g, "").toLowerCase(),
      );
      if (!column)
        throw queryError("MALFORMED_QUERY", soql, name, `ORDER BY must use a grouped or aggregated field: ${name}`);
      const desc = o.order === "DESC";
      return { key: column.key, desc, nullsFirst: o.nulls ? o.nulls === "FIRST" : !desc };
    });
    out = out.slice().sort((a, b) => {
      for (const o of orders) {
        const x = (a[o.key] ?? null) as SfValue;
        const y = (b[o.key] ?? null) as SfValue;
        if (x === y) continue;
        if (x === null) return o.nullsFirst ? -1 : 1;
        if (y === null) return o.nullsFirst ? 1 : -1;
        const xx = typeof x === "string" ? x.toLowerCase() : x;
        const yy = typeof y === "string" ? y.toLowerCase() : y;
        const cmp = xx < yy ? -1 : xx > yy ? 1 : 0;
        if (cmp !== 0) return o.desc ? -cmp : cmp;
      }
      return 0;
    });
  }
  const offset = query.offset ?? 0;
  out = out.slice(offset, query.limit !== undefined ? offset + query.limit : undefined);
  return { totalSize: out.length, rowCount: out.length, page: (from, to) => out.slice(from, to) };
}
