/**
 * A large first sync of contacts through a Bulk API 2.0 query job (README, "Large first
 * syncs"). When the full contact read of a book with no mirrored contacts reports more than
 * `bulkThreshold` records, `pullScope` reads them with a query job under the user's own token
 * instead of REST pages: the job reads the contacts at the scope's accounts with
 * `SystemModstamp <= upTo`, the pull that started it sets the contact watermark to `upTo` (the
 * usual incremental pull goes on from there, with its overlap), and one results page is read per
 * pull. The pages still to read are the pull's `continuation`, which the caller keeps in the book
 * (`meta.scopeContinuation`) and hands back: a restarted or moved worker resumes at the next page.
 *
 * Invariants: a page row never overwrites a newer state: ids the incremental pulls delivered or
 * removed since `upTo` are skipped (the continuation lists them); a job Salesforce no longer has
 * (deleted, or older than its retention) is started again from its first page, which re-delivers
 * equal records (no document change); nothing here trusts the continuation beyond its schema
 * (the job id and locator are checked before they reach a URL).
 */
import type { SalesforceId, SalesforcePortError, ScopeContinuation, ScopePullRequest } from "@tandem/engine";
import { Effect, Result } from "effect";
import { awaitBulkQuery, bulkColumnsFor, isBulkJobGone, readBulkPage, startBulkQuery } from "../bulk/bulk-query.js";
import type { SalesforceClient } from "../client/salesforce-client.js";
import { scopeReadings } from "./extra-fields.js";
import type { PullOptions } from "./pull-options.js";
import { contactsAtScopeAccounts, scopeSoql } from "./scope-plan.js";

type Row = Readonly<Record<string, unknown>>;

/** One page of the contacts job, and what is left to read after it. */
export interface ContactsPage {
  readonly rows: ReadonlyArray<Row>;
  /** The continuation after this page (its `skip` still to be extended by the caller); absent after the last. */
  readonly next: ScopeContinuation | undefined;
}

type BulkOptions = Pick<PullOptions, "bulkPageRecords" | "bulkPollMs" | "now">;

function contactColumns(request: ScopePullRequest) {
  const fields = scopeReadings(request.fields).contact.fields;
  return { fields, columns: bulkColumnsFor("Contact", fields, request.fields?.Contact?.types) };
}

/** The `SystemModstamp` bound of a new job: whole seconds, as Salesforce stores them. */
export function bulkUpTo(now: Date): Date {
  return new Date(Math.floor(now.getTime() / 1000) * 1000);
}

/**
 * Starts the contacts job of `request` (contacts changed up to `upTo`), waits for it and reads
 * its first page.
 */
export function startContactsJob(
  client: SalesforceClient,
  request: ScopePullRequest,
  upTo: Date,
  options: BulkOptions,
  skip: ReadonlyArray<SalesforceId> = [],
  upToText: string = upTo.toISOString(),
): Effect.Effect<ContactsPage, SalesforcePortError> {
  return Effect.gen(function* () {
    const { fields, columns } = contactColumns(request);
    const jobId = yield* startBulkQuery(client, contactsAtScopeAccounts(scopeSoql(request.userId), fields, upTo));
    const { records } = yield* awaitBulkQuery(client, jobId, { pollMs: options.bulkPollMs });
    const page = yield* readBulkPage(client, { jobId }, { maxRecords: options.bulkPageRecords, columns });
    const next: ScopeContinuation | undefined =
      page.next === undefined
        ? undefined
        : {
            kind: "bulk",
            object: "Contact",
            jobId,
            ...(page.next.locator === undefined ? {} : { locator: page.next.locator }),
            upTo: upToText,
            total: records,
            read: page.rows.length,
            skip: [...skip],
          };
    return { rows: page.rows, next };
  });
}

/**
 * Reads the page `continuation` points at. A job Salesforce no longer has is started again (a new
 * job as of now, from its first page); `upTo` and `skip` carry over.
 */
export function continueContactsJob(
  client: SalesforceClient,
  request: ScopePullRequest,
  continuation: ScopeContinuation,
  options: BulkOptions,
): Effect.Effect<ContactsPage, SalesforcePortError> {
  return Effect.gen(function* () {
    const { columns } = contactColumns(request);
    const cursor = { jobId: continuation.jobId, locator: continuation.locator };
    const read = yield* Effect.result(readBulkPage(client, cursor, { maxRecords: options.bulkPageRecords, columns }));
    if (Result.isFailure(read)) {
      if (!isBulkJobGone(read.failure)) return yield* Effect.fail(read.failure);
      const again = bulkUpTo(options.now());
      return yield* startContactsJob(client, request, again, options, continuation.skip, continuation.upTo);
    }
    const page = read.success;
    const next: ScopeContinuation | undefined =
      page.next === undefined
        ? undefined
        : {
            ...continuation,
            locator: page.next.locator,
            read: continuation.read + page.rows.length,
          };
    return { rows: page.rows, next };
  });
}

/** `continuation` with `ids` added to the ids its later pages skip. */
export function withSkipped(continuation: ScopeContinuation, ids: ReadonlyArray<SalesforceId>): ScopeContinuation {
  if (ids.length === 0) return continuation;
  return { ...continuation, skip: [...new Set([...continuation.skip, ...ids])] as SalesforceId[] };
}
