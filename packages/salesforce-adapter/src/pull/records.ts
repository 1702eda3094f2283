/**
 * The fields the adapter selects per object and the conversion of query rows into the
 * engine's record shapes (docs/protocol.md): `attributes` dropped, 18-character ids, datetimes as
 * ISO 8601 UTC (`…Z`), dates `YYYY-MM-DD`, and `null` for no value.
 *
 * Both are derived from the engine's field tables (`model/record-shapes.ts`): a field list is a
 * shape's API names plus SystemModstamp (every pull keeps a watermark), and a row reader reads
 * each field by its kind.
 *
 * Invariant: every record returned has exactly the fields of its `model/records.ts` type.
 */
import {
  ACCOUNT_SHAPE,
  ACTIVITY_SHAPE,
  type AccountRecord,
  type ActivityRecord,
  CONTACT_ROLE_SHAPE,
  CONTACT_SHAPE,
  type ContactRecord,
  type ContactRoleRecord,
  type FieldKind,
  OPPORTUNITY_SHAPE,
  type OpportunityRecord,
  type RecordShape,
  readSalesforceId,
  type SalesforceId,
  type ShapeRecord,
  shapeFields,
} from "@tandem/engine";

type Row = Readonly<Record<string, unknown>>;

/** A row that could not be read as its record type (a server bug or an unexpected shape). */
export class UnexpectedRowError extends Error {
  override readonly name = "UnexpectedRowError";
}

function str(row: Row, field: string): string | null {
  const v = row[field];
  return typeof v === "string" ? v : null;
}

function num(row: Row, field: string): number | null {
  const v = row[field];
  return typeof v === "number" ? v : null;
}

/** `read`, for a field that must have a value. */
function required<T>(read: (row: Row, field: string) => T | null): (row: Row, field: string) => T {
  return (row, field) => {
    const v = read(row, field);
    if (v === null) throw new UnexpectedRowError(`row lacks ${field}`);
    return v;
  };
}

const requiredStr = required(str);
const requiredNum = required(num);

/** A Salesforce id field as an 18-character id, or null. */
export function idOrNull(row: Row, field: string): SalesforceId | null {
  const v = str(row, field);
  return v === null || v === "" ? null : readSalesforceId(v);
}

function id(row: Row, field: string): SalesforceId {
  return readSalesforceId(requiredStr(row, field));
}

/** A Salesforce datetime (`2026-11-26T10:00:00.000+0000`) as ISO 8601 UTC (`…Z`). */
export function isoDateTime(value: string): string {
  const normalized = value.replace(/([+-]\d{2})(\d{2})$/, "$1:$2");
  const ms = Date.parse(normalized);
  if (Number.isNaN(ms)) throw new UnexpectedRowError(`not a datetime: ${value}`);
  return new Date(ms).toISOString();
}

function dateTimeOrNull(row: Row, field: string): string | null {
  const v = str(row, field);
  return v === null ? null : isoDateTime(v);
}

/** The row's SystemModstamp as ISO 8601 UTC. */
export function modstampOf(row: Row): string {
  return isoDateTime(requiredStr(row, "SystemModstamp"));
}

type Reader = (row: Row, field: string) => unknown;

/**
 * How a field of each kind is read, when it must have a value and when it may be `null`.
 * A checkbox is `true` only when the row says so; dates arrive as `YYYY-MM-DD` already.
 */
const READERS: Readonly<
  Record<Exclude<FieldKind, "sobject">, { readonly required: Reader; readonly nullable: Reader }>
> = {
  id: { required: id, nullable: idOrNull },
  text: { required: requiredStr, nullable: str },
  number: { required: requiredNum, nullable: num },
  boolean: {
    required: (row, field) => row[field] === true,
    nullable: (row, field) => (typeof row[field] === "boolean" ? row[field] : null),
  },
  date: { required: requiredStr, nullable: str },
  datetime: { required: (row, field) => isoDateTime(requiredStr(row, field)), nullable: dateTimeOrNull },
};

/**
 * The SOQL field list for rows of `sobject` that become `shape` records: the API names of the
 * fields `sobject` has, in storage order, then SystemModstamp when the record does not store it.
 *
 * @example
 * ```ts
 * selectFields(ACCOUNT_SHAPE, "Account"); // ["Id", "Name", "SystemModstamp"]
 * ```
 */
export function selectFields(shape: RecordShape, sobject: string): ReadonlyArray<string> {
  const names = shapeFields(shape, sobject).flatMap((field) =>
    field.present && field.apiName !== null ? [field.apiName] : [],
  );
  return names.includes("SystemModstamp") ? names : [...names, "SystemModstamp"];
}

/**
 * A function turning a query row of `sobject` into a `shape` record.
 *
 * @remarks Throws {@link UnexpectedRowError} when a field that must have a value lacks one;
 * fields `sobject` does not have are `null`, so are the `hidden` ones (API names the user
 * cannot read, never selected), and a `sobject` field holds the object's name.
 * @example
 * ```ts
 * const toAccount = createRowReader(ACCOUNT_SHAPE, "Account");
 * toAccount({ attributes: {…}, Id: "001…", Name: "Acme", SystemModstamp: "…" }); // { Id, Name }
 * ```
 */
export function createRowReader<const S extends RecordShape>(
  shape: S,
  sobject: S["sobjects"][number],
  hidden: ReadonlySet<string> = new Set(),
): (row: Row) => ShapeRecord<S> {
  const steps = shapeFields(shape, sobject).map((field): readonly [string, (row: Row) => unknown] => {
    if (field.kind === "sobject") return [field.property, () => sobject];
    const apiName = field.apiName;
    // A field the user cannot read is not selected, and reads `null` (the port contract).
    if (!field.present || apiName === null || hidden.has(apiName)) return [field.property, () => null];
    const read = READERS[field.kind][field.nullable ? "nullable" : "required"];
    return [field.property, (row) => read(row, apiName)];
  });
  return (row) => {
    const record: Record<string, unknown> = {};
    for (const [property, read] of steps) record[property] = read(row);
    // Exactly the shape's properties, each read as its kind decodes: ShapeRecord<S>, which
    // TypeScript cannot follow through the loop.
    return record as ShapeRecord<S>;
  };
}

export const OPPORTUNITY_FIELDS = selectFields(OPPORTUNITY_SHAPE, "Opportunity");
export const ACCOUNT_FIELDS = selectFields(ACCOUNT_SHAPE, "Account");
export const CONTACT_FIELDS = selectFields(CONTACT_SHAPE, "Contact");
export const CONTACT_ROLE_FIELDS = selectFields(CONTACT_ROLE_SHAPE, "OpportunityContactRole");
export const TASK_FIELDS = selectFields(ACTIVITY_SHAPE, "Task");
export const EVENT_FIELDS = selectFields(ACTIVITY_SHAPE, "Event");

export const toOpportunity: (row: Row) => OpportunityRecord = createRowReader(OPPORTUNITY_SHAPE, "Opportunity");
export const toAccount: (row: Row) => AccountRecord = createRowReader(ACCOUNT_SHAPE, "Account");
export const toContact: (row: Row) => ContactRecord = createRowReader(CONTACT_SHAPE, "Contact");
export const toContactRole: (row: Row) => ContactRoleRecord = createRowReader(
  CONTACT_ROLE_SHAPE,
  "OpportunityContactRole",
);
export const toTask: (row: Row) => ActivityRecord = createRowReader(ACTIVITY_SHAPE, "Task");
export const toEvent: (row: Row) => ActivityRecord = createRowReader(ACTIVITY_SHAPE, "Event");
