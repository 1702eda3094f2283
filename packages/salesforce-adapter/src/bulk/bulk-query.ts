/**
 * Bulk API 2.0 query jobs driven over the adapter's own client (reference §1.8, §5.4): create a
 * job, poll it until Salesforce has run it, then read its CSV results one page (one locator) at
 * a time. jsforce's `bulk2.query()` is not used: 3.10.16 pipes every page into one stream and
 * breaks on multi-page results (jsforce#1546, #1693).
 *
 * Invariants: every HTTP call goes through the client (counted by its usage tracker, typed
 * errors, read retries); a job id or locator reaches a URL only when it is well-formed; a job
 * Salesforce no longer has — unknown (404), deleted, expired, or a malformed cursor — is a
 * {@link BulkJobGone} (a `NotFound`) so the caller can tell "start over" from other failures;
 * waiting is Effect-based and bounded, its sleep injectable; pages are read in Salesforce's
 * order and a locator may be read again (Salesforce keeps them stable while the job exists).
 */
import { NotFound, type SalesforcePortError, Unavailable, ValidationFailed } from "@tandem/engine";
import { Effect } from "effect";
import type { SalesforceClient } from "../client/salesforce-client.js";
import { type BulkColumns, BulkCsvError, parseBulkCsv } from "./bulk-csv.js";

export { bulkColumnsFor } from "./bulk-columns.js";
export type { BulkColumns, BulkColumnType } from "./bulk-csv.js";

/** A Bulk 2.0 query in progress: its job, and the locator of the next results page (absent: the first). */
export interface BulkCursor {
  readonly jobId: string;
  readonly locator?: string | undefined;
}

/** One results page: its rows in the REST record shape, and the cursor of the next page (`undefined` after the last). */
export interface BulkPage {
  readonly rows: ReadonlyArray<Record<string, unknown>>;
  /** A next page always has its locator. */
  readonly next: (BulkCursor & { readonly locator: string }) | undefined;
}

/** Options of {@link readBulkPage}. */
export interface ReadBulkPageOptions {
  /** Records per page at most (Salesforce may send fewer, e.g. for very wide rows). */
  readonly maxRecords: number;
  /** How each column's text is read back (see {@link bulkColumnsFor}). */
  readonly columns: BulkColumns;
}

/** Options of {@link awaitBulkQuery}. */
export interface AwaitBulkQueryOptions {
  /** First wait between polls; doubles after each poll up to `maxPollMs`. Default 500 ms. */
  readonly pollMs?: number | undefined;
  /** Longest wait between polls. Default 10 s. */
  readonly maxPollMs?: number | undefined;
  /** Gives up (an `Unavailable`) once the waits would exceed this. Default 15 minutes. */
  readonly maxWaitMs?: number | undefined;
  /** How to wait; default `Effect.sleep` (tests pass their own, or use a `TestClock`). */
  readonly sleep?: ((ms: number) => Effect.Effect<void>) | undefined;
}

/** Options of {@link startBulkQuery}. */
export interface StartBulkQueryOptions {
  /** `queryAll`: include deleted and archived records. Default `false`. */
  readonly includeDeleted?: boolean | undefined;
}

/** A Bulk query job Salesforce no longer has (or a cursor that cannot name one): start a new job. */
export class BulkJobGone extends NotFound {}

/**
 * True when `error` says the job is gone, so the caller starts over with a new job.
 *
 * @example
 * ```ts
 * Effect.catchIf(readBulkPage(client, cursor, options), isBulkJobGone, () => startAgain());
 * ```
 */
export function isBulkJobGone(error: SalesforcePortError): boolean {
  return error instanceof BulkJobGone;
}

