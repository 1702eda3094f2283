/**
 * What the book knows of the org (`meta.org`, written by the worker): its instance URL, its
 * stages in sales-process order, the user's time zone, the fields the user can read and edit,
 * and the record types with their picklist values; and the questions the screens ask of them —
 * where a stage stands in the sales process, whether it closes an opportunity, whether a field
 * is editable, which values a picklist offers.
 *
 * Invariants: pure; a missing or malformed `meta.org` reads as an empty org (no URL, no
 * stages), and then a stage is closed only when its name says so ("Closed Won", "Closed Lost").
 */
import { readOrgInfo } from "../doc/book-decode.js";
import type { BookMaps } from "../doc/layout.js";
import type { FieldInfo } from "../model/schemas.js";
import { validTimeZone } from "../model/time.js";
import type { OrgView } from "./types.js";

const EMPTY_ORG: OrgView = {
  instanceUrl: null,
  stages: [],
  timeZone: "UTC",
  fields: {},
  recordTypes: {},
  fieldNotes: [],
};

/** The org as `meta.org` describes it, stages sorted by their sales-process order. */
export function deriveOrg(maps: Pick<BookMaps, "meta">): OrgView {
  const org = readOrgInfo(maps.meta.get("org"));
  if (org === null) return EMPTY_ORG;
  return {
    instanceUrl: org.instanceUrl,
    stages: [...org.stages].sort((a, b) => a.sortOrder - b.sortOrder),
    timeZone: validTimeZone(org.timeZone),
    fields: org.fields ?? {},
    recordTypes: org.recordTypes ?? {},
    fieldNotes: org.fieldNotes ?? [],
  };
}

/**
 * What describe says of `sobject.field` for the user, or `null` when the book has no describe
 * of it (an older book, or a field the user cannot read).
 *
 * @example
 * ```ts
 * fieldInfo(snapshot.org, "Opportunity", "Competitor__c")?.updateable; // false: read-only
 * ```
 */
export function fieldInfo(org: OrgView, sobject: string, field: string): FieldInfo | null {
  return org.fields[sobject]?.find((f) => f.name === field) ?? null;
}

/**
 * The values a picklist field may take on a record: its record type's values when the org has
 * record types for the object (the user's default one when the record has none), else the
 * field's active values; `null` when the book does not know (no describe, not a picklist).
 *
 * @example
 * ```ts
 * picklistValues(snapshot.org, "Opportunity", "StageName", opp.record.extra?.RecordTypeId ?? null);
 * // ["Needs Analysis", "Negotiation/Review", "Closed Won", "Closed Lost"] for a Renewal
 * ```
 */
export function picklistValues(
  org: OrgView,
  sobject: string,
  field: string,
  recordTypeId: string | null,
): ReadonlyArray<string> | null {
  const types = org.recordTypes[sobject] ?? [];
  const type = types.find((t) => t.id === recordTypeId) ?? types.find((t) => t.isDefault);
  const byType = type?.picklists[field];
  if (byType !== undefined) return byType;
  if (field === "StageName" && org.stages.length > 0 && fieldInfo(org, sobject, field) === null)
    return org.stages.map((s) => s.name);
  return fieldInfo(org, sobject, field)?.picklist ?? null;
}

/**
 * The place of `stage` in the org's sales process (0 for the first), or `null` when the org
 * does not list it.
 *
 * @example
 * ```ts
 * stageRank(snapshot.org, "Qualification"); // 1
 * ```
 */
export function stageRank(org: OrgView, stage: string): number | null {
  const i = org.stages.findIndex((s) => s.name === stage);
  return i < 0 ? null : i;
}

/**
 * True when `stage` closes an opportunity (won or lost): as the org says, else by its name when
 * the org has not been described yet.
 */
export function isClosedStage(org: OrgView, stage: string): boolean {
  const known = org.stages.find((s) => s.name === stage);
  return known === undefined ? /^closed\b/i.test(stage) : known.isClosed;
}

/**
 * A link to a record in the org (`<instanceUrl>/<Id>`, which Salesforce redirects to the
 * record's page), or `null` when the book does not know the instance URL.
 */
export function recordUrl(org: OrgView, recordId: string): string | null {
  return org.instanceUrl === null ? null : `${org.instanceUrl.replace(/\/+$/, "")}/${recordId}`;
}
