/**
 * SOQL aggregates: COUNT(field), COUNT_DISTINCT, SUM, AVG, MIN and MAX over the matching rows,
 * alone (one AggregateResult row) or with GROUP BY plain fields, ordered by group fields or
 * aliases, with LIMIT and OFFSET applied to the groups.
 *
 * Invariants: nulls are ignored by every aggregate but COUNT(); groups compare text
 * case-insensitively and keep the first row's spelling; unnamed aggregates are `expr0`, `expr1`…
 * in SELECT order.
 */
import type { FieldType, Query } from "@jetstreamapp/soql-parser-js";
import type { ObjectDef } from "../schema/schema-types.js";
import type { SfRecord, SfValue } from "../store/org-store.js";
import { type FieldPath, readPath, resolvePath } from "./field-path.js";
import type { QueryEnv } from "./query-env.js";
import type { QueryExecution, ShapedRecord } from "./query-execution.js";
import { queryError } from "./soql-errors.js";
import { pathParts } from "./where.js";

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

/** The single AggregateResult row of a SELECT of aggregates without GROUP BY. */
export function aggregateRow(
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
export function groupedQuery(
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
