/**
 * `/query` and `/queryAll`: the first page of a SOQL query, or the next
 * page of a query locator, sized by the `Sforce-Query-Options: batchSize=N` header.
 *
 * Invariant: the query runs once, as the request's user under sharing; later pages come from
 * the cursor it left.
 */
import { SalesforceApiError } from "../schema/errors.js";
import { createAccessChecker } from "../sharing/access.js";
import { type QueryCursors, readBatchSize } from "../soql/query-cursors.js";
import { executeQuery } from "../soql/query-engine.js";
import type { Org } from "../store/org.js";
import { json } from "./api-response.js";
import type { ApiRequest, ApiResponse } from "./api-types.js";

/** Handles `GET /query?q=` (or `/queryAll`, `all`) and `GET /query/{locator}`. */
export function handleQuery(
  org: Org,
  cursors: QueryCursors,
  req: ApiRequest,
  all: boolean,
  locator: string | undefined,
): ApiResponse {
  const batchSize = readBatchSize(req.header("sforce-query-options"));
  const now = org.clock.nowMs();
  if (locator !== undefined) {
    return json(200, cursors.nextPage(locator, req.userId, batchSize, now, req.version));
  }
  if (req.query.has("explain")) {
    throw new SalesforceApiError(400, "API_DISABLED_FOR_ORG", "explain is not supported by the emulator");
  }
  const soql = req.query.get("q");
  if (soql === null || soql.trim() === "") {
    throw new SalesforceApiError(400, "MALFORMED_QUERY", "A query string has to be specified");
  }
  const execution = executeQuery(
    {
      org,
      access: createAccessChecker(org, req.userId),
      nowMs: now,
      includeDeleted: all,
      version: req.version,
    },
    soql,
  );
  return json(200, cursors.firstPage(execution, req.userId, batchSize ?? 2000, now, req.version));
}
