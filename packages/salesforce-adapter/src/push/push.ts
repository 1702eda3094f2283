/**
 * `push`: Task creates through sObject Collections (≤ 200 per call, `allOrNone: false`,
 * per-record results mapped back in order), or upserts on the configured External ID field;
 * then field edits with docs/protocol.md §4's three-way rule: read theirs, and write only when theirs
 * is still the base, under `If-Unmodified-Since` (412 → re-read → decide again).
 *
 * Invariants: exactly one result per write, in the order given; nothing is retried after it
 * may have been sent (a lost connection is `OutcomeUnknown`); a whole-call failure before any
 * result is known fails the effect, after that it becomes the result of the writes it hit.
 */
import type {
  CreateTaskWrite,
  SalesforceId,
  SalesforcePortError,
  SalesforceWrite,
  UpdateFieldWrite,
  WriteResult,
} from "@tandem/engine";
import { NotFound, readSalesforceId, Unavailable, ValidationFailed } from "@tandem/engine";
import { Effect, Result } from "effect";
import { type ReadSpec, runReads } from "../client/batch-reads.js";
import type { SalesforceClient } from "../client/salesforce-client.js";
import { fromErrorItems, type SalesforceErrorItem } from "../errors/map-error.js";
import { chunkedStatements, select, soqlId } from "../soql/builder.js";
import { checkFieldName, isFieldName, type ResolvedIdempotency } from "./idempotency.js";
import { lookupKeys } from "./lookup.js";

/** sObject Collections take at most 200 records per call. */
export const COLLECTION_MAX_RECORDS = 200;
/** How often an edit re-reads after a 412 before reporting a conflict-free retry failure. */
const MAX_PRECONDITION_ROUNDS = 3;

/** Options of {@link pushWrites}. */
export interface PushOptions {
  readonly idempotency: ResolvedIdempotency;
  readonly maxUrlLength: number;
  readonly useComposite: boolean;
}

type Row = Readonly<Record<string, unknown>>;

function taskBody(write: CreateTaskWrite, idempotency: ResolvedIdempotency): Record<string, unknown> {
  const f = write.fields;
  const body: Record<string, unknown> = {
    attributes: { type: "Task" },
    WhoId: f.WhoId,
    WhatId: f.WhatId,
    Subject: f.Subject,
    Description: f.Description,
    ActivityDate: f.ActivityDate,
    Status: f.Status,
    TaskSubtype: f.TaskSubtype,
    [idempotency.field]: idempotency.valueOf(write.key),
  };
  if (f.CallDurationInSeconds !== undefined) body.CallDurationInSeconds = f.CallDurationInSeconds;
  if (f.CallType !== undefined) body.CallType = f.CallType;
  return body;
}

interface SaveItem {
  readonly id?: unknown;
  readonly success?: unknown;
  readonly errors?: unknown;
}

function saveResult(write: SalesforceWrite, item: SaveItem | undefined): WriteResult {
  if (item !== undefined && item.success === true && typeof item.id === "string") {
    return { intentId: write.intentId, outcome: "applied", salesforceId: readSalesforceId(item.id) };
  }
  const errors = Array.isArray(item?.errors) ? (item.errors as ReadonlyArray<SalesforceErrorItem>) : [];
  return {
    intentId: write.intentId,
    outcome: "failed",
    error:
      item === undefined
        ? new Unavailable({ message: "Salesforce returned no result for this record" })
        : fromErrorItems(errors, { method: "POST" }),
  };
}

