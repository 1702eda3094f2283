/**
 * `POST /composite`: up to 25 sub-requests run in order through the data API router, each able
 * to use an earlier result by `@{referenceId.path}` in its url or body.
 *
 * Invariants: the whole call is one store transaction; with `allOrNone` a failed sub-request
 * rolls every change back and every other sub-request reports PROCESSING_HALTED; composite
 * requests do not nest (collections inside a composite are fine).
 */
import { SalesforceApiError } from "../schema/errors.js";
import type { Org } from "../store/org.js";
import { errorResponse, isPlainObject, json, requireBodyObject } from "./api-response.js";
import type { ApiRequest, ApiResponse } from "./api-types.js";

const MAX_COMPOSITE = 25;

const ROLLED_BACK = "The transaction was rolled back since another operation in the same transaction failed.";

/** Runs one sub-request through the data API router (never throws for API errors). */
export type SubRequestHandler = (req: ApiRequest) => ApiResponse;

function halted(message: string) {
  return { body: [{ errorCode: "PROCESSING_HALTED", message }], httpHeaders: {}, httpStatusCode: 400 };
}

/** Handles `POST /composite`, dispatching each sub-request to `handle`. */
export function handleComposite(org: Org, req: ApiRequest, handle: SubRequestHandler): ApiResponse {
  const body = requireBodyObject(req);
  const subs = body.compositeRequest;
  if (!Array.isArray(subs) || subs.length === 0) {
    throw new SalesforceApiError(400, "INVALID_FIELD", "compositeRequest must be a non-empty array", []);
  }
  if (subs.length > MAX_COMPOSITE) {
    throw new SalesforceApiError(
      400,
      "LIMIT_EXCEEDED",
      `The number of subrequests exceeded the limit of ${MAX_COMPOSITE}.`,
    );
  }
  const allOrNone = body.allOrNone === true;
  return org.store.transaction((rollback) => {
    const results = new Map<string, unknown>();
    const responses: Record<string, unknown>[] = [];
    let failed = false;
    for (const sub of subs) {
      const referenceId = isPlainObject(sub) && typeof sub.referenceId === "string" ? sub.referenceId : "";
      if (failed && allOrNone) {
        responses.push({ ...halted(ROLLED_BACK), referenceId });
        continue;
      }
      let response: ApiResponse;
      try {
        response = runSub(req, sub, results, handle);
      } catch (error) {
        response =
          error instanceof SalesforceApiError
            ? errorResponse(error)
            : errorResponse(new SalesforceApiError(400, "PROCESSING_HALTED", String(error)));
      }
      if (response.status >= 400) failed = true;
      else results.set(referenceId, response.body);
      responses.push({
        body: response.body ?? null,
        httpHeaders: response.headers ?? {},
        httpStatusCode: response.status,
        referenceId,
      });
    }
    if (failed && allOrNone) {
      rollback();
      return json(200, {
        compositeResponse: responses.map((r) =>
          (r.httpStatusCode as number) < 400 ? { ...halted(ROLLED_BACK), referenceId: r.referenceId } : r,
        ),
      });
    }
    return json(200, { compositeResponse: responses });
  });
}

function runSub(req: ApiRequest, sub: unknown, results: Map<string, unknown>, handle: SubRequestHandler): ApiResponse {
  if (
    !isPlainObject(sub) ||
    typeof sub.method !== "string" ||
    typeof sub.url !== "string" ||
    typeof sub.referenceId !== "string"
  ) {
    throw new SalesforceApiError(400, "INVALID_FIELD", "Each subrequest needs method, url and referenceId", []);
  }
  const url = resolveReferences(sub.url, results, true);
  const m = /^\/services\/data\/v(\d+\.\d)(\/[^?]*)?(?:\?(.*))?$/.exec(String(url));
  if (!m) throw new SalesforceApiError(400, "INVALID_FIELD", `Invalid subrequest url: ${String(url)}`, []);
  const path = m[2] ?? "/";
  if (path.startsWith("/composite") && !path.startsWith("/composite/sobjects")) {
    throw new SalesforceApiError(400, "INVALID_FIELD", "Composite requests cannot be nested", []);
  }
  const headers = isPlainObject(sub.httpHeaders) ? sub.httpHeaders : {};
  const lowerHeaders = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
  return handle({
    method: sub.method.toUpperCase(),
    path,
    version: m[1] ?? req.version,
    query: new URLSearchParams(m[3] ?? ""),
    header: (name) => lowerHeaders.get(name.toLowerCase()),
    body: sub.body === undefined ? undefined : resolveReferences(sub.body, results, false),
    userId: req.userId,
  });
}

const REFERENCE = /@\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])*)\}/g;

function lookupReference(results: Map<string, unknown>, ref: string, path: string): unknown {
  if (!results.has(ref)) {
    throw new SalesforceApiError(
      400,
      "PROCESSING_HALTED",
      `Invalid reference specified. No value for ${ref}${path} found in ${ref}.`,
    );
  }
  let value: unknown = results.get(ref);
  for (const m of path.matchAll(/\.([A-Za-z0-9_]+)|\[(\d+)\]/g)) {
    if (m[1] !== undefined)
      value = typeof value === "object" && value !== null ? (value as Record<string, unknown>)[m[1]] : undefined;
    else value = Array.isArray(value) ? value[Number(m[2])] : undefined;
  }
  if (value === undefined) {
    throw new SalesforceApiError(
      400,
      "PROCESSING_HALTED",
      `Invalid reference specified. No value for ${ref}${path} found in ${ref}.`,
    );
  }
  return value;
}

/** Replaces `@{ref.path}` references in a sub-request's url or body. */
function resolveReferences(value: unknown, results: Map<string, unknown>, inUrl: boolean): unknown {
  if (typeof value === "string") {
    const whole = /^@\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])*)\}$/.exec(value);
    if (whole && !inUrl) return lookupReference(results, whole[1] ?? "", whole[2] ?? "");
    return value.replace(REFERENCE, (_m, ref: string, path: string) => String(lookupReference(results, ref, path)));
  }
  if (Array.isArray(value)) return value.map((v) => resolveReferences(v, results, inUrl));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = resolveReferences(v, results, inUrl);
    return out;
  }
  return value;
}
