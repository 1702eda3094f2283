/**
 * Describe results (reference §2.12): `GET /sobjects` (describeGlobal) and
 * `GET /sobjects/X/describe`, with the field flags and relationships jsforce reads.
 */
import type { ObjectDef } from "../schema/schema-types.js";

const SOAP_TYPES: Readonly<Record<string, string>> = {
  id: "tns:ID",
  reference: "tns:ID",
  boolean: "xsd:boolean",
  int: "xsd:int",
  double: "xsd:double",
  currency: "xsd:double",
  percent: "xsd:double",
  date: "xsd:date",
  datetime: "xsd:dateTime",
};

function urls(def: ObjectDef, version: string): Record<string, string> {
  const base = `/services/data/v${version}/sobjects/${def.name}`;
  return { sobject: base, describe: `${base}/describe`, rowTemplate: `${base}/{ID}` };
}

/** The per-object summary of describeGlobal. */
export function describeGlobalEntry(def: ObjectDef, version: string): Record<string, unknown> {
  return {
    activateable: false,
    createable: def.createable,
    custom: false,
    customSetting: false,
    deletable: def.deletable,
    deprecatedAndHidden: false,
    feedEnabled: false,
    hasSubtypes: false,
    isSubtype: false,
    keyPrefix: def.keyPrefix,
    label: def.label,
    labelPlural: def.labelPlural,
    layoutable: true,
    mergeable: def.name === "Account" || def.name === "Contact",
    mruEnabled: true,
    name: def.name,
    queryable: true,
    replicateable: true,
    retrieveable: true,
    searchable: true,
    triggerable: true,
    undeletable: def.deletable,
    updateable: def.updateable,
    urls: urls(def, version),
  };
}

/**
 * The full describe of one object, as the given definition has it (pass the user's view of the
 * object so that field-level security applies).
 */
export function describeObject(
  def: ObjectDef,
  version: string,
  recordTypeInfos: readonly Record<string, unknown>[] = [],
): Record<string, unknown> {
  return {
    ...describeGlobalEntry(def, version),
    childRelationships: def.childRelationships.map((c) => ({
      cascadeDelete: c.cascadeDelete,
      childSObject: c.childSObject,
      deprecatedAndHidden: false,
      field: c.field,
      junctionIdListNames: [],
      junctionReferenceTo: [],
      relationshipName: c.relationshipName,
      restrictedDelete: false,
    })),
    fields: def.fields.map((f) => ({
      aggregatable: f.type !== "textarea",
      autoNumber: false,
      byteLength: f.length * 3,
      calculated: f.calculated,
      caseSensitive: false,
      createable: f.createable,
      custom: f.custom,
      defaultValue: f.defaultValue,
      defaultedOnCreate: f.defaultedOnCreate,
      dependentPicklist: false,
      deprecatedAndHidden: false,
      digits: 0,
      externalId: f.externalId,
      filterable: f.filterable,
      groupable: f.filterable && f.type !== "double" && f.type !== "currency" && f.type !== "percent",
      htmlFormatted: false,
      idLookup: f.idLookup,
      label: f.label,
      length: f.length,
      name: f.name,
      nameField: f.nameField,
      nillable: f.nillable,
      permissionable: (f.nillable || f.custom) && !f.calculated,
      picklistValues: f.picklistValues.map((v, i) => ({
        active: true,
        defaultValue: i === 0 && f.defaultedOnCreate,
        label: v,
        validFor: null,
        value: v,
      })),
      polymorphicForeignKey: f.polymorphic,
      precision: f.precision,
      referenceTo: f.referenceTo,
      relationshipName: f.relationshipName,
      restrictedPicklist: f.restrictedPicklist,
      scale: f.scale,
      soapType: SOAP_TYPES[f.type] ?? "xsd:string",
      sortable: f.sortable,
      type: f.type,
      unique: f.unique,
      updateable: f.updateable,
    })),
    recordTypeInfos,
    supportedScopes: [{ label: "All records", name: "everything" }],
  };
}