/** Deep equality of JSON-ish field values, treating numeric strings and numbers alike. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === undefined) a = null;
  if (b === undefined) b = null;
  if (a === b) return true;
  if (typeof a === "number" && typeof b === "string") return b.trim() !== "" && Number(b) === a;
  if (typeof a === "string" && typeof b === "number") return sameValue(b, a);
  if (typeof a === "string" && typeof b === "string") {
    // Datetimes in Salesforce's format and ISO compare by instant.
    const dateLike = /^\d{4}-\d{2}-\d{2}T/;
    if (dateLike.test(a) && dateLike.test(b)) {
      const pa = Date.parse(a.replace(/([+-]\d{2})(\d{2})$/, "$1:$2"));
      const pb = Date.parse(b.replace(/([+-]\d{2})(\d{2})$/, "$1:$2"));
      return !Number.isNaN(pa) && pa === pb;
    }
    return false;
  }
  if (typeof a === "object" && typeof b === "object" && a !== null && b !== null) {
    return JSON.stringify(a) === JSON.stringify(b);
  }
  return false;
}

/** The `If-Unmodified-Since` value (HTTP-date, RFC 9110) of a Salesforce datetime. */
export function httpDate(salesforceDateTime: string): string {
  return new Date(Date.parse(salesforceDateTime.replace(/([+-]\d{2})(\d{2})$/, "$1:$2"))).toUTCString();
}

/**
 * Makes `writes` and returns one result per write, in order.
 *
 * @example
 * ```ts
 * const results = yield* pushWrites(client, writes, { idempotency, maxUrlLength: 8000, useComposite: true });
 * ```
 */
export function pushWrites(
  client: SalesforceClient,
  writes: ReadonlyArray<SalesforceWrite>,
  options: PushOptions,
): Effect.Effect<ReadonlyArray<WriteResult>, SalesforcePortError> {
  return Effect.gen(function* () {
    const results: Array<WriteResult | undefined> = writes.map(() => undefined);
    let anyKnown = false;
    /** A whole-call failure: fail the push if nothing is known yet, else it is these writes' result. */
    const failMany = (indexes: ReadonlyArray<number>, error: SalesforcePortError) => {
      for (const index of indexes) {
        const write = writes[index];
        if (write !== undefined) results[index] = { intentId: write.intentId, outcome: "failed", error };
      }
    };

    const creates: number[] = [];
    const updates: number[] = [];
    for (const [index, write] of writes.entries()) {
      if (write.kind === "createTask") creates.push(index);
      else if (isFieldName(write.field)) updates.push(index);
      else {
        results[index] = {
          intentId: write.intentId,
          outcome: "failed",
          error: new ValidationFailed({
            code: "INVALID_FIELD",
            message: `not a field name: ${write.field}`,
            fields: [write.field],
          }),
        };
      }
    }

    // Task creates, 200 per call.
    for (let start = 0; start < creates.length; start += COLLECTION_MAX_RECORDS) {
      const batch = creates.slice(start, start + COLLECTION_MAX_RECORDS);
      const records = batch.map((index) => taskBody(writes[index] as CreateTaskWrite, options.idempotency));
      const ext = options.idempotency.externalIdField;
      const request =
        ext === undefined
          ? {
              method: "POST" as const,
              url: `${client.apiBase}/composite/sobjects`,
              body: { allOrNone: false, records },
            }
          : {
              method: "PATCH" as const,
              url: `${client.apiBase}/composite/sobjects/Task/${ext}`,
              body: { allOrNone: false, records },
            };
      const response = yield* Effect.result(client.send(request));
      if (Result.isFailure(response)) {
        const error = response.failure;
        if (!anyKnown) return yield* Effect.fail(error);
        failMany(batch, error);
        // Later batches were not sent; they share the reason (or "not sent" after an unknown outcome).
        const rest = creates.slice(start + COLLECTION_MAX_RECORDS);
        failMany(
          rest,
          error._tag === "OutcomeUnknown"
            ? new Unavailable({ message: "not sent: an earlier batch's outcome is unknown" })
            : error,
        );
        break;
      }
      const items = Array.isArray(response.success.body) ? (response.success.body as ReadonlyArray<SaveItem>) : [];
      batch.forEach((index, i) => {
        results[index] = saveResult(writes[index] as SalesforceWrite, items[i]);
      });
      anyKnown = true;
      if (ext !== undefined) {
        // An upsert that matched an existing Task fails on create-only fields (TaskSubtype):
        // the Task is already there, so a failed upsert whose key exists is applied.
        const failed = batch.filter((index) => results[index]?.outcome === "failed");
        if (failed.length > 0) {
          const keys = failed.map((index) => (writes[index] as CreateTaskWrite).key);
          const found = yield* Effect.result(
            lookupKeys(client, options.idempotency, keys, {
              maxUrlLength: options.maxUrlLength,
              useComposite: options.useComposite,
            }),
          );
          if (Result.isSuccess(found)) {
            for (const index of failed) {
              const write = writes[index] as CreateTaskWrite;
              const existing = found.success.get(write.key);
              if (existing !== null && existing !== undefined) {
                results[index] = { intentId: write.intentId, outcome: "applied", salesforceId: existing };
              }
            }
          }
        }
      }
    }

    // Field edits, three-way.
    if (updates.length > 0) {
      const edits = updates.map((index) => ({ index, write: writes[index] as UpdateFieldWrite }));
      const theirs = yield* Effect.result(
        readCurrent(
          client,
          edits.map((e) => e.write),
          options,
        ),
      );
      if (Result.isFailure(theirs)) {
        if (!anyKnown) return yield* Effect.fail(theirs.failure);
        failMany(updates, theirs.failure);
      } else {
        const rows = theirs.success;
        for (const { index, write } of edits) {
          const result = yield* Effect.result(applyEdit(client, write, rows));
          if (Result.isFailure(result)) {
            if (!anyKnown) return yield* Effect.fail(result.failure);
            results[index] = { intentId: write.intentId, outcome: "failed", error: result.failure };
          } else {
            results[index] = result.success;
          }
          anyKnown = true;
        }
      }
    }

    return results.map(
      (result, index): WriteResult =>
        result ?? {
          intentId: writes[index]?.intentId ?? "",
          outcome: "failed",
          error: new Unavailable({ message: "not attempted" }),
        },
    );
  });
}

