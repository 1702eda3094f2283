/**
 * The stats key of a data API request (`GET /query`, `POST /sobjects/Task`,
 * `PATCH /sobjects/Account/:id`): what the API-usage counters group calls by.
 *
 * Invariant: ids, locators and external-id values never appear in a key; object names are
 * canonical when the object exists.
 */
import type { OrgSchema } from "../schema/objects.js";

/** The stats key of `method` on `path` (relative to `/services/data/vNN.N`). */
export function routeKey(schema: OrgSchema, method: string, path: string): string {
  const segments = path.split("/").filter((s) => s !== "");
  const [head, a, b, c] = segments;
  if (head === undefined) return `${method} /`;
  if (head === "query" || head === "queryAll") return a ? `${method} /${head}/:locator` : `${method} /${head}`;
  if (head === "sobjects") {
    if (!a) return `${method} /sobjects`;
    const name = schema.object(a)?.name ?? a;
    if (!b) return `${method} /sobjects/${name}`;
    if (b === "describe" || b === "updated" || b === "deleted") return `${method} /sobjects/${name}/${b}`;
    return c ? `${method} /sobjects/${name}/:field/:value` : `${method} /sobjects/${name}/:id`;
  }
  if (head === "jobs") return `${method} /jobs/query${b ? (c ? "/:id/results" : "/:id") : ""}`;
  if (head === "composite") {
    if (a === "sobjects")
      return b
        ? `${method} /composite/sobjects/${schema.object(b)?.name ?? b}${c ? "/:field" : ""}`
        : `${method} /composite/sobjects`;
    return `${method} /composite`;
  }
  if (head === "ui-api" && a === "object-info" && c === "picklist-values") {
    return `${method} /ui-api/object-info/${schema.object(b ?? "")?.name ?? b}/picklist-values/:recordTypeId${segments[5] ? "/:field" : ""}`;
  }
  return `${method} /${head}`;
}
