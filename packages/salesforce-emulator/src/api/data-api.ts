/**
 * The REST data API under `/services/data/vNN.N` (reference §1.3, §2): resources, describe,
 * single-record CRUD and upsert, getUpdated/getDeleted, query/queryAll/queryMore, sObject
 * Collections, composite, Bulk API 2.0 query jobs and limits — as one synchronous router over
 * {@link ApiRequest}. Each route group lives in its own module; this one dispatches by the first
 * path segment.
 *
 * Invariants: every failure is a {@link SalesforceApiError} turned into a JSON error array;
 * a request either applies all its changes or none (collections with `allOrNone`, composite
 * with `allOrNone`); every write runs as the token's user under sharing.
 */
import { apiErrors, SalesforceApiError } from "../schema/errors.js";
import { orgAs } from "../security/field-security.js";
import { createAccessChecker } from "../sharing/access.js";
import type { QueryCursors } from "../soql/query-cursors.js";
import type { Org } from "../store/org.js";
import { allow, errorResponse } from "./api-response.js";
import type { ApiRequest, ApiResponse, ApiUsageView } from "./api-types.js";
import { BulkQueryJobs } from "./bulk-query.js";
import { handleCollections } from "./collection-routes.js";
import { handleComposite } from "./composite-routes.js";
import { limits, resources } from "./org-info-routes.js";
import { handleQuery } from "./query-routes.js";
import { routeKey } from "./route-key.js";
import { handleSobjects } from "./sobject-routes.js";
import { handleUiApi } from "./ui-api-routes.js";

/** Dependencies of the data API. */
export interface DataApiOptions {
  readonly org: Org;
  readonly cursors: QueryCursors;
  readonly usage: ApiUsageView;
  /** The emulator's base URL, for identity URLs. */
  readonly baseUrl: () => string;
}

/** The data API router. */
export interface DataApi {
  /** Handles a request; never throws for API errors. */
  handle(req: ApiRequest): ApiResponse;
  /** The stats key of a request, e.g. `GET /query` or `POST /sobjects/Task`. */
  routeKey(method: string, path: string): string;
}

/** Creates the data API router. */
export function createDataApi(options: DataApiOptions): DataApi {
  const { org: baseOrg, cursors, usage } = options;
  const bulkJobs = new BulkQueryJobs();

  const handle = (req: ApiRequest): ApiResponse => {
    try {
      return route(req);
    } catch (error) {
      if (error instanceof SalesforceApiError) return errorResponse(error);
      throw error;
    }
  };

  const route = (req: ApiRequest): ApiResponse => {
    // Every route sees the schema through the token user's field-level security.
    const org = orgAs(baseOrg, req.userId);
    const segments = req.path.split("/").filter((s) => s !== "");
    const [head, ...rest] = segments;
    switch (head) {
      case undefined:
        allow(req, ["GET"]);
        return resources(org, options.baseUrl(), req);
      case "sobjects":
        return handleSobjects(org, req, rest);
      case "query":
      case "queryAll":
        allow(req, ["GET"]);
        return handleQuery(org, cursors, req, head === "queryAll", rest[0]);
      case "composite":
        if (rest[0] === "sobjects") return handleCollections(org, req, rest.slice(1));
        if (rest.length === 0) {
          allow(req, ["POST"]);
          // Sub-requests go through `handle`, so each failure becomes its own error response.
          return handleComposite(org, req, handle);
        }
        throw apiErrors.notFound();
      case "limits":
        allow(req, ["GET"]);
        return limits(usage);
      case "jobs":
        if (rest[0] !== "query") throw apiErrors.notFound();
        return bulkJobs.handle(org, req, rest.slice(1), createAccessChecker(org, req.userId));
      case "ui-api":
        allow(req, ["GET"]);
        return handleUiApi(org, req, rest);
      default:
        throw apiErrors.notFound();
    }
  };

  return { handle, routeKey: (method, path) => routeKey(baseOrg.schema, method, path) };
}
