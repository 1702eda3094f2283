/**
 * The REST data API under `/services/data/vNN.N` (reference §1.3, §2): resources, describe,
 * single-record CRUD and upsert, getUpdated/getDeleted, query/queryAll/queryMore, sObject
 * Collections, composite and limits — as one synchronous router over {@link ApiRequest}.
 *
 * Invariants: every failure is a {@link SalesforceApiError} turned into a JSON error array;
 * a request either applies all its changes or none (collections with `allOrNone`, composite
 * with `allOrNone`); every write runs as the token's user under sharing.
 */
import { readSalesforceId } from "../ids/salesforce-id.js";
import type { FieldDef, ObjectDef } from "../schema/schema-types.js";
import { createAccessChecker } from "../sharing/access.js";
import { type QueryCursors, readBatchSize } from "../soql/query-cursors.js";
import { executeQuery } from "../soql/query-engine.js";
import type { Org } from "../store/org.js";
import type { SfRecord } from "../store/org-store.js";
import { createRecord, deleteRecord, requireObject, updateRecord, type WriteContext } from "../store/record-writer.js";
import { DAY_MS, formatDateTime, parseDateTime } from "../util/time.js";
import type { ApiRequest, ApiResponse, ApiUsageView } from "./api-types.js";
import { BulkQueryJobs } from "./bulk-query.js";
import { describeGlobalEntry, describeObject } from "./describe.js";
import { apiErrors, SalesforceApiError } from "./errors.js";

const MAX_COLLECTION = 200;
const MAX_COMPOSITE = 25;

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

function json(status: number, body: unknown, headers?: Record<string, string>): ApiResponse {
  return headers ? { status, body, headers } : { status, body };
}

function noContent(): ApiResponse {
  return { status: 204 };
}