/** Salesforce ids of Bulk jobs: key prefix `750`, 15 or 18 characters. */
const JOB_ID = /^750[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?$/;
/** Salesforce's locators are short opaque tokens (base64-like); anything else never reaches a URL. */
const LOCATOR = /^[A-Za-z0-9+/=_.-]{1,256}$/;

function gone(jobId: string, why: string): BulkJobGone {
  return new BulkJobGone({ message: `Bulk query job ${jobId}: ${why}` });
}

/** `effect` with a `NotFound` from a job URL turned into {@link BulkJobGone}. */
function onJob<A>(jobId: string, effect: Effect.Effect<A, SalesforcePortError>): Effect.Effect<A, SalesforcePortError> {
  return Effect.mapError(effect, (error) =>
    error._tag === "NotFound" && !isBulkJobGone(error) ? gone(jobId, `no longer exists (${error.message})`) : error,
  );
}

function unexpected(what: string): ValidationFailed {
  return new ValidationFailed({ code: "UNEXPECTED_RESPONSE", message: what, fields: [] });
}

/**
 * Creates a query job for `soql` (CSV, comma-delimited, LF line ends) and returns its id.
 *
 * @remarks One API call. The job runs as the client's user: Salesforce applies their sharing
 * and field-level security. Bulk 2.0 refuses parent-to-child sub-queries, GROUP BY, OFFSET,
 * TYPEOF, aggregates and compound fields (a `ValidationFailed` with Salesforce's reason);
 * child-to-parent paths (`Account.Name`) are fine. Creating a job changes nothing in the org,
 * so transient failures are retried like reads.
 * @example
 * ```ts
 * const jobId = yield* startBulkQuery(client, "SELECT Id, Name FROM Contact");
 * ```
 */
export function startBulkQuery(
  client: SalesforceClient,
  soql: string,
  options: StartBulkQueryOptions = {},
): Effect.Effect<string, SalesforcePortError> {
  return Effect.gen(function* () {
    const response = yield* client.read({
      method: "POST",
      url: `${client.apiBase}/jobs/query`,
      body: {
        operation: options.includeDeleted === true ? "queryAll" : "query",
        query: soql,
        contentType: "CSV",
        columnDelimiter: "COMMA",
        lineEnding: "LF",
      },
    });
    const id = (response.body as { id?: unknown } | undefined)?.id;
    if (typeof id !== "string" || !JOB_ID.test(id)) {
      return yield* Effect.fail(unexpected(`job creation answered without a job id: ${JSON.stringify(response.body)}`));
    }
    return id;
  });
}

/** What a job's info says of it (`GET /jobs/query/{id}`). */
export type BulkJobState =
  | { readonly kind: "complete"; readonly records: number }
  | { readonly kind: "failed" | "aborted"; readonly message: string }
  | { readonly kind: "running"; readonly state: string };

/**
 * Reads a job info body: `JobComplete` with its `numberRecordsProcessed`, `Failed` or `Aborted`
 * with Salesforce's `errorMessage`, and any other state (`UploadComplete`, `InProgress`) as running.
 *
 * @example
 * ```ts
 * bulkJobState({ state: "Failed", errorMessage: "query timed out" }); // { kind: "failed", message: "query timed out" }
 * ```
 */
export function bulkJobState(body: unknown): BulkJobState {
  const info = (typeof body === "object" && body !== null ? body : {}) as {
    state?: unknown;
    numberRecordsProcessed?: unknown;
    errorMessage?: unknown;
  };
  const state = typeof info.state === "string" ? info.state : "";
  const message = typeof info.errorMessage === "string" && info.errorMessage !== "" ? info.errorMessage : state;
  switch (state) {
    case "JobComplete": {
      const records = info.numberRecordsProcessed;
      return { kind: "complete", records: typeof records === "number" && Number.isFinite(records) ? records : 0 };
    }
    case "Failed":
      return { kind: "failed", message };
    case "Aborted":
      return { kind: "aborted", message };
    default:
      return { kind: "running", state: state === "" ? "unknown" : state };
  }
}

/**
 * The waits between polls: `pollMs`, doubling, each at most `maxPollMs`, until their sum would
 * exceed `maxWaitMs`.
 *
 * @example
 * ```ts
 * pollDelays(500, 2_000, 6_000); // [500, 1000, 2000, 2000]
 * ```
 */
export function pollDelays(pollMs: number, maxPollMs: number, maxWaitMs: number): ReadonlyArray<number> {
  const delays: number[] = [];
  let delay = Math.max(1, pollMs);
  let total = 0;
  while (total + Math.min(delay, maxPollMs) <= maxWaitMs) {
    const next = Math.min(delay, maxPollMs);
    delays.push(next);
    total += next;
    delay *= 2;
  }
  return delays;
}

/**
 * Polls job `jobId` until Salesforce has run it; returns how many records it found.
 *
 * @remarks One API call per poll; the first poll is immediate, later ones back off (see
 * {@link pollDelays}). `Failed` → `ValidationFailed` with code `BULK_JOB_FAILED` and
 * Salesforce's `errorMessage`; `Aborted` → code `BULK_JOB_ABORTED`; a job that no longer
 * exists → {@link BulkJobGone}; still running after `maxWaitMs` → `Unavailable` (the job goes
 * on; awaiting it again later is fine).
 * @example
 * ```ts
 * const { records } = yield* awaitBulkQuery(client, jobId, { pollMs: 500 });
 * ```
 */
export function awaitBulkQuery(
  client: SalesforceClient,
  jobId: string,
  options: AwaitBulkQueryOptions = {},
): Effect.Effect<{ readonly records: number }, SalesforcePortError> {
  return Effect.gen(function* () {
    if (!JOB_ID.test(jobId)) return yield* Effect.fail(gone(jobId, "not a Bulk job id"));
    const sleep = options.sleep ?? ((ms: number) => Effect.sleep(ms));
    const delays = pollDelays(options.pollMs ?? 500, options.maxPollMs ?? 10_000, options.maxWaitMs ?? 15 * 60_000);
    let waited = 0;
    for (let poll = 0; ; poll++) {
      const response = yield* onJob(
        jobId,
        client.read({ method: "GET", url: `${client.apiBase}/jobs/query/${jobId}` }),
      );
      const state = bulkJobState(response.body);
      switch (state.kind) {
        case "complete":
          return { records: state.records };
        case "failed":
          return yield* Effect.fail(
            new ValidationFailed({
              code: "BULK_JOB_FAILED",
              message: `Bulk query job ${jobId} failed: ${state.message}`,
              fields: [],
            }),
          );
        case "aborted":
          return yield* Effect.fail(
            new ValidationFailed({
              code: "BULK_JOB_ABORTED",
              message: `Bulk query job ${jobId} was aborted: ${state.message}`,
              fields: [],
            }),
          );
        case "running": {
          const delay = delays[poll];
          if (delay === undefined) {
            return yield* Effect.fail(
              new Unavailable({ message: `Bulk query job ${jobId} is still ${state.state} after ${waited} ms` }),
            );
          }
          yield* sleep(delay);
          waited += delay;
        }
      }
    }
  });
}

/**
 * Reads the results page `cursor` points at, in the REST record shape.
 *
 * @remarks One API call: `GET /jobs/query/{id}/results?maxRecords=N[&locator=L]`. `next` is
 * `undefined` when Salesforce's `Sforce-Locator` is the literal `null` (the last page). A
 * malformed cursor, or a job Salesforce no longer has → {@link BulkJobGone}; a job not yet
 * complete → `ValidationFailed` `JOB_NOT_COMPLETE` (await it first); a body that is not the
 * CSV announced (bad CSV, a value not of its column's type, no locator) → `ValidationFailed`
 * `UNEXPECTED_RESPONSE`; fewer rows than `Sforce-NumberOfRecords` says (a cut-off body) →
 * `Unavailable` (read the same cursor again).
 * @example
 * ```ts
 * let cursor: BulkCursor | undefined = { jobId };
 * while (cursor) ({ rows, next: cursor } = yield* readBulkPage(client, cursor, { maxRecords: 50_000, columns }));
 * ```
 */
export function readBulkPage(
  client: SalesforceClient,
  cursor: BulkCursor,
  options: ReadBulkPageOptions,
): Effect.Effect<BulkPage, SalesforcePortError> {
  return Effect.gen(function* () {
    const { jobId, locator } = cursor;
    if (!Number.isInteger(options.maxRecords) || options.maxRecords < 1) {
      return yield* Effect.die(new RangeError(`maxRecords must be a positive integer, not ${options.maxRecords}`));
    }
    if (!JOB_ID.test(jobId)) return yield* Effect.fail(gone(jobId, "not a Bulk job id"));
    if (locator !== undefined && !LOCATOR.test(locator)) {
      return yield* Effect.fail(gone(jobId, `not a results locator: ${JSON.stringify(locator.slice(0, 40))}`));
    }
    const query = `maxRecords=${options.maxRecords}${locator === undefined ? "" : `&locator=${encodeURIComponent(locator)}`}`;
    const response = yield* onJob(
      jobId,
      client.readText({
        method: "GET",
        url: `${client.apiBase}/jobs/query/${jobId}/results?${query}`,
        headers: { Accept: "text/csv" },
      }),
    );
    const nextLocator = response.headers["sforce-locator"];
    if (nextLocator === undefined || nextLocator === "") {
      return yield* Effect.fail(unexpected(`results of Bulk query job ${jobId} carry no Sforce-Locator`));
    }
    const rows = yield* Effect.try({
      try: () => parseBulkCsv(response.text, options.columns),
      catch: (cause) =>
        cause instanceof BulkCsvError
          ? unexpected(`results of Bulk query job ${jobId}: ${cause.message}`)
          : unexpected(`results of Bulk query job ${jobId} could not be read: ${String(cause)}`),
    });
    const announced = Number(response.headers["sforce-numberofrecords"]);
    if (Number.isInteger(announced) && announced !== rows.length) {
      return yield* Effect.fail(
        new Unavailable({
          message: `results page of Bulk query job ${jobId} holds ${rows.length} of ${announced} records`,
        }),
      );
    }
    return { rows, next: nextLocator === "null" ? undefined : { jobId, locator: nextLocator } };
  });
}
