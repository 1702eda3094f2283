/**
 * `pullScope`: docs/architecture.md, "Scope of a book", rules 1–4 relative to what the caller mirrors, in as few calls as
 * possible.
 *
 * Round 1 (one composite call when nothing changed, whatever the size of the book):
 * - opportunities: in full, the owned open ones; incrementally, every visible opportunity
 *   changed since `watermark − overlap` through queryAll (entries, changes, closes, reassigns
 *   and deletes), getDeleted (deletes purged from the recycle bin) and `count()` of the scope,
 *   which proves no exit went unseen — when it disagrees, the scope's ids are reconciled;
 * - every account in scope (a semi-join; one page up to 2,000), so the account scope is exact;
 * - contacts: in full, those at the scope's accounts; incrementally, every visible contact
 *   changed since the watermark through queryAll, plus getDeleted;
 * - contact roles of the scope's opportunities, in full or changed since (queryAll), plus getDeleted
 *   (a role brings its contact into the scope wherever it works: the roles read name some).
 * Round 2 (only when the scope moved): the opportunities, accounts, contacts and roles that
 * entered it (cascades and role-linked contacts, whatever their age), the contacts and roles of
 * what left it, and full id reconciles where getDeleted could not cover the window or a
 * mirrored role changed or went away (a contact only that role brought leaves). The ContactId of
 * every role of the scope is listed (in round 1 for a full contact pull, else here) only when an
 * exit or a changed contact outside the scope's accounts depends on it.
 *
 * A true first sync of more contacts than `bulkThreshold` (the REST read's `totalSize` says so
 * on its first page) reads them through a Bulk API 2.0 job instead, one page per pull, and
 * returns the rest as the pull's `continuation` (`scope-bulk.ts`).
 *
 * This file is the small IO driver: `scope-plan.ts` plans each round's reads as data,
 * `runReads` runs them, and `scope-read.ts` turns their rows into the pull, one read at a time in
 * plan order (so the first failing read is the one reported).
 *
 * Invariants: every upsert is in scope now; every removed id is mirrored and out of scope; no
 * id appears twice; a mirrored record at or below its watermark is not re-sent; watermarks
 * never move backwards.
 */
import type { SalesforcePortError, ScopePull, ScopePullRequest } from "@tandem/engine";
import { Effect, Result } from "effect";
import { runReads } from "../client/batch-reads.js";
import type { SalesforceClient } from "../client/salesforce-client.js";
import type { PullOptions } from "./pull-options.js";
import { bulkUpTo, type ContactsPage, continueContactsJob, startContactsJob, withSkipped } from "./scope-bulk.js";
import { type DeletedRead, planScopeRound1, planScopeRound2, ROUND2_GROUPS } from "./scope-plan.js";
import { countOf, deletedIds, type Outcome, ScopeReading } from "./scope-read.js";

type Row = Readonly<Record<string, unknown>>;

/** The rows of the reads at `indexes`, in order; the first failed read fails the pull. */
function rowsAt(
  outcomes: ReadonlyArray<Outcome>,
  indexes: ReadonlyArray<number | undefined>,
): Effect.Effect<ReadonlyArray<Row>, SalesforcePortError> {
  const rows: Row[] = [];
  for (const index of indexes) {
    const outcome = index === undefined ? undefined : outcomes[index];
    if (outcome === undefined) continue;
    if (Result.isFailure(outcome)) return Effect.fail(outcome.failure);
    if (outcome.success.kind === "query") rows.push(...outcome.success.records);
  }
  return Effect.succeed(rows);
}

function deletesOf(outcomes: ReadonlyArray<Outcome>, read: DeletedRead | undefined) {
  return read === undefined ? null : deletedIds(outcomes[read.index], read.start);
}

/**
 * Pulls the scope of `request.userId` relative to `request.mirrored`.
 *
 * @remarks See the file comment for the rounds; an object without a watermark is pulled in
 * full and its mirrored ids reconciled against the result.
 */
export function pullScope(
  client: SalesforceClient,
  request: ScopePullRequest,
  options: PullOptions,
): Effect.Effect<ScopePull, SalesforcePortError> {
  return Effect.gen(function* () {
    const reads = { useComposite: options.useComposite };
    const plan = planScopeRound1(request, { ...options, now: options.now() }, client);
    const round1 = yield* runReads(client, plan.reads, reads);
    const at = (index: number | undefined) => (index === undefined ? undefined : round1[index]);

    const reading = new ScopeReading(request, plan.full);
    reading.readOpportunities(
      yield* rowsAt(round1, [plan.opportunities]),
      countOf(at(plan.opportunityCount)),
      deletesOf(round1, plan.opportunityDeletes),
    );
    if (reading.opportunityCountDisagrees) {
      reading.reconcileOpportunities(yield* client.queryAll(plan.opportunityReconcile));
    }
    reading.readAccounts(yield* rowsAt(round1, [plan.accounts]));
    if (plan.roleContacts !== undefined) reading.readRoleContacts(yield* rowsAt(round1, [plan.roleContacts]));
    reading.readContactRoles(yield* rowsAt(round1, [plan.contactRoles]));
    // A first sync of many contacts reads them through a Bulk job, a page per pull (scope-bulk.ts).
    const contactsRead = round1[plan.contacts];
    let bulk: ContactsPage | undefined;
    if (
      contactsRead &&
      Result.isSuccess(contactsRead) &&
      contactsRead.success.kind === "query" &&
      contactsRead.success.truncated
    ) {
      const upTo = bulkUpTo(options.now());
      bulk = yield* startContactsJob(client, request, upTo, options);
      reading.readContacts(bulk.rows);
      reading.raiseContactWatermark(upTo.toISOString());
    } else reading.readContacts(yield* rowsAt(round1, [plan.contacts]));
    reading.readDeletes(deletesOf(round1, plan.contactDeletes), deletesOf(round1, plan.contactRoleDeletes));

    const plan2 = planScopeRound2(request, reading.round2Input(), options, client);
    const round2 = plan2.reads.length > 0 ? yield* runReads(client, plan2.reads, reads) : [];
    for (const group of ROUND2_GROUPS) {
      const indexes = plan2.groups[group];
      // A group with no reads has nothing to add (a reconcile not planned must not run).
      if (indexes.length > 0) reading.readRound2(group, yield* rowsAt(round2, indexes));
    }
    // A first sync continuing: the next page, older than what this pull read since `upTo`.
    const going = request.continuation;
    if (bulk === undefined && going !== undefined && request.watermarks.Contact !== undefined) {
      const touched = reading.touchedContactIds();
      bulk = yield* continueContactsJob(client, request, going, options);
      reading.readBulkContacts(bulk.rows, new Set([...going.skip, ...touched]));
      const next = bulk.next;
      return { ...reading.result(), continuation: next && withSkipped(next, touched) };
    }
    if (bulk?.next === undefined) return reading.result();
    // The first page's pull: contacts round 2 read by REST (role-linked ones) are newer than the job's rows.
    const paged = new Set(bulk.rows.map((row) => String(row.Id)));
    const newer = reading.touchedContactIds().filter((contactId) => !paged.has(contactId));
    return { ...reading.result(), continuation: withSkipped(bulk.next, newer) };
  });
}
