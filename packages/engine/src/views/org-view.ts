/**
 * What the book knows of the org (`meta.org`, written by the worker): its instance URL and its
 * stages in sales-process order, and the two questions the screens ask of them — where a stage
 * stands in the sales process, and whether it closes an opportunity.
 *
 * Invariants: pure; a missing or malformed `meta.org` reads as an empty org (no URL, no
 * stages), and then a stage is closed only when its name says so ("Closed Won", "Closed Lost").
 */
import { readOrgInfo } from "../doc/book-decode.js";
import type { BookMaps } from "../doc/layout.js";
import type { OrgView } from "./types.js";

const EMPTY_ORG: OrgView = { instanceUrl: null, stages: [] };

/** The org as `meta.org` describes it, stages sorted by their sales-process order. */
export function deriveOrg(maps: Pick<BookMaps, "meta">): OrgView {
  const org = readOrgInfo(maps.meta.get("org"));
  if (org === null) return EMPTY_ORG;
  return { instanceUrl: org.instanceUrl, stages: [...org.stages].sort((a, b) => a.sortOrder - b.sortOrder) };
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
