/**
 * Compiles a SOQL WHERE clause (the parser's right-leaning list with parenthesis counts) into a
 * predicate over stored records: comparison operators, LIKE, IN / NOT IN with literal lists or
 * semi-join sub-queries, AND / OR / NOT and parentheses, null, booleans, numbers, strings with
 * escapes, date and datetime literals, and date literals (reference §2.11, §6.1).
 *
 * Invariants: text comparisons are case-insensitive; ids compare in canonical 18-character
 * form; a filter on a non-filterable field (long text) fails with INVALID_FIELD; a literal of
 * the wrong type for its field fails as Salesforce fails it.
 */
import type {
  ConditionWithValueQuery,
  Query,
  ValueCondition,
  ValueQueryCondition,
  WhereClause,
} from "@jetstreamapp/soql-parser-js";
import { readSalesforceId } from "../ids/salesforce-id.js";
import { isIdField, isNumberField, isTextField } from "../schema/objects.js";
import type { FieldDef, ObjectDef } from "../schema/schema-types.js";
import type { SfRecord, SfValue } from "../store/org-store.js";
import { formatDate, formatDateTime, parseDate, parseDateTime } from "../util/time.js";
import { dateLiteralRange } from "./date-literals.js";
import { type FieldPath, readPath, resolvePath } from "./field-path.js";
import type { QueryEnv } from "./query-env.js";
import { queryError } from "./soql-errors.js";

/** A compiled filter. */
export type Predicate = (record: SfRecord) => boolean;

/** Runs a semi-join sub-query and answers the ids it selects. */
export type SemiJoinRunner = (query: Query) => ReadonlySet<string>;

type Token = "(" | ")" | "AND" | "OR" | "NOT" | { readonly cond: ConditionWithValueQuery };

function flatten(where: WhereClause): Token[] {
  const out: Token[] = [];
  let node: WhereClause | undefined = where;
  while (node) {
    const left = node.left as unknown;
    const operator = "operator" in node ? node.operator : undefined;
    if (left === null) {
      out.push("NOT");
    } else if (typeof left === "object" && left !== null && ("field" in left || "fn" in left)) {
      const cond = left as ConditionWithValueQuery;
      for (let i = 0; i < (cond.openParen ?? 0); i++) out.push("(");
      out.push({ cond });
      const close = (cond as { closeParen?: number }).closeParen ?? 0;
      for (let i = 0; i < close; i++) out.push(")");
      if (operator === "AND" || operator === "OR") out.push(operator);
    } else {
      const open = (left as { openParen?: number }).openParen ?? 0;
      for (let i = 0; i < open; i++) out.push("(");
      out.push("NOT");
    }
    node = "right" in node ? node.right : undefined;
  }
  return out;
}

/** Splits a WHERE/ORDER BY field into path parts, dropping an object-name or alias prefix. */
export function pathParts(def: ObjectDef, alias: string | undefined, field: string): string[] {
  const parts = field.split(".");
  const first = parts[0]?.toLowerCase();
  if (
    parts.length > 1 &&
    (first === def.name.toLowerCase() || (alias && first === alias.toLowerCase())) &&
    !def.relationshipsByLower.has(first ?? "")
  ) {
    parts.shift();
  }
  return parts;
}

/** Compiles the WHERE clause of a query on `def`. */
export function compileWhere(
  env: QueryEnv,
  def: ObjectDef,
  alias: string | undefined,
  where: WhereClause | undefined,
  soql: string,
  semiJoin: SemiJoinRunner,
): Predicate {
  if (!where) return () => true;
  const tokens = flatten(where);
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const malformed = (): Error => queryError("MALFORMED_QUERY", soql, "WHERE", "unexpected token in WHERE clause");

  const parseOr = (): Predicate => {
    let left = parseAnd();
    while (peek() === "OR") {
      pos++;
      const a = left;
      const b = parseAnd();
      left = (r) => a(r) || b(r);
    }
    return left;
  };
  const parseAnd = (): Predicate => {
    let left = parseUnary();
    while (peek() === "AND") {
      pos++;
      const a = left;
      const b = parseUnary();
      left = (r) => a(r) && b(r);
    }
    return left;
  };
  const parseUnary = (): Predicate => {
    const t = peek();
    if (t === "NOT") {
      pos++;
      const inner = parseUnary();
      return (r) => !inner(r);
    }
    if (t === "(") {
      pos++;
      const inner = parseOr();
      if (peek() !== ")") throw malformed();
      pos++;
      return inner;
    }
    if (t && typeof t === "object") {
      pos++;
      return compileCondition(env, def, alias, t.cond, soql, semiJoin);
    }
    throw malformed();
  };
  const predicate = parseOr();
  if (pos !== tokens.length) throw malformed();
  return predicate;
}

