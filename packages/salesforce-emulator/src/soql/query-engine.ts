/**
 * Runs SOQL through `@jetstreamapp/soql-parser-js`: resolves the select list (fields, parent
 * paths, child sub-queries, COUNT() and simple aggregates), the WHERE predicate, ORDER BY with
 * NULLS FIRST/LAST, LIMIT and OFFSET, under the user's sharing, and shapes rows exactly as the
 * REST API does (reference §2.1, §2.2). Ordering is `row-order.ts`; aggregates and GROUP BY are
 * `aggregates.ts`.
 *
 * Invariants: the matching rows are computed once per execution into a list (the cursor that
 * queryMore pages through); shaping a row happens per page; output keys are canonical names in
 * SELECT order; an empty child sub-query is `null`; a missing or invisible parent is `null`.
 */
import {
  type FieldSubquery,
  type FieldType,
  parseQuery,
  type Query,
  type Subquery,
} from "@jetstreamapp/soql-parser-js";
import type { ChildRelationship, FieldDef, ObjectDef } from "../schema/schema-types.js";
import type { SfRecord, SfValue } from "../store/org-store.js";
import { aggregateRow, groupedQuery } from "./aggregates.js";
import { type FieldPath, followStep, type PathStep, readPath, resolvePath } from "./field-path.js";
import type { QueryEnv } from "./query-env.js";
import type { QueryExecution, ShapedRecord } from "./query-execution.js";
import { compileOrder, type RowOrder, sortRows } from "./row-order.js";
import { queryError, unknownObject } from "./soql-errors.js";
import { type CandidateIds, compileWhere, indexableCondition, type Predicate, pathParts } from "./where.js";

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
