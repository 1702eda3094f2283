/**
 * Which fields the Details card shows and how each one is edited, from what the book knows of
 * the org (`snapshot.org`: the user's describe and the record types) and the record: the
 * shape's editable fields first, then every configured extra field, each with its label, its
 * shown value, whether the user may edit it and the input its describe type calls for.
 *
 * Invariants: pure; describe decides — a field it lists as not updateable (field-level
 * security) is read-only and never sent; a field of a type Tandem does not edit is read-only
 * too; `RecordTypeId` is never a field here (the card shows the record type's name instead);
 * the Stage select offers the stages of the record's record type and always the current stage.
 */
import {
  type ContactRecord,
  type FieldInfo,
  fieldInfo,
  type OpportunityRecord,
  type OrgView,
  picklistValues,
} from "@tandem/engine";

/** The input a field gets in the edit form. */
export type FieldInput =
  | { readonly kind: "select"; readonly options: readonly string[]; readonly allowNone: boolean }
  | { readonly kind: "checkbox" }
  | { readonly kind: "date" }
  | { readonly kind: "decimal" }
  | { readonly kind: "text"; readonly maxLength: number | null }
  | { readonly kind: "textarea"; readonly maxLength: number | null };

/** One field of the Details card. */
export interface FieldSpec {
  /** The Salesforce API name (`StageName`, `Competitor__c`). */
  readonly name: string;
  readonly label: string;
  /** Describe's type (`picklist`, `boolean`, `date`, `currency`, …). */
  readonly type: string;
  /** A configured field beyond the record's shape (its value lives in `record.extra`). */
  readonly extra: boolean;
  /** The user may not edit it (describe says not updateable, or Tandem does not edit its type). */
  readonly readOnly: boolean;
  readonly input: FieldInput;
  /** The shown value, pending edits applied; `null` when empty. */
  readonly value: unknown;
}

/** A configured field shown read-only on a contact. */
export interface ExtraFieldValue {
  readonly name: string;
  readonly label: string;
  readonly type: string;
  readonly value: unknown;
}

/** What a read-only field says to assistive technology (and as its tooltip). */
export const READ_ONLY_REASON = "Read-only: your Salesforce permissions do not allow editing this field";

/** The label of each of the shape's editable opportunity fields. */
export const SHAPE_FIELD_LABEL = {
  StageName: "Stage",
  CloseDate: "Close date",
  Amount: "Amount",
  Probability: "Probability (%)",
  Description: "Description",
} as const;

/** One of the shape's opportunity fields the Details card edits. */
export type ShapeField = keyof typeof SHAPE_FIELD_LABEL;

/** The shape's fields the Details card edits, in the card's order. */
export const SHAPE_FIELDS: readonly ShapeField[] = ["StageName", "CloseDate", "Amount", "Probability", "Description"];

/** The stages the Stage picker offers when the book knows no better (Salesforce's default picklist). */
export const DEFAULT_STAGES: readonly string[] = [
  "Prospecting",
  "Qualification",
  "Needs Analysis",
  "Value Proposition",
  "Id. Decision Makers",
  "Perception Analysis",
  "Proposal/Price Quote",
  "Negotiation/Review",
  "Closed Won",
  "Closed Lost",
];

const TEXT_TYPES: ReadonlySet<string> = new Set(["string", "url", "phone", "email", "combobox", "encryptedstring"]);
const NUMBER_TYPES: ReadonlySet<string> = new Set(["int", "double", "currency", "percent", "long"]);
const SHAPE_TYPE: Record<ShapeField, string> = {
  StageName: "picklist",
  CloseDate: "date",
  Amount: "currency",
  Probability: "percent",
  Description: "textarea",
};

/**
 * The input a configured field's describe calls for, or `null` for a type Tandem does not edit
 * (a reference, a datetime, …), which the card shows read-only.
 *
 * @example
 * ```ts
 * inputFor({ type: "picklist", picklist: ["Web", "Phone"], nillable: true, … });
 * // { kind: "select", options: ["Web", "Phone"], allowNone: true }
 * ```
 */
export function inputFor(info: FieldInfo): FieldInput | null {
  if (info.type === "picklist") return { kind: "select", options: info.picklist ?? [], allowNone: info.nillable };
  if (info.type === "boolean") return { kind: "checkbox" };
  if (info.type === "date") return { kind: "date" };
  if (NUMBER_TYPES.has(info.type)) return { kind: "decimal" };
  if (info.type === "textarea") return { kind: "textarea", maxLength: info.length };
  if (TEXT_TYPES.has(info.type)) return { kind: "text", maxLength: info.length };
  return null;
}

/**
 * The stages an opportunity's Stage select offers: its record type's (the user's default one
 * when it has none), else the org's, else Salesforce's defaults; always with `current`, so a
 * stage the list lacks stays visible rather than silently changing.
 *
 * @example
 * ```ts
 * stageOptions(snapshot.org, opp.record.extra?.RecordTypeId ?? null, "Negotiation/Review");
 * ```
 */