type RowCache = Map<string, Row | "stale">;

function cacheKey(sobject: string, recordId: string): string {
  return `${sobject}:${readSalesforceId(recordId)}`;
}

/** Reads the edited fields (and LastModifiedDate) of every edited record, one query per object. */
function readCurrent(
  client: SalesforceClient,
  edits: ReadonlyArray<UpdateFieldWrite>,
  options: PushOptions,
): Effect.Effect<RowCache, SalesforcePortError> {
  return Effect.gen(function* () {
    const bySobject = new Map<string, { ids: Set<string>; fields: Set<string> }>();
    for (const edit of edits) {
      const entry = bySobject.get(edit.sobject) ?? {
        ids: new Set<string>(),
        fields: new Set<string>(["Id", "LastModifiedDate"]),
      };
      entry.ids.add(edit.recordId);
      entry.fields.add(checkFieldName(edit.field));
      bySobject.set(edit.sobject, entry);
    }
    const specs: ReadSpec[] = [];
    const objects: string[] = [];
    const idsOf: Array<ReadonlyArray<string>> = [];
    for (const [sobject, entry] of bySobject) {
      const statements = chunkedStatements(
        [...entry.ids],
        "Id",
        soqlId,
        (c) => select({ fields: [...entry.fields], from: sobject, where: [c] }),
        {
          baseUrlLength: client.queryUrlPrefixLength,
          maxUrlLength: options.maxUrlLength,
        },
      );
      for (const soql of statements) {
        specs.push({ kind: "query", soql });
        objects.push(sobject);
        idsOf.push([...entry.ids].filter((recordId) => soql.includes(`'${recordId}'`)));
      }
    }
    const outcomes = yield* runReads(client, specs, { useComposite: options.useComposite });
    const cache: RowCache = new Map();
    for (const [i, outcome] of outcomes.entries()) {
      if (Result.isFailure(outcome)) {
        // One edited field the user cannot read (INVALID_FIELD) must not sink the others: each
        // edit of these records reads its own field again, and only that edit fails.
        const perRecord = outcome.failure._tag === "ValidationFailed" || outcome.failure._tag === "AccessDenied";
        if (!perRecord) return yield* Effect.fail(outcome.failure);
        for (const recordId of idsOf[i] ?? []) cache.set(cacheKey(objects[i] ?? "", recordId), "stale");
        continue;
      }
      if (outcome.success.kind !== "query") continue;
      for (const row of outcome.success.records) cache.set(cacheKey(objects[i] ?? "", String(row.Id)), row);
    }
    return cache;
  });
}

