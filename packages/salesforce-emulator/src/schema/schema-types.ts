/**
 * The shapes of the emulated org's metadata: objects, fields and child relationships, with the
 * describe flags jsforce and the adapter read (reference §2.12, §3).
 */

/** Salesforce field types served by the emulator. */
export type FieldKind =
  | "id"
  | "string"
  | "textarea"
  | "picklist"
  | "combobox"
  | "email"
  | "phone"
  | "url"
  | "boolean"
  | "int"
  | "double"
  | "currency"
  | "percent"
  | "date"
  | "datetime"
  | "reference";

/** One field of an object. */
export interface FieldDef {
  readonly name: string;
  readonly label: string;
  readonly type: FieldKind;
  readonly length: number;
  readonly nillable: boolean;
  readonly createable: boolean;
  readonly updateable: boolean;
  readonly filterable: boolean;
  readonly sortable: boolean;
  readonly defaultedOnCreate: boolean;
  readonly calculated: boolean;
  readonly externalId: boolean;
  readonly unique: boolean;
  readonly custom: boolean;
  readonly idLookup: boolean;
  readonly nameField: boolean;
  readonly referenceTo: readonly string[];
  readonly relationshipName: string | null;
  readonly polymorphic: boolean;
  readonly picklistValues: readonly string[];
  readonly restrictedPicklist: boolean;
  readonly precision: number;
  readonly scale: number;
  /** Describe's `defaultValue` (a checkbox's `false`), null for most fields. */
  readonly defaultValue: string | number | boolean | null;
}

/** A parent-to-child relationship, as listed on the parent. */
export interface ChildRelationship {
  readonly childSObject: string;
  readonly field: string;
  readonly relationshipName: string;
  readonly cascadeDelete: boolean;
}

/** Organization-wide default access level of an object. */
export type SharingLevel = "Private" | "Read" | "ReadWrite" | "ControlledByParent";

/** One served object. */
export interface ObjectDef {
  readonly name: string;
  readonly label: string;
  readonly labelPlural: string;
  readonly keyPrefix: string;
  readonly fields: readonly FieldDef[];
  /** Lower-case field name → field. */
  readonly fieldsByLower: ReadonlyMap<string, FieldDef>;
  /** Lower-case relationship name → the reference field. */
  readonly relationshipsByLower: ReadonlyMap<string, FieldDef>;
  readonly childRelationships: readonly ChildRelationship[];
  /** Lower-case child relationship name → relationship. */
  readonly childRelationshipsByLower: ReadonlyMap<string, ChildRelationship>;
  readonly createable: boolean;
  readonly updateable: boolean;
  readonly deletable: boolean;
  /** Has an OwnerId field. */
  readonly owned: boolean;
}