export function stageOptions(org: OrgView, recordTypeId: string | null, current: string): string[] {
  const listed = picklistValues(org, "Opportunity", "StageName", recordTypeId);
  const stages = listed === null || listed.length === 0 ? DEFAULT_STAGES : listed;
  return stages.includes(current) || current === "" ? [...stages] : [...stages, current];
}

/** The record type id of a record, from its `extra.RecordTypeId`; `null` when it has none. */
export function recordTypeIdOf(record: {
  readonly extra?: Readonly<Record<string, unknown>> | undefined;
}): string | null {
  const id = record.extra?.RecordTypeId;
  return typeof id === "string" && id !== "" ? id : null;
}

/** The name of a record's record type ("Renewal"), or `null` when the book does not know it. */
export function recordTypeName(org: OrgView, sobject: string, recordTypeId: string | null): string | null {
  if (recordTypeId === null) return null;
  return org.recordTypes[sobject]?.find((t) => t.id === recordTypeId)?.name ?? null;
}

function shapeValue(record: OpportunityRecord, field: ShapeField): unknown {
  return record[field] ?? null;
}

/** A shape field is read-only when the book has the user's describe and it lists the field as not editable (or not at all). */
function shapeReadOnly(org: OrgView, field: ShapeField): boolean {
  if (org.fields.Opportunity === undefined) return false;
  return fieldInfo(org, "Opportunity", field)?.updateable !== true;
}

function shapeInput(org: OrgView, record: OpportunityRecord, field: ShapeField): FieldInput {
  switch (field) {
    case "StageName":
      return { kind: "select", options: stageOptions(org, recordTypeIdOf(record), record.StageName), allowNone: false };
    case "CloseDate":
      return { kind: "date" };
    case "Amount":
    case "Probability":
      return { kind: "decimal" };
    case "Description":
      return { kind: "textarea", maxLength: fieldInfo(org, "Opportunity", field)?.length ?? null };
  }
}

/** A select that also offers `value` when its list lacks it, so the value stays visible rather than silently changing. */
function withCurrent(input: FieldInput, value: unknown): FieldInput {
  if (input.kind !== "select" || typeof value !== "string" || value === "" || input.options.includes(value))
    return input;
  return { ...input, options: [...input.options, value] };
}

/** The configured extra fields of an object the user can read, `RecordTypeId` aside. */
export function extraFieldInfos(org: OrgView, sobject: string): FieldInfo[] {
  return (org.fields[sobject] ?? []).filter((f) => f.extra && f.name !== "RecordTypeId");
}

/**
 * The Details card's fields for an opportunity (pending edits already overlaid on `record` by
 * the engine's view): the shape's editable ones, then every configured extra field.
 *
 * @example
 * ```ts
 * opportunityFieldSpecs(snapshot.org, view.getOpportunity(id)!.record).find((f) => f.name === "Competitor__c")?.readOnly;
 * ```
 */
export function opportunityFieldSpecs(org: OrgView, record: OpportunityRecord): FieldSpec[] {
  const shape = SHAPE_FIELDS.map(
    (name): FieldSpec => ({
      name,
      label: SHAPE_FIELD_LABEL[name],
      type: SHAPE_TYPE[name],
      extra: false,
      readOnly: shapeReadOnly(org, name),
      input: shapeInput(org, record, name),
      value: shapeValue(record, name),
    }),
  );
  const extra = extraFieldInfos(org, "Opportunity").map((info): FieldSpec => {
    const input = inputFor(info);
    const value = record.extra?.[info.name] ?? null;
    return {
      name: info.name,
      label: info.label,
      type: info.type,
      extra: true,
      readOnly: !info.updateable || input === null,
      input: input === null ? { kind: "text", maxLength: null } : withCurrent(input, value),
      value,
    };
  });
  return [...shape, ...extra];
}

/** A contact's configured extra fields with their values (shown read-only on the contact card). */
export function contactExtraFields(org: OrgView, contact: ContactRecord): ExtraFieldValue[] {
  return extraFieldInfos(org, "Contact").map((info) => ({
    name: info.name,
    label: info.label,
    type: info.type,
    value: contact.extra?.[info.name] ?? null,
  }));
}

/**
 * The text a field's input starts with: `"true"`/`"false"` for a checkbox, `""` for no value,
 * else the value as text.
 */
export function draftText(spec: FieldSpec): string {
  if (spec.input.kind === "checkbox") return spec.value === true ? "true" : "false";
  return spec.value === null || spec.value === undefined ? "" : String(spec.value);
}

/**
 * The value typed into a field's input; `undefined` when a number field holds text that is
 * not a number (the form sends it as typed, so the engine refuses it with the rest).
 */
export function parseDraft(spec: FieldSpec, text: string): unknown {
  switch (spec.input.kind) {
    case "checkbox":
      return text === "true";
    case "decimal": {
      const trimmed = text.trim();
      if (trimmed === "") return null;
      const n = Number(trimmed);
      return Number.isFinite(n) ? n : undefined;
    }
    case "select":
      // The stage is required; any other picklist's "None" is no value.
      return text === "" && spec.name !== "StageName" ? null : text;
    case "date":
      return text === "" && spec.name !== "CloseDate" ? null : text;
    case "text":
    case "textarea":
      return text === "" ? null : text;
  }
}
