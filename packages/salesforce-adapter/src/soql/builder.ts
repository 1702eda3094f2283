/**
 * SOQL statements built from typed parts: field lists, conditions made only of escaped
 * literals, and `IN (…)` lists split so every request URL stays well under Salesforce's
 * 16,384-byte URI limit.
 *
 * Invariant: no caller value reaches a statement except through `literal.ts` or
 * {@link soqlId}, which accepts only well-formed Salesforce ids.
 */

const ID_PATTERN = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;

/** Thrown when a value that must be a Salesforce id is not one (a bug in the caller). */
export class InvalidSoqlIdError extends Error {
  override readonly name = "InvalidSoqlIdError";
}

/**
 * Quotes a Salesforce id as a SOQL literal after checking its shape.
 *
 * @remarks Ids are 15 or 18 alphanumeric characters; anything else is rejected, so an id
 * list can never carry SOQL.
 * @example
 * ```ts
 * soqlId("0056s000001AbCdAAK"); // "'0056s000001AbCdAAK'"
 * ```
 */
export function soqlId(id: string): string {
  if (!ID_PATTERN.test(id)) throw new InvalidSoqlIdError(`not a Salesforce id: ${JSON.stringify(id)}`);
  return `'${id}'`;
}

/** The parts of a SELECT statement. */
export interface SelectParts {
  readonly fields: ReadonlyArray<string>;
  readonly from: string;
  /** Conditions joined with AND; each is already built from literals. */
  readonly where?: ReadonlyArray<string> | undefined;
  readonly orderBy?: string | undefined;
  readonly limit?: number | undefined;
}

/**
 * Renders a SELECT statement.
 *
 * @example
 * ```ts
 * select({ fields: ["Id"], from: "Task", where: [inList("WhoId", ids, soqlId)] });
 * ```
 */
export function select(parts: SelectParts): string {
  let soql = `SELECT ${parts.fields.join(", ")} FROM ${parts.from}`;
  const where = parts.where ?? [];
  if (where.length > 0) soql += ` WHERE ${where.map((c) => (where.length > 1 ? `(${c})` : c)).join(" AND ")}`;
  if (parts.orderBy !== undefined) soql += ` ORDER BY ${parts.orderBy}`;
  if (parts.limit !== undefined) soql += ` LIMIT ${Math.trunc(parts.limit)}`;
  return soql;
}

/** `field IN ('a', 'b')` from values rendered by `render` (an escaping function). */
export function inList(field: string, values: ReadonlyArray<string>, render: (value: string) => string): string {
  return `${field} IN (${values.map(render).join(", ")})`;
}

/** The length of `text` once percent-encoded into a query string, as jsforce sends it. */
export function encodedLength(text: string): number {
  return encodeURIComponent(text).length;
}

/** Options of {@link chunkByUrlLength}. */
export interface ChunkOptions {
  /** Encoded length of everything in the request URL except the list (base URL, the rest of the statement). */
  readonly fixedLength: number;
  /** Upper bound for the whole URL. Default 8,000: half of Salesforce's 16,384-byte limit. */
  readonly maxUrlLength?: number | undefined;
  /** Upper bound of values per chunk, whatever their length. Default 800. */
  readonly maxItems?: number | undefined;
}

/** Default URL budget: half of Salesforce's 16,384-byte URI limit. */
export const DEFAULT_MAX_URL_LENGTH = 8_000;

/**
 * Splits `values` into chunks whose rendered `IN (…)` list keeps the request URL under the
 * budget.
 *
 * @remarks Each chunk is non-empty; the order of values is kept; a single value longer than
 * the budget still gets a chunk of its own (the server rejects it, rather than it vanishing).
 * @example
 * ```ts
 * chunkByUrlLength(ids, soqlId, { fixedLength: 300 }); // [[…], […]]
 * ```
 */
export function chunkByUrlLength(
  values: ReadonlyArray<string>,
  render: (value: string) => string,
  options: ChunkOptions,
): ReadonlyArray<ReadonlyArray<string>> {
  const max = options.maxUrlLength ?? DEFAULT_MAX_URL_LENGTH;
  const maxItems = options.maxItems ?? 800;
  const separator = encodedLength(", ");
  const chunks: string[][] = [];
  let current: string[] = [];
  let length = options.fixedLength;
  for (const value of values) {
    const itemLength = encodedLength(render(value)) + (current.length > 0 ? separator : 0);
    if (current.length > 0 && (length + itemLength > max || current.length >= maxItems)) {
      chunks.push(current);
      current = [];
      length = options.fixedLength;
    }
    length += encodedLength(render(value)) + (current.length > 0 ? separator : 0);
    current.push(value);
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * Builds one statement per chunk of `values`, each URL under the budget.
 *
 * @remarks `build` receives the rendered `IN (…)` condition for one chunk and returns the
 * whole statement; the budget accounts for everything else in the statement and `baseUrl`.
 */
export function chunkedStatements(
  values: ReadonlyArray<string>,
  field: string,
  render: (value: string) => string,
  build: (condition: string) => string,
  options: { readonly baseUrlLength: number; readonly maxUrlLength?: number | undefined },
): ReadonlyArray<string> {
  if (values.length === 0) return [];
  const empty = build(`${field} IN ()`);
  const fixedLength = options.baseUrlLength + encodedLength(empty);
  return chunkByUrlLength(values, render, { fixedLength, maxUrlLength: options.maxUrlLength }).map((chunk) =>
    build(inList(field, chunk, render)),
  );
}
