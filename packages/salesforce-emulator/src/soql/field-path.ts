/**
 * Field paths in SOQL (`Name`, `Account.Name`, `Owner.Name`, `Who.Name`, `What.Type`):
 * resolution against the schema, case-insensitive, to canonical names, and reading a path's
 * value from a record through the parents the user may see.
 *
 * Invariant: a parent the user cannot read, or a deleted parent, reads as null — as the API
 * returns a null relationship.
 */
import type { FieldDef, ObjectDef } from "../schema/schema-types.js";
import type { AccessChecker } from "../sharing/access.js";
import type { Org } from "../store/org.js";
import type { SfRecord, SfValue } from "../store/org-store.js";
import { noSuchColumn, unknownRelationship } from "./soql-errors.js";

/** One reference hop of a path. */
export interface PathStep {
  readonly field: FieldDef;
  readonly relationshipName: string;
  readonly targets: readonly string[];
}

/** A resolved field path. */
export interface FieldPath {
  readonly steps: readonly PathStep[];
  readonly field: FieldDef;
  /** Whether the final field belongs to a polymorphic ("Name") parent. */
  readonly polymorphic: boolean;
  /** Canonical dotted name. */
  readonly canonical: string;
}

const NAME_FIELDS = ["Id", "Name", "Type", "FirstName", "LastName", "Email", "Phone", "Title", "Alias"];

function nameField(org: Org, name: string): FieldDef | undefined {
  const canonical = NAME_FIELDS.find((n) => n.toLowerCase() === name.toLowerCase());
  if (!canonical) return undefined;
  const base = org.schema.object("Contact")?.fieldsByLower.get(canonical.toLowerCase());
  const nameDef = org.schema.object("Contact")?.fieldsByLower.get("name");
  const template = base ?? nameDef;
  if (!template) return undefined;
  return { ...template, name: canonical, type: canonical === "Id" ? "id" : template.type };
}

/**
 * Resolves `parts` (already split on dots, object-name/alias prefix removed) on `def`.
 *
 * @throws SalesforceApiError INVALID_FIELD for an unknown field or relationship.
 */
export function resolvePath(org: Org, def: ObjectDef, parts: readonly string[], soql: string): FieldPath {
  const steps: PathStep[] = [];
  let current: ObjectDef = def;
  let polymorphic = false;
  for (let i = 0; i < parts.length - 1; i++) {
    const part = parts[i] ?? "";
    if (polymorphic) throw unknownRelationship(soql, part);
    const ref = current.relationshipsByLower.get(part.toLowerCase());
    if (!ref?.relationshipName) throw unknownRelationship(soql, part);
    steps.push({ field: ref, relationshipName: ref.relationshipName, targets: ref.referenceTo });
    if (ref.referenceTo.length > 1) {
      polymorphic = true;
    } else {
      const next = org.schema.object(ref.referenceTo[0] ?? "");
      if (!next) throw unknownRelationship(soql, part);
      current = next;
    }
  }
  const last = parts[parts.length - 1] ?? "";
  const field = polymorphic ? nameField(org, last) : current.fieldsByLower.get(last.toLowerCase());
  if (!field) {
    if (parts.length > 1) throw noSuchColumn(soql, parts.join("."), def.name);
    throw noSuchColumn(soql, last, current.name);
  }
  const canonical = [...steps.map((s) => s.relationshipName), field.name].join(".");
  return { steps, field, polymorphic, canonical };
}

/** Follows one reference hop; null when empty, missing, deleted or not visible. */
export function followStep(
  org: Org,
  access: AccessChecker,
  record: SfRecord,
  step: PathStep,
): { object: string; record: SfRecord } | null {
  const id = record[step.field.name];
  if (typeof id !== "string") return null;
  const found = org.store.find(step.targets, id);
  if (!found || found.record.IsDeleted === true) return null;
  if (!access.canRead(found.object, found.record)) return null;
  return found;
}

/** Reads a path's value from a record (for filters and sorting). */
export function readPath(org: Org, access: AccessChecker, record: SfRecord, path: FieldPath): SfValue {
  let current: SfRecord = record;
  let object = "";
  for (const step of path.steps) {
    const next = followStep(org, access, current, step);
    if (!next) return null;
    current = next.record;
    object = next.object;
  }
  if (path.polymorphic && path.field.name === "Type") return object;
  return current[path.field.name] ?? null;
}
