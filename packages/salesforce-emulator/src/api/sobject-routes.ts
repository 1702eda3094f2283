/**
 * `/sobjects` routes: describeGlobal, the object summary, describe,
 * create, retrieve, update and delete by id, getUpdated/getDeleted, and retrieve, upsert and
 * delete by external id.
 *
 * Invariants: a write runs as the request's user under sharing; an upsert by external id with
 * several matches answers 300 with their URLs and changes nothing.
 */
import { readSalesforceId } from "../ids/salesforce-id.js";
import { apiErrors, SalesforceApiError } from "../schema/errors.js";
import type { ObjectDef } from "../schema/schema-types.js";
import { createAccessChecker } from "../sharing/access.js";
import type { Org } from "../store/org.js";
import { parseDateTime } from "../util/time.js";
import { allow, json, noContent, requireBodyObject, unknownExternalIdField } from "./api-response.js";
import type { ApiRequest, ApiResponse } from "./api-types.js";
import { describeGlobalEntry, describeObject } from "./describe.js";
import { externalField, matchExternal, selectFields, shapeRecord } from "./record-reads.js";
import { recordTypeInfos } from "./record-type-infos.js";
import { createRecord, deleteRecord, requireObject, updateRecord } from "./record-writer.js";
import { getDeleted, getUpdated } from "./replication-routes.js";
import { writeContextOf } from "./write-context.js";

/** Handles `/sobjects/...`; `rest` is the path after `sobjects`. */
export function handleSobjects(org: Org, req: ApiRequest, rest: readonly string[]): ApiResponse {
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
    return create(org, req, def);
  }
  if (third === undefined) return objectResource(org, req, def, second);
  // /sobjects/X/{externalIdField}/{value}
  allow(req, ["GET", "PATCH", "DELETE"]);
  return byExternalId(org, req, def, second, decodeURIComponent(third));
}

/** `/sobjects/X/describe`, `/updated`, `/deleted` or `/{id}`. */
function objectResource(org: Org, req: ApiRequest, def: ObjectDef, second: string): ApiResponse {
  if (second === "describe") {
    allow(req, ["GET"]);
    return json(200, describeObject(def, req.version, recordTypeInfos(org.store, def.name, req.version)));
  }
  if (second === "updated" || second === "deleted") {
    allow(req, ["GET"]);
    return second === "updated" ? getUpdated(org, req, def) : getDeleted(org, req, def);
  }
  allow(req, ["GET", "PATCH", "DELETE"]);
  const id = readSalesforceId(second);
  if (!id) throw unknownExternalIdField(second);
  if (req.method === "GET") return retrieve(org, req, def, second);
  const ctx = writeContextOf(org, req);
  if (req.method === "DELETE") {
    deleteRecord(ctx, def, second);
    return noContent();
  }
  const body = requireBodyObject(req);
  updateRecord(ctx, def, second, body, { ifUnmodifiedSince: readIfUnmodifiedSince(req) });
  return noContent();
}

function create(org: Org, req: ApiRequest, def: ObjectDef): ApiResponse {
  const body = requireBodyObject(req);
  const id = createRecord(writeContextOf(org, req), def, body);
  return json(
    201,
    { id, success: true, errors: [] },
    { Location: `/services/data/v${req.version}/sobjects/${def.name}/${id}` },
  );
}

function retrieve(org: Org, req: ApiRequest, def: ObjectDef, idText: string): ApiResponse {
  const fields = selectFields(def, req.query.get("fields"));
  const id = readSalesforceId(idText);
  if (!id?.startsWith(def.keyPrefix)) throw apiErrors.malformedId(def.label, idText);
  const rec = org.store.get(def.name, id);
  if (!rec) throw apiErrors.notFound();
  if (rec.IsDeleted === true) throw apiErrors.entityDeleted();
  if (!createAccessChecker(org, req.userId).canRead(def.name, rec)) throw apiErrors.notFound();
  return json(200, shapeRecord(req, def, rec, fields));
}

function byExternalId(org: Org, req: ApiRequest, def: ObjectDef, fieldName: string, value: string): ApiResponse {
  const f = externalField(def, fieldName);
  const matches = matchExternal(org, req, def, f, value);
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
  const ctx = writeContextOf(org, req);
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
