/**
 * What a pull selects of each configurable object and how its rows become records, given the
 * engine's `FieldSelection`: the shape's fields minus the `hidden` ones (never selected, they read
 * `null`), plus the `extra` fields, read into the record's `extra` with their values normalised
 * (numbers, booleans, text, dates `YYYY-MM-DD`, datetimes ISO 8601 UTC, `null`).
 *
 * Invariants: with no selection for an object its reading is exactly the shape's (no `extra`
 * key); no field is selected twice; only plain API names reach SOQL (others are dropped); `Id`
 * and `SystemModstamp` are always selected (every pull keys and watermarks by them).
 */
import {
  ACTIVITY_SHAPE,
  type ActivityRecord,
  CONTACT_SHAPE,
  type ConfigurableObject,
  type ContactRecord,
  type ExtraFields,
  type ExtraValue,
  type FieldSelection,
  type ObjectFieldSelection,
  OPPORTUNITY_SHAPE,
  type OpportunityRecord,
  type RecordShape,
  type ShapeRecord,
} from "@tandem/engine";
import { isFieldName } from "../push/idempotency.js";
import { createRowReader, isoDateTime, selectFields } from "./records.js";

type Row = Readonly<Record<string, unknown>>;

/** How rows of one object are selected and read. */
export interface ObjectReading<R> {
  /** The SOQL field list. */
  readonly fields: ReadonlyArray<string>;
  /** A row of those fields as a record. */
  readonly read: (row: Row) => R;
}

/** Fields every pull needs whatever the user's field-level security says of the rest. */
const ALWAYS_SELECTED = new Set(["id", "systemmodstamp"]);

const SALESFORCE_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})$/;

/**
 * An extra field's value as the book stores it.
 *
 * @remarks Salesforce sends numbers, booleans and strings; a datetime string
 * (`2026-11-26T10:00:00.000+0000`) becomes ISO 8601 UTC like every datetime the adapter
 * returns; a compound value (address, location) cannot be held and reads `null`.
 * @example
 * ```ts
 * extraValue("2026-11-26T10:00:00.000+0000"); // "2026-11-26T10:00:00.000Z"
 * extraValue(12.5); // 12.5
 * ```
 */
export function extraValue(value: unknown): ExtraValue {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "boolean") return value;
  if (typeof value === "string") return SALESFORCE_DATETIME.test(value) ? isoDateTime(value) : value;
  return null;
}

/** The selection's extra field names that can be selected: plain API names, each once. */
function extraNames(selection: ObjectFieldSelection): ReadonlyArray<string> {
  const seen = new Set<string>();
  const names: string[] = [];
  for (const name of selection.extra) {
    const key = name.toLowerCase();
    if (!isFieldName(name) || seen.has(key)) continue;
    seen.add(key);
    names.push(name);
  }
  return names;
}

/**
 * How rows of `sobject` become `shape` records under `selection`.
 *
 * @example
 * ```ts
 * const reading = createObjectReading(OPPORTUNITY_SHAPE, "Opportunity", { extra: ["NextStep"], hidden: [] });
 * reading.fields; // [...shape fields, "NextStep"]
 * reading.read(row).extra; // { NextStep: "Call back" }
 * ```
 */
export function createObjectReading<const S extends RecordShape>(
  shape: S,
  sobject: S["sobjects"][number],
  selection: ObjectFieldSelection | undefined,
): ObjectReading<ShapeRecord<S> & { readonly extra?: ExtraFields }> {
  const base = selectFields(shape, sobject);
  if (selection === undefined) return { fields: base, read: createRowReader(shape, sobject) };
  const hidden = new Set(selection.hidden.filter((name) => !ALWAYS_SELECTED.has(name.toLowerCase())));
  const shapeSelected = base.filter((name) => !hidden.has(name));
  const taken = new Set(shapeSelected.map((name) => name.toLowerCase()));
  const extras = extraNames(selection);
  const fields = [...shapeSelected, ...extras.filter((name) => !taken.has(name.toLowerCase()))];
  const readShape = createRowReader(shape, sobject, hidden);
  return {
    fields,
    read: (row) => {
      const extra: Record<string, ExtraValue> = {};
      for (const name of extras) extra[name] = extraValue(row[name]);
      return { ...readShape(row), extra };
    },
  };
}

function selectionOf(fields: FieldSelection | undefined, sobject: ConfigurableObject) {
  return fields?.[sobject];
}

/** The readings of a scope pull's configurable objects. */
export interface ScopeReadings {
  readonly opportunity: ObjectReading<OpportunityRecord>;
  readonly contact: ObjectReading<ContactRecord>;
}

/** The readings of an activity pull. */
export interface ActivityReadings {
  readonly task: ObjectReading<ActivityRecord>;
  readonly event: ObjectReading<ActivityRecord>;
}

/** The scope pull's readings for a request's `fields`. */
export function scopeReadings(fields: FieldSelection | undefined): ScopeReadings {
  return {
    opportunity: createObjectReading(OPPORTUNITY_SHAPE, "Opportunity", selectionOf(fields, "Opportunity")),
    contact: createObjectReading(CONTACT_SHAPE, "Contact", selectionOf(fields, "Contact")),
  };
}

/** The activity pull's readings for a request's `fields`. */
export function activityReadings(fields: FieldSelection | undefined): ActivityReadings {
  return {
    task: createObjectReading(ACTIVITY_SHAPE, "Task", selectionOf(fields, "Task")),
    event: createObjectReading(ACTIVITY_SHAPE, "Event", selectionOf(fields, "Event")),
  };
}
