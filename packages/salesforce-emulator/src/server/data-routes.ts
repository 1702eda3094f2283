/**
 * The HTTP side of the data API: `GET /services/data` (the versions), and every
 * `/services/data/vNN.N/...` call — authenticated by its bearer token, counted against the daily
 * limit, its JSON body parsed, handed to the data API router, and its answer serialized with
 * `Sforce-Limit-Info`.
 *
 * Invariants: only authenticated calls under the limit count as usage; a successful write is
 * saved (`save`) before its response is sent; the UNABLE_TO_LOCK_ROW fault answers a write
 * without running it.
 */
import type { Hono } from "hono";
import type { ApiRequest, ApiResponse, ApiUsageView } from "../api/api-types.js";
import type { DataApi } from "../api/data-api.js";
import { listApiVersions } from "../api/versions.js";
import type { ApiUsage } from "../control/api-usage.js";
import type { TokenStore } from "../oauth/token-store.js";
import { apiErrors } from "../schema/errors.js";
import type { Org } from "../store/org.js";
import type { ChangeCapture } from "../streaming/change-capture.js";
import type { EmulatorEnv } from "./fault-middleware.js";
import { errorArray, JSON_TYPE, limitHeader } from "./http-responses.js";

const MUTATING = new Set(["POST", "PATCH", "PUT", "DELETE"]);

/** What the data routes need. */
export interface DataRoutesOptions {
  readonly org: Org;
  readonly tokens: TokenStore;
  readonly usage: ApiUsage;
  readonly dataApi: DataApi;
  /** Makes the acknowledged changes durable. */
  readonly save: () => void;
  /** Turns each write call's committed changes into change events (one transaction per call). */
  readonly changes?: ChangeCapture | undefined;
}

/** Registers `/services/data` and `/services/data/*` on `app`. */
export function registerDataRoutes(app: Hono<EmulatorEnv>, options: DataRoutesOptions): void {
  const { org, tokens, usage, dataApi, save, changes } = options;
  app.get(
    "/services/data",
    () =>
      new Response(JSON.stringify(listApiVersions()), {
        status: 200,
        headers: { "Content-Type": JSON_TYPE, ...limitHeader(usage) },
      }),
  );
  app.get("/services/data/", (c) => c.redirect("/services/data", 301));

  app.all("/services/data/*", async (c) => {
    const url = new URL(c.req.url);
    const m = /^\/services\/data\/v(\d+)\.(\d)(\/.*)?$/.exec(url.pathname);
    if (!m || Number(m[1]) < 50) {
      const e = apiErrors.notFound();
      return errorArray(e.status, e.errorCode, e.message, limitHeader(usage));
    }
    const version = `${m[1]}.${m[2]}`;
    const auth = c.req.header("authorization") ?? "";
    const token = /^(?:Bearer|OAuth)\s+(.+)$/i.exec(auth)?.[1]?.trim();
    const userId = token ? tokens.resolveAccess(token, org.clock.nowMs()) : undefined;
    if (!userId) return errorArray(401, "INVALID_SESSION_ID", "Session expired or invalid", limitHeader(usage));
    if (usage.used() >= usage.max()) {
      return errorArray(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.", limitHeader(usage));
    }
    const path = m[3] ?? "/";
    const method = c.req.method.toUpperCase();
    usage.record(dataApi.routeKey(method, path));
    const text = await c.req.text();
    let body: unknown;
    if (text.trim() !== "") {
      try {
        body = JSON.parse(text) as unknown;
      } catch (error) {
        const detail = error instanceof Error ? error.message : String(error);
        return errorArray(400, "JSON_PARSER_ERROR", `Unexpected character in JSON body: ${detail}`, limitHeader(usage));
      }
    }
    const headers = c.req.raw.headers;
    const req: ApiRequest = {
      method,
      path,
      version,
      query: url.searchParams,
      header: (name) => headers.get(name) ?? undefined,
      body,
      userId,
    };
    const fault = c.get("fault");
    const handle = (): ApiResponse => dataApi.handle(req);
    const response: ApiResponse =
      fault?.kind === "UNABLE_TO_LOCK_ROW" && MUTATING.has(method)
        ? lockRow(req)
        : changes && MUTATING.has(method)
          ? changes.run({ userId, changeOrigin: changeOrigin(version, req.header("sforce-call-options")) }, handle)
          : handle();
    if (MUTATING.has(method) && response.status < 400) save();
    return toResponse(response, usage);
  });
}

/** `com/salesforce/api/rest/60.0`, with `;client=X` when `Sforce-Call-Options` names a client. */
function changeOrigin(version: string, callOptions: string | undefined): string {
  const client = /(?:^|,)\s*client=([^,]+)/.exec(callOptions ?? "")?.[1]?.trim();
  return `com/salesforce/api/rest/${version}${client ? `;client=${client}` : ""}`;
}

function toResponse(response: ApiResponse, usage: ApiUsageView): Response {
  const outHeaders: Record<string, string> = { ...response.headers, ...limitHeader(usage) };
  if (response.text !== undefined) return new Response(response.text, { status: response.status, headers: outHeaders });
  if (response.status === 204 || response.body === undefined) {
    return new Response(null, { status: response.status, headers: outHeaders });
  }
  return new Response(JSON.stringify(response.body), {
    status: response.status,
    headers: { "Content-Type": JSON_TYPE, ...outHeaders },
  });
}

/** The UNABLE_TO_LOCK_ROW answer to a write: per record for collections, else one error. */
function lockRow(req: ApiRequest): ApiResponse {
  const message = "unable to obtain exclusive access to this record or 1 records: ";
  if (req.path.startsWith("/composite/sobjects")) {
    const records =
      typeof req.body === "object" && req.body !== null ? (req.body as { records?: unknown }).records : undefined;
    const n = Array.isArray(records) ? records.length : (req.query.get("ids") ?? "").split(",").filter((s) => s).length;
    return {
      status: 200,
      body: Array.from({ length: n }, () => ({
        success: false,
        errors: [{ statusCode: "UNABLE_TO_LOCK_ROW", message, fields: [] }],
      })),
    };
  }
  return { status: 400, body: [{ message, errorCode: "UNABLE_TO_LOCK_ROW", fields: [] }] };
}