function typeName(f: FieldDef): string {
  if (f.type === "datetime") return "dateTime";
  if (isNumberField(f)) return f.type === "int" ? "integer" : "double";
  if (isTextField(f)) return "string";
  return f.type;
}

function wrongType(soql: string, f: FieldDef): Error {
  const text =
    isTextField(f) || isIdField(f)
      ? `value of filter criterion for field '${f.name}' must be of type ${typeName(f)} and should be enclosed in quotes`
      : `value of filter criterion for field '${f.name}' must be of type ${typeName(f)} and should not be enclosed in quotes`;
  return queryError("INVALID_FIELD", soql, f.name, text);
}

/** Removes the quotes of a SOQL string literal and resolves its escapes (LIKE escapes kept). */
export function unquote(literal: string, keepLikeEscapes = false): string {
  const inner = literal.startsWith("'") && literal.endsWith("'") ? literal.slice(1, -1) : literal;
  return inner.replace(/\\(.)/g, (_m, ch: string) => {
    switch (ch) {
      case "n":
        return "\n";
      case "t":
        return "\t";
      case "r":
        return "\r";
      case "b":
        return "\b";
      case "f":
        return "\f";
      case "%":
      case "_":
        return keepLikeEscapes ? `\\${ch}` : ch;
      default:
        return ch;
    }
  });
}

type Comparable = string | number | boolean | null;
type Literal =
  | { readonly kind: "value"; readonly value: Comparable }
  | { readonly kind: "range"; readonly start: string; readonly end: string };

function literalFor(env: QueryEnv, soql: string, f: FieldDef, raw: string, type: string): Literal {
  if (type === "NULL") return { kind: "value", value: null };
  if (type === "DATE_LITERAL" || type === "DATE_N_LITERAL") {
    if (f.type !== "date" && f.type !== "datetime") {
      throw queryError("INVALID_FIELD", soql, f.name, `Invalid date literal for field '${f.name}': ${raw}`);
    }
    const range = dateLiteralRange(raw, env.nowMs);
    if (!range) throw queryError("MALFORMED_QUERY", soql, raw, `unexpected token: '${raw}'`);
    const fmt = f.type === "date" ? formatDate : formatDateTime;
    return { kind: "range", start: fmt(range.start), end: fmt(range.end) };
  }
  if (isIdField(f)) {
    if (type !== "STRING") throw wrongType(soql, f);
    const text = unquote(raw);
    const id = readSalesforceId(text);
    if (!id) throw queryError("INVALID_QUERY_FILTER_OPERATOR", soql, raw, `invalid ID field: ${text}`);
    return { kind: "value", value: id };
  }
  if (isTextField(f)) {
    if (type !== "STRING") throw wrongType(soql, f);
    return { kind: "value", value: unquote(raw).toLowerCase() };
  }
  if (type === "STRING") throw wrongType(soql, f);
  switch (f.type) {
    case "boolean":
      if (type !== "BOOLEAN") throw wrongType(soql, f);
      return { kind: "value", value: raw.toUpperCase() === "TRUE" };
    case "date": {
      const ms = type === "DATE" ? parseDate(raw) : undefined;
      if (ms === undefined) throw wrongType(soql, f);
      return { kind: "value", value: formatDate(ms) };
    }
    case "datetime": {
      const ms = type === "DATETIME" ? parseDateTime(raw) : undefined;
      if (ms === undefined) throw wrongType(soql, f);
      return { kind: "value", value: formatDateTime(ms) };
    }
    default: {
      if (!["INTEGER", "DECIMAL", "INTEGER_WITH_CURRENCY_PREFIX", "DECIMAL_WITH_CURRENCY_PREFIX"].includes(type)) {
        throw wrongType(soql, f);
      }
      const n = Number(raw.replace(/^[A-Z]{3}/, ""));
      if (!Number.isFinite(n)) throw wrongType(soql, f);
      return { kind: "value", value: n };
    }
  }
}