/** Theirs for one edit; `null` when the record is gone or hidden. */
function readOne(client: SalesforceClient, write: UpdateFieldWrite): Effect.Effect<Row | null, SalesforcePortError> {
  const url = `${client.apiBase}/sobjects/${write.sobject}/${readSalesforceId(write.recordId)}?fields=Id,LastModifiedDate,${checkFieldName(write.field)}`;
  return client.read({ method: "GET", url }).pipe(
    Effect.map((response) =>
      typeof response.body === "object" && response.body !== null ? (response.body as Row) : null,
    ),
    Effect.catchTag("NotFound", () => Effect.succeed(null)),
  );
}

function applyEdit(
  client: SalesforceClient,
  write: UpdateFieldWrite,
  cache: RowCache,
): Effect.Effect<WriteResult, SalesforcePortError> {
  return Effect.gen(function* () {
    const key = cacheKey(write.sobject, write.recordId);
    const recordId: SalesforceId = readSalesforceId(write.recordId);
    const cached = cache.get(key);
    let row: Row | null = null;
    if (cached === "stale") {
      const read = yield* Effect.result(readOne(client, write));
      if (Result.isFailure(read)) {
        const error = read.failure;
        // This edit's own field cannot be read or written by the user: final for this write alone.
        if (error._tag === "ValidationFailed" || error._tag === "AccessDenied")
          return { intentId: write.intentId, outcome: "failed", error };
        return yield* Effect.fail(error);
      }
      row = read.success;
    } else if (cached !== undefined) row = cached;
    for (let round = 0; round < MAX_PRECONDITION_ROUNDS; round++) {
      if (row === null) {
        return {
          intentId: write.intentId,
          outcome: "failed",
          error: new NotFound({
            message: `${write.sobject} ${recordId} does not exist or is not visible to this user`,
          }),
        };
      }
      const current = row[write.field];
      if (sameValue(current, write.value))
        return { intentId: write.intentId, outcome: "unchanged", salesforceId: recordId };
      if (!sameValue(current, write.base))
        return { intentId: write.intentId, outcome: "conflict", theirs: current ?? null };
      const lastModified = typeof row.LastModifiedDate === "string" ? row.LastModifiedDate : undefined;
      const response = yield* Effect.result(
        client.send({
          method: "PATCH",
          url: `${client.apiBase}/sobjects/${write.sobject}/${recordId}`,
          body: { [write.field]: write.value },
          headers: lastModified !== undefined ? { "If-Unmodified-Since": httpDate(lastModified) } : undefined,
        }),
      );
      if (Result.isSuccess(response)) {
        cache.set(key, "stale");
        return { intentId: write.intentId, outcome: "applied", salesforceId: recordId };
      }
      const error = response.failure;
      const preconditionFailed =
        error._tag === "ValidationFailed" && (error.code === "PRECONDITION_FAILED" || error.code === "ERROR_HTTP_412");
      if (!preconditionFailed) {
        // A single-field edit: when Salesforce names no field (e.g. JSON_PARSER_ERROR), it is this one.
        const named =
          error._tag === "ValidationFailed" && error.fields.length === 0
            ? new ValidationFailed({ code: error.code, message: error.message, fields: [write.field] })
            : error;
        return { intentId: write.intentId, outcome: "failed", error: named };
      }
      // Someone wrote the record since we read it: read again and decide again.
      row = yield* readOne(client, write);
    }
    return {
      intentId: write.intentId,
      outcome: "failed",
      error: new Unavailable({ message: `${write.sobject} ${recordId} kept changing; try again` }),
    };
  });
}
