/**
 * sObject Collections under `/composite/sobjects`: create, update and delete up to 200
 * records in one call, retrieve many records of one object, and upsert many by an external id.
 *
 * Invariants: one result per record, in request order; a failed record stores nothing (the
 * writer throws inside its transaction); with `allOrNone` one failure rolls the whole call back
 * and every other record reports ALL_OR_NONE_OPERATION_ROLLED_BACK.
 */
import { readSalesforceId } from "../ids/salesforce-id.js";
import { apiErrors, SalesforceApiError } from "../schema/errors.js";
import type { ObjectDef } from "../schema/schema-types.js";
import { createAccessChecker } from "../sharing/access.js";
import type { Org } from "../store/org.js";
import { allow, isPlainObject, json, requireBodyObject } from "./api-response.js";
import type { ApiRequest, ApiResponse } from "./api-types.js";
import { externalField, matchExternal, selectFields, shapeRecord } from "./record-reads.js";
import { createRecord, deleteRecord, requireObject, updateRecord } from "./record-writer.js";
import { writeContextOf } from "./write-context.js";

const MAX_COLLECTION = 200;

type Result = Record<string, unknown>;

/** Handles `/composite/sobjects...`; `rest` is the path after `sobjects`. */
export function handleCollections(org: Org, req: ApiRequest, rest: readonly string[]): ApiResponse {
  if (rest.length === 0) {
    allow(req, ["POST", "PATCH", "DELETE"]);
    return req.method === "DELETE" ? deleteMany(org, req) : saveMany(org, req);
  }
  const def = requireObject(org, rest[0] ?? "");
  if (rest.length === 1) {
    allow(req, ["GET", "POST"]);
    return retrieveMany(org, req, def);
  }
  if (rest.length === 2) {
    allow(req, ["PATCH"]);
    return upsertMany(org, req, def, rest[1] ?? "");
  }
  throw apiErrors.notFound();
}

/** `DELETE /composite/sobjects?ids=`. */
function deleteMany(org: Org, req: ApiRequest): ApiResponse {
  const ctx = writeContextOf(org, req);
  const ids = (req.query.get("ids") ?? "").split(",").filter((s) => s !== "");
  if (ids.length === 0) {
    throw new SalesforceApiError(400, "REQUIRED_FIELD_MISSING", "At least 1 Id is required.", []);
  }
  if (ids.length > MAX_COLLECTION) throw tooMany();
  const allOrNone = req.query.get("allOrNone") === "true";
  return json(
    200,
    runBatch(org, allOrNone, ids.length, (i) => {
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

/** `POST /composite/sobjects` (create) and `PATCH /composite/sobjects` (update by `Id`). */
function saveMany(org: Org, req: ApiRequest): ApiResponse {
  const ctx = writeContextOf(org, req);
  const { allOrNone, records } = recordsOf(req);
  const creating = req.method === "POST";
  return json(
    200,
    runBatch(org, allOrNone, records.length, (i) => {
      const rec = records[i];
      let idText: string | undefined;
      try {
        const def = typeOf(org, rec);
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

/** `GET /composite/sobjects/X?ids=&fields=` and `POST` with `{ ids, fields }`. */
function retrieveMany(org: Org, req: ApiRequest, def: ObjectDef): ApiResponse {
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
      return rec && rec.IsDeleted !== true && access.canRead(def.name, rec) ? shapeRecord(req, def, rec, fields) : null;
    }),
  );
}

/** `PATCH /composite/sobjects/X/{externalIdField}`: upsert each record by its external id. */
function upsertMany(org: Org, req: ApiRequest, def: ObjectDef, fieldName: string): ApiResponse {
  const f = externalField(def, fieldName);
  const { allOrNone, records } = recordsOf(req);
  const ctx = writeContextOf(org, req);
  return json(
    200,
    runBatch(org, allOrNone, records.length, (i) => {
      const rec = records[i];
      try {
        if (typeOf(org, rec).name !== def.name) {
          throw new SalesforceApiError(400, "INVALID_TYPE", "All records must be of the type in the URL", []);
        }
        const fields = isPlainObject(rec) ? { ...rec } : {};
        const key = Object.keys(fields).find((k) => k.toLowerCase() === f.name.toLowerCase());
        const value = key ? fields[key] : undefined;
        if (typeof value !== "string" || value === "") {
          throw new SalesforceApiError(400, "MISSING_ARGUMENT", `${f.name} not specified`, [f.name]);
        }
        const matches = matchExternal(org, req, def, f, value);
        if (matches.length > 1) {
          throw new SalesforceApiError(400, "DUPLICATE_EXTERNAL_ID", `Duplicate external id specified: ${value}`, [
            f.name,
          ]);
        }
        const match = matches[0];
        if (key) delete fields[key];
        if (match) {
          return { id: updateRecord(ctx, def, String(match.Id), fields), success: true, errors: [], created: false };
        }
        if (f.name === "Id") throw apiErrors.notFound();
        return { id: createRecord(ctx, def, { ...fields, [f.name]: value }), success: true, errors: [], created: true };
      } catch (error) {
        return failure(error);
      }
    }),
  );
}

/** One record's failure entry; an unexpected error becomes UNKNOWN_EXCEPTION. */
function failure(error: unknown, id?: string): Result {
  const e =
    error instanceof SalesforceApiError ? error : new SalesforceApiError(500, "UNKNOWN_EXCEPTION", String(error));
  const entry = { statusCode: e.errorCode, message: e.message, fields: e.fields ?? [] };
  return id ? { id, success: false, errors: [entry] } : { success: false, errors: [entry] };
}

/** Runs `count` records, each in its own transaction; with `allOrNone`, one failure undoes all. */
function runBatch(org: Org, allOrNone: boolean, count: number, one: (i: number) => Result): Result[] {
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
}

function tooMany(): SalesforceApiError {
  return new SalesforceApiError(
    400,
    "EXCEEDED_ID_LIMIT",
    `record limit reached. cannot submit more than ${MAX_COLLECTION} records into this call`,
  );
}

function recordsOf(req: ApiRequest): { allOrNone: boolean; records: unknown[] } {
  const body = requireBodyObject(req);
  if (!Array.isArray(body.records)) {
    throw new SalesforceApiError(400, "INVALID_FIELD", "The request body must contain a 'records' array", []);
  }
  if (body.records.length > MAX_COLLECTION) throw tooMany();
  return { allOrNone: body.allOrNone === true, records: body.records };
}

/** The object a collection record names in `attributes.type`. */
function typeOf(org: Org, rec: unknown): ObjectDef {
  const type = isPlainObject(rec) && isPlainObject(rec.attributes) ? rec.attributes.type : undefined;
  if (typeof type !== "string") {
    throw new SalesforceApiError(400, "INVALID_TYPE", "Must send a concrete entity type.", []);
  }
  const def = org.schema.object(type);
  if (!def) throw new SalesforceApiError(400, "INVALID_TYPE", `sObject type '${type}' is not supported.`, []);
  return def;
}