function recordValue(f: FieldDef, v: SfValue): Comparable {
  if (v === null) return null;
  if (isTextField(f) && typeof v === "string") return v.toLowerCase();
  return v;
}

function likeRegex(pattern: string): RegExp {
  let re = "^";
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern.charAt(i);
    if (ch === "\\" && i + 1 < pattern.length) {
      re += pattern.charAt(i + 1).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      i++;
    } else if (ch === "%") re += "[\\s\\S]*";
    else if (ch === "_") re += "[\\s\\S]";
    else re += ch.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`${re}$`, "i");
}

function compileCondition(
  env: QueryEnv,
  def: ObjectDef,
  alias: string | undefined,
  cond: ConditionWithValueQuery,
  soql: string,
  semiJoin: SemiJoinRunner,
): Predicate {
  if (!("field" in cond)) {
    throw queryError("MALFORMED_QUERY", soql, "WHERE", "functions in WHERE are not supported by the emulator");
  }
  const path: FieldPath = resolvePath(env.org, def, pathParts(def, alias, cond.field), soql);
  const f = path.field;
  if (!f.filterable) {
    throw queryError("INVALID_FIELD", soql, cond.field, `field '${f.name}' can not be filtered in query call`);
  }
  const read =
    path.steps.length === 0
      ? (r: SfRecord) => r[f.name] ?? null
      : (r: SfRecord) => readPath(env.org, env.access, r, path);
  const op = cond.operator;

  if ("valueQuery" in cond && (cond as ValueQueryCondition).valueQuery) {
    if (op !== "IN" && op !== "NOT IN") throw queryError("MALFORMED_QUERY", soql, op, `unexpected token: ${op}`);
    if (!isIdField(f)) {
      throw queryError(
        "INVALID_FIELD",
        soql,
        cond.field,
        `Semi join sub-selects are only allowed on ID fields: ${f.name}`,
      );
    }
    const ids = semiJoin((cond as ValueQueryCondition).valueQuery);
    return op === "IN" ? (r) => ids.has(String(read(r))) : (r) => !ids.has(String(read(r)));
  }

  const vc = cond as ValueCondition;
  const types = Array.isArray(vc.literalType) ? vc.literalType : [vc.literalType ?? "STRING"];
  if (op === "IN" || op === "NOT IN") {
    const raws = Array.isArray(vc.value) ? vc.value : [vc.value];
    const literals = raws.map((raw, i) => literalFor(env, soql, f, raw, types[i] ?? types[0] ?? "STRING"));
    const set = new Set<Comparable>(literals.map((l) => (l.kind === "value" ? l.value : null)));
    const hasNull = set.has(null);
    return op === "IN"
      ? (r) => {
          const v = recordValue(f, read(r));
          return v === null ? hasNull : set.has(v);
        }
      : (r) => {
          const v = recordValue(f, read(r));
          return v === null ? !hasNull : !set.has(v);
        };
  }
  if (op === "INCLUDES" || op === "EXCLUDES") {
    throw queryError("INVALID_FIELD", soql, op, `${op} operator is only valid on multi-select picklist fields`);
  }
  const raw = Array.isArray(vc.value) ? (vc.value[0] ?? "") : vc.value;
  if (op === "LIKE") {
    if (!isTextField(f) || types[0] !== "STRING") {
      throw queryError("INVALID_FIELD", soql, cond.field, `invalid operator on id field`);
    }
    const re = likeRegex(unquote(raw, true));
    return (r) => {
      const v = read(r);
      return typeof v === "string" && re.test(v);
    };
  }
  const lit = literalFor(env, soql, f, raw, types[0] ?? "STRING");
  if (lit.kind === "range") {
    const { start, end } = lit;
    const inRange = (v: Comparable): boolean => typeof v === "string" && v >= start && v < end;
    switch (op) {
      case "=":
        return (r) => inRange(read(r) as Comparable);
      case "!=":
        return (r) => !inRange(read(r) as Comparable);
      case "<":
        return (r) => compareDefined(read(r), (v) => v < start);
      case "<=":
        return (r) => compareDefined(read(r), (v) => v < end);
      case ">":
        return (r) => compareDefined(read(r), (v) => v >= end);
      case ">=":
        return (r) => compareDefined(read(r), (v) => v >= start);
      default:
        throw queryError("MALFORMED_QUERY", soql, op, `unexpected token: ${op}`);
    }
  }
  const target = lit.value;
  if (target === null) {
    if (op === "=") return (r) => read(r) === null;
    if (op === "!=") return (r) => read(r) !== null;
    throw queryError("MALFORMED_QUERY", soql, op, "null may only be used with = or !=");
  }
  if (f.type === "boolean" && op !== "=" && op !== "!=") {
    throw queryError("INVALID_FIELD", soql, cond.field, `invalid operator on boolean field: ${op}`);
  }
  switch (op) {
    case "=":
      return (r) => recordValue(f, read(r)) === target;
    case "!=":
      return (r) => recordValue(f, read(r)) !== target;
    case "<":
      return (r) => compareDefined(recordValue(f, read(r)), (v) => v < target);
    case "<=":
      return (r) => compareDefined(recordValue(f, read(r)), (v) => v <= target);
    case ">":
      return (r) => compareDefined(recordValue(f, read(r)), (v) => v > target);
    case ">=":
      return (r) => compareDefined(recordValue(f, read(r)), (v) => v >= target);
    default:
      throw queryError("MALFORMED_QUERY", soql, op, `unexpected token: ${op}`);
  }
}