function errorResponse(error: SalesforceApiError): ApiResponse {
  return json(error.status, [error.toEntry()]);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Creates the data API router. */
export function createDataApi(options: DataApiOptions): DataApi {
  const { org, cursors, usage } = options;
  const bulkJobs = new BulkQueryJobs(org);

  const writeContext = (req: ApiRequest): WriteContext => ({
    org,
    userId: req.userId,
    access: createAccessChecker(org, req.userId),
    nowMs: org.clock.nowMs(),
  });

  const handle = (req: ApiRequest): ApiResponse => {
    try {
      return route(req);
    } catch (error) {
      if (error instanceof SalesforceApiError) return errorResponse(error);
      throw error;
    }
  };

  const allow = (req: ApiRequest, allowed: readonly string[]): void => {
    if (!allowed.includes(req.method)) throw apiErrors.methodNotAllowed(req.method, allowed);
  };

  const route = (req: ApiRequest): ApiResponse => {
    const segments = req.path.split("/").filter((s) => s !== "");
    const [head, ...rest] = segments;
    switch (head) {
      case undefined:
        allow(req, ["GET"]);
        return resources(req);
      case "sobjects":
        return sobjects(req, rest);
      case "query":
      case "queryAll":
        allow(req, ["GET"]);
        return query(req, head === "queryAll", rest[0]);
      case "composite":
        if (rest[0] === "sobjects") return collections(req, rest.slice(1));
        if (rest.length === 0) {
          allow(req, ["POST"]);
          return composite(req);
        }
        throw apiErrors.notFound();
      case "limits":
        allow(req, ["GET"]);
        return limits();
      case "jobs":
        if (rest[0] !== "query") throw apiErrors.notFound();
        return bulkJobs.handle(req, rest.slice(1), createAccessChecker(org, req.userId));
      default:
        throw apiErrors.notFound();
    }
  };

  const resources = (req: ApiRequest): ApiResponse => {
    const b = `/services/data/v${req.version}`;
    return json(200, {
      tooling: `${b}/tooling`,
      metadata: `${b}/metadata`,
      eclair: `${b}/eclair`,
      folders: `${b}/folders`,
      prechatForms: `${b}/prechatForms`,
      chatter: `${b}/chatter`,
      tabs: `${b}/tabs`,
      appMenu: `${b}/appMenu`,
      quickActions: `${b}/quickActions`,
      queryAll: `${b}/queryAll`,
      commerce: `${b}/commerce`,
      wave: `${b}/wave`,
      search: `${b}/search`,
      identity: `${options.baseUrl()}/id/${org.orgId}/${req.userId}`,
      composite: `${b}/composite`,
      theme: `${b}/theme`,
      nouns: `${b}/nouns`,
      recent: `${b}/recent`,
      licensing: `${b}/licensing`,
      limits: `${b}/limits`,
      process: `${b}/process`,
      query: `${b}/query`,
      sobjects: `${b}/sobjects`,
      actions: `${b}/actions`,
      support: `${b}/support`,
    });
  };

  const limits = (): ApiResponse => {
    const max = usage.max();
    const fixed = (n: number) => ({ Max: n, Remaining: n });
    return json(200, {
      ConcurrentAsyncGetReportInstances: fixed(200),
      ConcurrentSyncReportRuns: fixed(20),
      DailyApiRequests: { Max: max, Remaining: Math.max(0, max - usage.used()) },
      DailyAsyncApexExecutions: fixed(250000),
      DailyBulkApiBatches: fixed(15000),
      DailyBulkV2QueryFileStorageMB: fixed(976562),
      DailyBulkV2QueryJobs: fixed(10000),
      DailyStreamingApiEvents: fixed(10000),
      DataStorageMB: { Max: 1024, Remaining: 1000 },
      FileStorageMB: { Max: 1024, Remaining: 1024 },
      HourlyODataCallout: fixed(10000),
      SingleEmail: fixed(5000),
    });
  };

  // ---------------------------------------------------------------- sobjects
  const sobjects = (req: ApiRequest, rest: string[]): ApiResponse => {
    if (rest.length === 0) {
      allow(req, ["GET"]);
      return json(200, {
        encoding: "UTF-8",
        maxBatchSize: 200,
        sobjects: org.schema.objects.map((o) => describeGlobalEntry(o, req.version)),
      });
    }
    const def = requireObject(org, rest[0] ?? "");
    const [, second, third, ...extra] = rest;
    if (extra.length > 0) throw apiErrors.notFound();
    if (second === undefined) {
      allow(req, ["GET", "POST"]);
      if (req.method === "GET") {
        return json(200, { objectDescribe: describeGlobalEntry(def, req.version), recentItems: [] });
      }
      return create(req, def);
    }
    if (third === undefined) {
      if (second === "describe") {
        allow(req, ["GET"]);
        return json(200, describeObject(def, req.version));
      }
      if (second === "updated" || second === "deleted") {
        allow(req, ["GET"]);
        return second === "updated" ? getUpdated(req, def) : getDeleted(req, def);
      }
      allow(req, ["GET", "PATCH", "DELETE"]);
      const id = readSalesforceId(second);
      if (!id) {
        throw new SalesforceApiError(
          404,
          "NOT_FOUND",
          `Provided external ID field does not exist or is not accessible: ${second}`,
        );
      }
      if (req.method === "GET") return retrieve(req, def, second);
      const ctx = writeContext(req);
      if (req.method === "DELETE") {
        deleteRecord(ctx, def, second);
        return noContent();
      }
      const body = requireBodyObject(req);
      updateRecord(ctx, def, second, body, { ifUnmodifiedSince: readIfUnmodifiedSince(req) });
      return noContent();
    }
    // /sobjects/X/{externalIdField}/{value}
    allow(req, ["GET", "PATCH", "DELETE"]);
    return byExternalId(req, def, second, decodeURIComponent(third));
  };

  const requireBodyObject = (req: ApiRequest): Record<string, unknown> => {
    if (!isPlainObject(req.body)) {
      throw apiErrors.jsonParser(
        req.body === undefined
          ? "The HTTP entity body is required, but this request has no entity body."
          : "Cannot deserialize instance of object from START_ARRAY value",
      );
    }
    return req.body;
  };

  const create = (req: ApiRequest, def: ObjectDef): ApiResponse => {
    const body = requireBodyObject(req);
    const id = createRecord(writeContext(req), def, body);
    return json(
      201,
      { id, success: true, errors: [] },
      { Location: `/services/data/v${req.version}/sobjects/${def.name}/${id}` },
    );
  };

  const selectFields = (def: ObjectDef, fieldsParam: string | null): FieldDef[] => {
    if (!fieldsParam) return [...def.fields];
    return fieldsParam
      .split(",")
      .map((n) => n.trim())
      .filter((n) => n !== "")
      .map((n) => {
        const f = def.fieldsByLower.get(n.toLowerCase());
        if (!f) {
          throw apiErrors.invalidField(
            `No such column '${n}' on entity '${def.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
          );
        }
        return f;
      });
  };

  const shapeRecord = (req: ApiRequest, def: ObjectDef, rec: SfRecord, fields: readonly FieldDef[]) => {
    const out: Record<string, unknown> = {
      attributes: { type: def.name, url: `/services/data/v${req.version}/sobjects/${def.name}/${String(rec.Id)}` },
    };
    for (const f of fields) out[f.name] = rec[f.name] ?? null;
    return out;
  };

  const retrieve = (req: ApiRequest, def: ObjectDef, idText: string): ApiResponse => {
    const fields = selectFields(def, req.query.get("fields"));
    const id = readSalesforceId(idText);
    if (!id?.startsWith(def.keyPrefix)) throw apiErrors.malformedId(def.label, idText);
    const rec = org.store.get(def.name, id);
    if (!rec) throw apiErrors.notFound();
    if (rec.IsDeleted === true) throw apiErrors.entityDeleted();
    if (!createAccessChecker(org, req.userId).canRead(def.name, rec)) throw apiErrors.notFound();
    return json(200, shapeRecord(req, def, rec, fields));
  };

  const externalField = (def: ObjectDef, name: string): FieldDef => {
    const f = def.fieldsByLower.get(name.toLowerCase());
    if (!f || !(f.externalId || f.name === "Id")) {
      throw new SalesforceApiError(
        404,
        "NOT_FOUND",
        `Provided external ID field does not exist or is not accessible: ${name}`,
      );
    }
    return f;
  };

  const matchExternal = (req: ApiRequest, def: ObjectDef, f: FieldDef, value: string): SfRecord[] => {
    const access = createAccessChecker(org, req.userId);
    if (f.name === "Id") {
      const id = readSalesforceId(value);
      const rec = id ? org.store.get(def.name, id) : undefined;
      return rec && rec.IsDeleted !== true && access.canRead(def.name, rec) ? [rec] : [];
    }
    const lower = value.toLowerCase();
    const out: SfRecord[] = [];
    for (const rec of org.store.table(def.name).values()) {
      const v = rec[f.name];
      if (
        rec.IsDeleted !== true &&
        typeof v === "string" &&
        v.toLowerCase() === lower &&
        access.canRead(def.name, rec)
      ) {
        out.push(rec);
      }
    }
    return out;
  };

  const byExternalId = (req: ApiRequest, def: ObjectDef, fieldName: string, value: string): ApiResponse => {
    const f = externalField(def, fieldName);
    const matches = matchExternal(req, def, f, value);
    if (matches.length > 1) {
      return json(
        300,
        matches.map((m) => `/services/data/v${req.version}/sobjects/${def.name}/${String(m.Id)}`),
      );
    }
    const match = matches[0];
    if (req.method === "GET") {
      if (!match) throw apiErrors.notFound();
      return json(200, shapeRecord(req, def, match, selectFields(def, req.query.get("fields"))));
    }
    const ctx = writeContext(req);
    if (req.method === "DELETE") {
      if (!match) throw apiErrors.notFound();
      deleteRecord(ctx, def, String(match.Id));
      return noContent();
    }
    const body = { ...requireBodyObject(req) };
    for (const key of Object.keys(body)) if (key.toLowerCase() === f.name.toLowerCase()) delete body[key];
    if (match) {
      const id = updateRecord(ctx, def, String(match.Id), body);
      if (Number(req.version) <= 45) return noContent();
      return json(200, { id, success: true, errors: [], created: false });
    }
    if (f.name === "Id" || req.query.get("updateOnly") === "true") throw apiErrors.notFound();
    const id = createRecord(ctx, def, { ...body, [f.name]: value });
    return json(201, { id, success: true, errors: [], created: true });
  };

  // ---------------------------------------------------------------- replication
  const replicationWindow = (req: ApiRequest, maxDays: number, enforceStart: boolean) => {
    const startText = req.query.get("start");
    const endText = req.query.get("end");
    if (!startText || !endText) {
      throw new SalesforceApiError(400, "MISSING_ARGUMENT", `${startText ? "end" : "start"} parameter is required`);
    }
    const startMs = parseDateTime(startText);
    const endMs = parseDateTime(endText);
    if (startMs === undefined || endMs === undefined) {
      throw new SalesforceApiError(
        400,
        "INVALID_REPLICATION_DATE",
        `Invalid date: ${startMs === undefined ? startText : endText}`,
      );
    }
    const minute = 60_000;
    const now = org.clock.nowMs();
    const start = Math.floor(startMs / minute) * minute;
    const end = Math.floor(Math.min(endMs, now) / minute) * minute;
    if (start >= Math.floor(endMs / minute) * minute) {
      throw new SalesforceApiError(400, "INVALID_REPLICATION_DATE", "startDate must chronologically precede endDate");
    }
    const earliest = Math.floor((now - maxDays * DAY_MS) / minute) * minute;
    if (enforceStart && start < earliest) {
      throw new SalesforceApiError(
        400,
        "INVALID_REPLICATION_DATE",
        `startDate cannot be more than ${maxDays} days ago`,
      );
    }
    return { start, end: Math.max(start, end), earliest };
  };

  const getUpdated = (req: ApiRequest, def: ObjectDef): ApiResponse => {
    const { start, end } = replicationWindow(req, 30, true);
    const lo = formatDateTime(start);
    const hi = formatDateTime(end);
    const access = createAccessChecker(org, req.userId);
    const ids: string[] = [];
    for (const rec of org.store.table(def.name).values()) {
      const stamp = String(rec.SystemModstamp);
      if (rec.IsDeleted === true || stamp < lo || stamp >= hi) continue;
      if (!access.canRead(def.name, rec)) continue;
      ids.push(String(rec.Id));
      if (ids.length > 600_000) throw new SalesforceApiError(400, "EXCEEDED_ID_LIMIT", "record limit reached");
    }
    return json(200, { ids, latestDateCovered: hi });
  };

  const getDeleted = (req: ApiRequest, def: ObjectDef): ApiResponse => {
    const { start, end, earliest } = replicationWindow(req, 15, false);
    org.store.purgeDeletedBefore(earliest);
    const access = createAccessChecker(org, req.userId);
    const deletedRecords: { id: string; deletedDate: string }[] = [];
    const table = org.store.table(def.name);
    for (const [id, at] of org.store.deletions()) {
      if (at < start || at >= end) continue;
      const rec = table.get(id);
      if (!rec || !access.canRead(def.name, rec)) continue;
      deletedRecords.push({ id, deletedDate: formatDateTime(at) });
    }
    deletedRecords.sort((a, b) => (a.deletedDate < b.deletedDate ? -1 : a.deletedDate > b.deletedDate ? 1 : 0));
    return json(200, {
      deletedRecords,
      earliestDateAvailable: formatDateTime(earliest),
      latestDateCovered: formatDateTime(end),
    });
  };

  // ---------------------------------------------------------------- query
  const query = (req: ApiRequest, all: boolean, locator: string | undefined): ApiResponse => {
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
  };

  // ---------------------------------------------------------------- collections
  type Result = Record<string, unknown>;
  const failure = (error: unknown, id?: string): Result => {
    const e =
      error instanceof SalesforceApiError ? error : new SalesforceApiError(500, "UNKNOWN_EXCEPTION", String(error));
    const entry = { statusCode: e.errorCode, message: e.message, fields: e.fields ?? [] };
    return id ? { id, success: false, errors: [entry] } : { success: false, errors: [entry] };
  };

  const runBatch = (allOrNone: boolean, count: number, one: (i: number) => Result): Result[] => {
    return org.store.transaction((rollback) => {
      const results: Result[] = [];
      for (let i = 0; i < count; i++) {
        results.push(org.store.transaction(() => one(i)));
      }
      if (allOrNone && results.some((r) => r.success === false)) {
        rollback();
        return results.map((r) =>
          r.success === false
            ? r
            : {
                ...(typeof r.id === "string" ? { id: r.id } : {}),
                success: false,
                errors: [
                  {
                    statusCode: "ALL_OR_NONE_OPERATION_ROLLED_BACK",
                    message:
                      "Record rolled back because not all records were valid and the request was using AllOrNone header",
                    fields: [],
                  },
                ],
              },
        );
      }
      return results;
    });
  };

  const tooMany = (): SalesforceApiError =>
    new SalesforceApiError(
      400,
      "EXCEEDED_ID_LIMIT",
      `record limit reached. cannot submit more than ${MAX_COLLECTION} records into this call`,
    );

  const recordsOf = (req: ApiRequest): { allOrNone: boolean; records: unknown[] } => {
    const body = requireBodyObject(req);
    if (!Array.isArray(body.records)) {
      throw new SalesforceApiError(400, "INVALID_FIELD", "The request body must contain a 'records' array", []);
    }
    if (body.records.length > MAX_COLLECTION) throw tooMany();
    return { allOrNone: body.allOrNone === true, records: body.records };
  };

  const typeOf = (rec: unknown): ObjectDef => {
    const type = isPlainObject(rec) && isPlainObject(rec.attributes) ? rec.attributes.type : undefined;
    if (typeof type !== "string") {
      throw new SalesforceApiError(400, "INVALID_TYPE", "Must send a concrete entity type.", []);
    }
    const def = org.schema.object(type);
    if (!def) throw new SalesforceApiError(400, "INVALID_TYPE", `sObject type '${type}' is not supported.`, []);
    return def;
  };

  const collections = (req: ApiRequest, rest: string[]): ApiResponse => {
    if (rest.length === 0) {
      allow(req, ["POST", "PATCH", "DELETE"]);
      const ctx = writeContext(req);
      if (req.method === "DELETE") {
        const ids = (req.query.get("ids") ?? "").split(",").filter((s) => s !== "");
        if (ids.length === 0) {
          throw new SalesforceApiError(400, "REQUIRED_FIELD_MISSING", "At least 1 Id is required.", []);
        }
        if (ids.length > MAX_COLLECTION) throw tooMany();
        const allOrNone = req.query.get("allOrNone") === "true";
        return json(
          200,
          runBatch(allOrNone, ids.length, (i) => {
            const idText = ids[i] ?? "";
            const id = readSalesforceId(idText);
            try {
              const def = id ? org.schema.objects.find((o) => o.deletable && id.startsWith(o.keyPrefix)) : undefined;
              if (!def || !id) throw apiErrors.malformedId("Record", idText);
              return { id: deleteRecord(ctx, def, id), success: true, errors: [] };
            } catch (error) {
              return failure(error, id);
            }
          }),
        );
      }
      const { allOrNone, records } = recordsOf(req);
      const creating = req.method === "POST";
      return json(
        200,
        runBatch(allOrNone, records.length, (i) => {
          const rec = records[i];
          let idText: string | undefined;
          try {
            const def = typeOf(rec);
            const fields = isPlainObject(rec) ? { ...rec } : {};
            if (creating) {
              if ("id" in fields || "Id" in fields) {
                throw new SalesforceApiError(
                  400,
                  "INVALID_FIELD_FOR_INSERT_UPDATE",
                  "cannot specify Id in an insert call",
                  ["Id"],
                );
              }
              return { id: createRecord(ctx, def, fields), success: true, errors: [] };
            }
            const key = Object.keys(fields).find((k) => k.toLowerCase() === "id");
            const raw = key ? fields[key] : undefined;
            if (typeof raw !== "string" || raw === "") {
              throw new SalesforceApiError(400, "MISSING_ARGUMENT", "Id not specified in an update call", []);
            }
            if (key) delete fields[key];
            idText = readSalesforceId(raw);
            return { id: updateRecord(ctx, def, raw, fields), success: true, errors: [] };
          } catch (error) {
            return failure(error, idText);
          }
        }),
      );
    }
    const def = requireObject(org, rest[0] ?? "");
    if (rest.length === 1) {
      allow(req, ["GET", "POST"]);
      const body = req.method === "POST" ? requireBodyObject(req) : undefined;
      const idsRaw = body ? body.ids : (req.query.get("ids") ?? "").split(",").filter((s) => s !== "");
      const fieldsRaw = body ? body.fields : (req.query.get("fields") ?? "").split(",").filter((s) => s !== "");
      if (!Array.isArray(idsRaw) || idsRaw.length === 0) {
        throw new SalesforceApiError(400, "REQUIRED_FIELD_MISSING", "At least 1 Id is required.", []);
      }
      if (!Array.isArray(fieldsRaw) || fieldsRaw.length === 0) {
        throw new SalesforceApiError(400, "REQUIRED_FIELD_MISSING", "At least 1 field is required.", []);
      }
      if (idsRaw.length > (body ? 2000 : 800)) throw tooMany();
      const fields = selectFields(def, fieldsRaw.map(String).join(","));
      const access = createAccessChecker(org, req.userId);
      return json(
        200,
        idsRaw.map((raw) => {
          const id = readSalesforceId(String(raw));
          const rec = id ? org.store.get(def.name, id) : undefined;
          return rec && rec.IsDeleted !== true && access.canRead(def.name, rec)
            ? shapeRecord(req, def, rec, fields)
            : null;
        }),
      );
    }
    if (rest.length === 2) {
      allow(req, ["PATCH"]);
      const f = externalField(def, rest[1] ?? "");
      const { allOrNone, records } = recordsOf(req);
      const ctx = writeContext(req);
      return json(
        200,
        runBatch(allOrNone, records.length, (i) => {
          const rec = records[i];
          try {
            if (typeOf(rec).name !== def.name) {
              throw new SalesforceApiError(400, "INVALID_TYPE", "All records must be of the type in the URL", []);
            }
            const fields = isPlainObject(rec) ? { ...rec } : {};
            const key = Object.keys(fields).find((k) => k.toLowerCase() === f.name.toLowerCase());
            const value = key ? fields[key] : undefined;
            if (typeof value !== "string" || value === "") {
              throw new SalesforceApiError(400, "MISSING_ARGUMENT", `${f.name} not specified`, [f.name]);
            }
            const matches = matchExternal(req, def, f, value);
            if (matches.length > 1) {
              throw new SalesforceApiError(400, "DUPLICATE_EXTERNAL_ID", `Duplicate external id specified: ${value}`, [
                f.name,
              ]);
            }
            const match = matches[0];
            if (key) delete fields[key];
            if (match) {
              return {
                id: updateRecord(ctx, def, String(match.Id), fields),
                success: true,
                errors: [],
                created: false,
              };
            }
            if (f.name === "Id") throw apiErrors.notFound();
            return {
              id: createRecord(ctx, def, { ...fields, [f.name]: value }),
              success: true,
              errors: [],
              created: true,
            };
          } catch (error) {
            return failure(error);
          }
        }),
      );
    }
    throw apiErrors.notFound();
  };

  // ---------------------------------------------------------------- composite
  const composite = (req: ApiRequest): ApiResponse => {
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
    const halted = (message: string) => ({
      body: [{ errorCode: "PROCESSING_HALTED", message }],
      httpHeaders: {},
      httpStatusCode: 400,
    });
    return org.store.transaction((rollback) => {
      const results = new Map<string, unknown>();
      const responses: Record<string, unknown>[] = [];
      let failed = false;
      for (const sub of subs) {
        const referenceId = isPlainObject(sub) && typeof sub.referenceId === "string" ? sub.referenceId : "";
        if (failed && allOrNone) {
          responses.push({
            ...halted("The transaction was rolled back since another operation in the same transaction failed."),
            referenceId,
          });
          continue;
        }
        let response: ApiResponse;
        try {
          response = runSub(req, sub, results);
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
            (r.httpStatusCode as number) < 400
              ? {
                  ...halted("The transaction was rolled back since another operation in the same transaction failed."),
                  referenceId: r.referenceId,
                }
              : r,
          ),
        });
      }
      return json(200, { compositeResponse: responses });
    });
  };

  const runSub = (req: ApiRequest, sub: unknown, results: Map<string, unknown>): ApiResponse => {
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
  };

  const routeKey = (method: string, path: string): string => {
    const segments = path.split("/").filter((s) => s !== "");
    const [head, a, b, c] = segments;
    if (head === undefined) return `${method} /`;
    if (head === "query" || head === "queryAll") return a ? `${method} /${head}/:locator` : `${method} /${head}`;
    if (head === "sobjects") {
      if (!a) return `${method} /sobjects`;
      const name = org.schema.object(a)?.name ?? a;
      if (!b) return `${method} /sobjects/${name}`;
      if (b === "describe" || b === "updated" || b === "deleted") return `${method} /sobjects/${name}/${b}`;
      return c ? `${method} /sobjects/${name}/:field/:value` : `${method} /sobjects/${name}/:id`;
    }
    if (head === "jobs") return `${method} /jobs/query${b ? (c ? "/:id/results" : "/:id") : ""}`;
    if (head === "composite") {
      if (a === "sobjects")
        return b
          ? `${method} /composite/sobjects/${org.schema.object(b)?.name ?? b}${c ? "/:field" : ""}`
          : `${method} /composite/sobjects`;
      return `${method} /composite`;
    }
    return `${method} /${head}`;
  };

  return { handle, routeKey };
}

function readIfUnmodifiedSince(req: ApiRequest): { ms: number; exact: boolean } | undefined {
  const header = req.header("if-unmodified-since");
  if (!header) return undefined;
  const iso = parseDateTime(header);
  if (iso !== undefined) return { ms: iso, exact: /\.\d+/.test(header) };
  const ms = Date.parse(header);
  if (Number.isNaN(ms)) {
    throw new SalesforceApiError(400, "INVALID_HEADER_TYPE", `Invalid If-Unmodified-Since header: ${header}`);
  }
  return { ms, exact: false };
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
