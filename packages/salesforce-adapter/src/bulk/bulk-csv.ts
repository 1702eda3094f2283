/**
 * Salesforce's Bulk API 2.0 query results (CSV, RFC 4180) read into rows shaped like the REST
 * query API's records, so the row readers of `pull/records.ts` accept them unchanged.
 *
 * The CSV carries text only: an empty value is `null` (Salesforce writes nulls and empty text
 * alike, and stores no empty text), and each column's {@link BulkColumnType} says how the rest
 * is read back: booleans, numbers, dates, and datetimes in the REST form
 * (`2026-11-26T10:00:00.000+0000`). A dotted column (`Account.Name`) becomes a nested object
 * (`Account: { Name }`), and `Account: null` when every column under it is empty — as REST
 * returns a relationship that points nowhere.
 *
 * Invariants: pure; no row is dropped or invented (a record with the wrong number of fields,
 * an unterminated quote, a value that is not of its column's type is a {@link BulkCsvError}
 * naming where); rows carry no `attributes` (the readers never need them); a column the caller
 * did not type reads as text.
 */

/** How the text of one results column is read back. */
export type BulkColumnType = "string" | "boolean" | "number" | "date" | "datetime";

/** Each SELECT path's type (`{ Id: "string", Amount: "number", "Account.Name": "string" }`). */
export type BulkColumns = Readonly<Record<string, BulkColumnType>>;

/** A results body that is not the CSV Salesforce sends, or a value not of its column's type. */
export class BulkCsvError extends Error {
  override readonly name = "BulkCsvError";
}

const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;

/** Reads one quoted field starting at `start` (its opening quote); returns the value and the index after it. */
function quotedField(text: string, start: number): readonly [string, number] {
  let value = "";
  let from = start + 1;
  for (;;) {
    const quote = text.indexOf('"', from);
    if (quote < 0) throw new BulkCsvError(`unterminated quoted field at offset ${start}`);
    if (text.charCodeAt(quote + 1) === QUOTE) {
      value += text.slice(from, quote + 1);
      from = quote + 2;
      continue;
    }
    return [value + text.slice(from, quote), quote + 1];
  }
}

/** Reads one unquoted field starting at `start`; returns the value and the index after it. */
function plainField(text: string, start: number): readonly [string, number] {
  let end = start;
  while (end < text.length) {
    const c = text.charCodeAt(end);
    if (c === COMMA || c === LF || c === CR) break;
    if (c === QUOTE) throw new BulkCsvError(`quote inside an unquoted field at offset ${end}`);
    end += 1;
  }
  return [text.slice(start, end), end];
}

/**
 * The records of an RFC 4180 CSV text (comma-separated, LF or CRLF line ends, the last one
 * optional), each as its list of field texts.
 *
 * @remarks Quoted fields may hold commas, quotes (`""`) and line breaks. An empty line is a
 * record of one empty field. Throws {@link BulkCsvError} on malformed input.
 * @example
 * ```ts
 * readCsvRecords('"Id","Name"\n"001","A, ""B"""\n'); // [["Id", "Name"], ["001", 'A, "B"']]
 * ```
 */
export function readCsvRecords(text: string): ReadonlyArray<ReadonlyArray<string>> {
  const records: string[][] = [];
  if (text.length === 0) return records;
  let record: string[] = [];
  let i = 0;
  for (;;) {
    const [value, next] = text.charCodeAt(i) === QUOTE ? quotedField(text, i) : plainField(text, i);
    record.push(value);
    i = next;
    if (i >= text.length) {
      records.push(record);
      return records;
    }
    const c = text.charCodeAt(i);
    if (c === COMMA) {
      i += 1;
      continue;
    }
    if (c === LF) i += 1;
    else if (c === CR && text.charCodeAt(i + 1) === LF) i += 2;
    else throw new BulkCsvError(`unexpected character after a field at offset ${i}`);
    records.push(record);
    record = [];
    if (i >= text.length) return records;
  }
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})$/;

/** A datetime as the REST API writes it: `2026-11-26T10:00:00.000+0000` (UTC, milliseconds). */
function restDateTime(text: string): string | undefined {
  if (!DATETIME.test(text)) return undefined;
  const ms = Date.parse(text.replace(/([+-]\d{2})(\d{2})$/, "$1:$2"));
  return Number.isNaN(ms) ? undefined : `${new Date(ms).toISOString().slice(0, 23)}+0000`;
}