function compareDefined(v: Comparable | SfValue, test: (v: string | number | boolean) => boolean): boolean {
  return v !== null && test(v);
}

/** Ids that bound the rows a WHERE clause can match, read from an indexable condition. */
export interface CandidateIds {
  /** `Id` or a reference field with a reverse index. */
  readonly field: string;
  readonly ids: readonly string[];
}

/**
 * Finds a top-level `Id`/reference `=` or `IN` condition in a WHERE clause made only of AND-ed
 * conditions, so the caller can read candidates from an index instead of scanning the table.
 * Answers `undefined` when no such bound exists (the predicate must still be applied).
 */
export function indexableCondition(
  def: ObjectDef,
  alias: string | undefined,
  where: WhereClause | undefined,
): CandidateIds | undefined {
  let node: WhereClause | undefined = where;
  let found: CandidateIds | undefined;
  while (node) {
    const left = node.left as unknown;
    const operator = "operator" in node ? node.operator : undefined;
    if (left === null || typeof left !== "object" || (operator !== undefined && operator !== "AND")) return undefined;
    const cond = left as ValueCondition & { openParen?: number; closeParen?: number; valueQuery?: unknown };
    if ((cond.openParen ?? 0) > 0 || (cond.closeParen ?? 0) > 0 || !("field" in cond)) return undefined;
    if (!found && cond.valueQuery === undefined && (cond.operator === "=" || cond.operator === "IN")) {
      const parts = pathParts(def, alias, cond.field);
      const f = parts.length === 1 ? def.fieldsByLower.get((parts[0] ?? "").toLowerCase()) : undefined;
      const types = Array.isArray(cond.literalType) ? cond.literalType : [cond.literalType];
      if (f && isIdField(f) && types.every((t) => t === "STRING")) {
        const raws = Array.isArray(cond.value) ? cond.value : [cond.value];
        const ids = raws.map((r) => readSalesforceId(unquote(r)));
        if (ids.every((id): id is string => id !== undefined)) found = { field: f.name, ids };
      }
    }
    node = "right" in node ? node.right : undefined;
  }
  return found;
}
