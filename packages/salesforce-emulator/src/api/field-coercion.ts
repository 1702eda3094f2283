/**
 * Coercing one JSON input value to the stored wire form of its field: booleans,
 * numbers, dates and date-times, references, text length, email form and restricted picklists.
 *
 * Invariant: a value is either stored in the field's canonical form or refused with the error
 * Salesforce gives (JSON_PARSER_ERROR, STRING_TOO_LONG, MALFORMED_ID, …); a reference must name a
 * live record the writer can read.
 */
import { readSalesforceId } from "../ids/salesforce-id.js";
import { apiErrors, SalesforceApiError } from "../schema/errors.js";
import type { FieldDef } from "../schema/schema-types.js";
import type { SfValue } from "../store/org-store.js";
import { formatDate, formatDateTime, parseDate, parseDateTime } from "../util/time.js";
import type { WriteContext } from "./write-context.js";

function deserializeError(kind: string, raw: unknown): SalesforceApiError {
  const token = typeof raw === "string" ? "VALUE_STRING" : typeof raw === "boolean" ? "VALUE_TRUE" : "VALUE_NUMBER_INT";
  return apiErrors.jsonParser(
    `Cannot deserialize instance of ${kind} from ${token} value ${String(raw)} or request may be missing a required field`,
  );
}

/** Coerces one JSON value to the stored wire form of the field, or throws the Salesforce error. */
export function coerce(ctx: WriteContext, f: FieldDef, raw: unknown): SfValue {
  if (raw === null || raw === undefined || raw === "") {
    return f.type === "boolean" ? false : null;
  }
  if (typeof raw === "object") {
    throw apiErrors.jsonParser(`Cannot deserialize instance of ${f.type} from START_OBJECT value`);
  }
  switch (f.type) {
    case "boolean":
      if (typeof raw === "boolean") return raw;
      if (raw === "true" || raw === "false") return raw === "true";
      throw deserializeError("boolean", raw);
    case "int":
    case "double":
    case "currency":
    case "percent": {
      const n = typeof raw === "number" ? raw : typeof raw === "string" && raw.trim() !== "" ? Number(raw) : Number.NaN;
      if (!Number.isFinite(n)) throw deserializeError(f.type === "int" ? "int" : "double", raw);
      return f.type === "int" ? Math.trunc(n) : n;
    }
    case "date": {
      const text = String(raw);
      const ms = parseDate(text) ?? parseDateTime(text);
      if (ms === undefined) throw deserializeError("date", raw);
      return formatDate(ms);
    }
    case "datetime": {
      const ms = parseDateTime(String(raw)) ?? parseDate(String(raw));
      if (ms === undefined) throw deserializeError("datetime", raw);
      return formatDateTime(ms);
    }
    case "reference":
    case "id":
      return coerceReference(ctx, f, String(raw));
    default: {
      const text = String(raw);
      if (text.length > f.length) {
        throw new SalesforceApiError(
          400,
          "STRING_TOO_LONG",
          `${f.label}: data value too large: ${text.slice(0, 80)} (max length=${f.length})`,
          [f.name],
        );
      }
      if (f.type === "email" && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(text)) {
        throw new SalesforceApiError(400, "INVALID_EMAIL_ADDRESS", `${f.label}: invalid email address: ${text}`, [
          f.name,
        ]);
      }
      if (f.restrictedPicklist) {
        const match = f.picklistValues.find((v) => v.toLowerCase() === text.toLowerCase());
        if (!match) {
          throw new SalesforceApiError(
            400,
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            `${f.label}: bad value for restricted picklist field: ${text}`,
            [f.name],
          );
        }
        return match;
      }
      return text;
    }
  }
}

function coerceReference(ctx: WriteContext, f: FieldDef, text: string): string {
  const id = readSalesforceId(text);
  const targets = f.referenceTo.map((name) => ctx.org.schema.object(name)).filter((o) => o !== undefined);
  if (!id || !targets.some((t) => id.startsWith(t.keyPrefix))) {
    throw new SalesforceApiError(400, "MALFORMED_ID", `${f.label} ID: id value of incorrect type: ${text}`, [f.name]);
  }
  const found = ctx.org.store.find(
    targets.map((t) => t.name),
    id,
  );
  if (!found) {
    throw new SalesforceApiError(400, "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", [f.name]);
  }
  if (found.record.IsDeleted === true) {
    throw new SalesforceApiError(400, "ENTITY_IS_DELETED", "entity is deleted", [f.name]);
  }
  if (!ctx.access.canRead(found.object, found.record)) {
    throw new SalesforceApiError(
      400,
      "INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY",
      "insufficient access rights on cross-reference id",
      [f.name],
    );
  }
  if (f.name === "OwnerId" && found.record.IsActive === false) {
    throw new SalesforceApiError(400, "INACTIVE_OWNER_OR_USER", "owner or user is inactive.", [f.name]);
  }
  return id;
}
