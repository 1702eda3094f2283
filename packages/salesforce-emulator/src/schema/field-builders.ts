/**
 * Building blocks of the object definitions in `sobjects/`: a field with the describe defaults of
 * its type, the Id, owner and system fields every object shares, and the shape of one object.
 *
 * Invariant: a long text area (over 255 characters) is neither filterable nor sortable; a field
 * that is neither createable nor updateable is read-only in describe.
 */
import type { FieldDef, FieldKind } from "./schema-types.js";

/** A field as the object files write it: name and type, plus whatever differs from the defaults. */
export type FieldSpec = Partial<Omit<FieldDef, "name" | "type">> & { name: string; type: FieldKind };

const LENGTHS: Partial<Record<FieldKind, number>> = {
  id: 18,
  reference: 18,
  string: 255,
  textarea: 32000,
  picklist: 255,
  combobox: 255,
  email: 80,
  phone: 40,
  url: 255,
};

/** A field with the describe defaults of its type, overridden by `spec`. */
export function field(spec: FieldSpec): FieldDef {
  const longText = spec.type === "textarea" && (spec.length ?? 32000) > 255;
  const readOnly = spec.createable === false && spec.updateable === false;
  return {
    label: spec.name.replace(/Id$/, "").replace(/([a-z])([A-Z])/g, "$1 $2"),
    length: LENGTHS[spec.type] ?? 0,
    nillable: true,
    createable: !readOnly,
    updateable: !readOnly,
    filterable: !longText,
    sortable: !longText,
    defaultedOnCreate: false,
    calculated: false,
    externalId: false,
    unique: false,
    custom: false,
    idLookup: false,
    nameField: false,
    referenceTo: [],
    relationshipName: null,
    polymorphic: false,
    picklistValues: [],
    restrictedPicklist: false,
    precision: spec.type === "currency" ? 18 : spec.type === "percent" ? 3 : spec.type === "double" ? 18 : 0,
    scale: spec.type === "currency" ? 2 : 0,
    defaultValue: null,
    ...spec,
  };
}

/**
 * A custom field (`Name__c`): `custom: true`, labelled as given (Salesforce labels drop `__c`).
 */
export function customField(spec: FieldSpec & { label: string }): FieldDef {
  return field({ ...spec, custom: true });
}

/** The LeadSource values of a new org. */
export const LEAD_SOURCES: readonly string[] = ["Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other"];

/** Read-only: neither createable nor updateable. */
export const ro = { createable: false, updateable: false } as const;

/** The `Id` field every object has. */
export function idField(): FieldDef {
  return field({
    name: "Id",
    type: "id",
    label: "Record ID",
    nillable: false,
    ...ro,
    defaultedOnCreate: true,
    idLookup: true,
  });
}

/** A reference field to `to` (polymorphic when it names several objects). */
export function ref(
  name: string,
  to: readonly string[],
  relationshipName: string,
  extra: Partial<FieldSpec> = {},
): FieldDef {
  return field({ name, type: "reference", referenceTo: to, relationshipName, polymorphic: to.length > 1, ...extra });
}

/** `OwnerId`, a required reference to User defaulted to the writer. */
export function ownerField(): FieldDef {
  return ref("OwnerId", ["User"], "Owner", { nillable: false, defaultedOnCreate: true, label: "Owner ID" });
}

/** The audit fields every object ends with. */
export function systemFields(): FieldDef[] {
  return [
    field({ name: "IsDeleted", type: "boolean", nillable: false, ...ro, defaultedOnCreate: true }),
    field({ name: "CreatedDate", type: "datetime", nillable: false, ...ro, defaultedOnCreate: true }),
    ref("CreatedById", ["User"], "CreatedBy", { nillable: false, ...ro, defaultedOnCreate: true }),
    field({ name: "LastModifiedDate", type: "datetime", nillable: false, ...ro, defaultedOnCreate: true }),
    ref("LastModifiedById", ["User"], "LastModifiedBy", { nillable: false, ...ro, defaultedOnCreate: true }),
    field({ name: "SystemModstamp", type: "datetime", nillable: false, ...ro, defaultedOnCreate: true }),
  ];
}

/** One served object before the schema adds custom fields and child relationships. */
export interface ObjectSpec {
  name: string;
  label: string;
  labelPlural: string;
  keyPrefix: string;
  fields: FieldDef[];
  createable?: boolean;
  updateable?: boolean;
  deletable?: boolean;
}