/** The REST value of one CSV field of a column of `type`. */
function readValue(text: string, type: BulkColumnType, column: string): unknown {
  if (text === "") return null;
  switch (type) {
    case "string":
      return text;
    case "boolean": {
      const lower = text.toLowerCase();
      if (lower === "true") return true;
      if (lower === "false") return false;
      break;
    }
    case "number":
      if (NUMBER.test(text)) return Number(text);
      break;
    case "date":
      if (DATE.test(text)) return text;
      break;
    case "datetime": {
      const value = restDateTime(text);
      if (value !== undefined) return value;
      break;
    }
  }
  throw new BulkCsvError(`column ${column} holds ${JSON.stringify(text.slice(0, 40))}, not a ${type}`);
}

/** A node of the row shape: a column, or a relationship holding further nodes. */
type ShapeNode =
  | { readonly key: string; readonly column: number; readonly type: BulkColumnType; readonly path: string }
  | { readonly key: string; readonly children: ShapeNode[] };

function typeOf(columns: BulkColumns, lowerCased: ReadonlyMap<string, BulkColumnType>, path: string): BulkColumnType {
  return columns[path] ?? lowerCased.get(path.toLowerCase()) ?? "string";
}

/** The tree of nested keys the header's paths describe. */
function shapeOf(header: ReadonlyArray<string>, columns: BulkColumns): ShapeNode[] {
  const lowerCased = new Map(Object.entries(columns).map(([path, type]) => [path.toLowerCase(), type]));
  const root: ShapeNode[] = [];
  header.forEach((path, column) => {
    const parts = path.split(".");
    if (parts.some((part) => part === "")) throw new BulkCsvError(`column ${JSON.stringify(path)} is not a field path`);
    let level = root;
    parts.forEach((key, depth) => {
      const existing = level.find((node) => node.key === key);
      if (depth === parts.length - 1) {
        if (existing !== undefined) throw new BulkCsvError(`column ${path} appears twice`);
        level.push({ key, column, type: typeOf(columns, lowerCased, path), path });
        return;
      }
      if (existing !== undefined && !("children" in existing)) {
        throw new BulkCsvError(`column ${path} is under ${parts.slice(0, depth + 1).join(".")}, also a column`);
      }
      const branch = existing ?? { key, children: [] };
      if (existing === undefined) level.push(branch);
      level = (branch as { readonly children: ShapeNode[] }).children;
    });
  });
  return root;
}

/** The object `nodes` describe for one record, and whether every value in it is `null`. */
function build(
  nodes: ReadonlyArray<ShapeNode>,
  fields: ReadonlyArray<string>,
): readonly [Record<string, unknown>, boolean] {
  const out: Record<string, unknown> = {};
  let empty = true;
  for (const node of nodes) {
    if ("children" in node) {
      const [nested, nestedEmpty] = build(node.children, fields);
      out[node.key] = nestedEmpty ? null : nested;
      empty &&= nestedEmpty;
    } else {
      const value = readValue(fields[node.column] ?? "", node.type, node.path);
      out[node.key] = value;
      empty &&= value === null;
    }
  }
  return [out, empty];
}

/**
 * Parses a Bulk API 2.0 results page (its header row first) into REST-shaped rows.
 *
 * @remarks See the file header for the normalisation. Throws {@link BulkCsvError} on malformed
 * CSV, a record whose field count differs from the header's, or a value not of its column's
 * type. An empty text (or a header alone) is no rows.
 * @example
 * ```ts
 * parseBulkCsv('"Id","IsClosed","Account.Name"\n"006…","false",""\n', { IsClosed: "boolean" });
 * // [{ Id: "006…", IsClosed: false, Account: null }]
 * ```
 */
export function parseBulkCsv(text: string, columns: BulkColumns): ReadonlyArray<Record<string, unknown>> {
  const records = readCsvRecords(text);
  const header = records[0];
  if (header === undefined) return [];
  const shape = shapeOf(header, columns);
  const rows: Record<string, unknown>[] = [];
  for (let r = 1; r < records.length; r++) {
    const fields = records[r] ?? [];
    if (fields.length !== header.length) {
      throw new BulkCsvError(`record ${r} has ${fields.length} fields, the header ${header.length}`);
    }
    rows.push(build(shape, fields)[0]);
  }
  return rows;
}
