/**
 * The planner (docs/architecture.md, "The sync cycle" and "Merge rules"): a pure function from the book's state, what was pulled from
 * Salesforce and the time now, to one plan: mirror upserts and deletes, Salesforce writes with
 * their preconditions, lookups for earlier attempts, receipt transitions and meta updates.
 * `planResults` and `planLookupResults` turn the port's answers into the follow-up plan.
 *
 * Invariants:
 * - deep-equal values are never planned (an unchanged snapshot gives an empty plan);
 * - receipts only move forward (`canTransition`), and each intent gets at most one transition
 *   per plan;
 * - same-field edits are ordered by HLC: the latest open one supersedes the earlier open ones;
 *   only a Salesforce value that is neither a base nor a value the user produced is a conflict;
 * - a cancel is honoured only while nothing was sent; an intent whose record left the scope
 *   still ends final with a readable reason; a logged activity is written whatever the state
 *   of its opportunity;
 * - a `sending` receipt younger than the lease and without an error belongs to an attempt in
 *   flight (maybe another worker's) and is left alone;
 * - nothing a device wrote is trusted (issue 18): an intent that does not decode under its key
 *   (`BookState.invalidIntents`), or a logged activity dated in the future, ends `failed`
 *   `INVALID_INTENT`; an edit of a field outside the allow-list of `model/fields.ts` ends
 *   `FIELD_NOT_EDITABLE`, one with a value of the wrong type or range `INVALID_VALUE`; none of
 *   them is ever written to Salesforce, whatever the device checked before writing it.
 */

import { quoteShort } from "../doc/book-decode.js";
import { byHlc } from "../doc/intent-state.js";
import { jsonEqual } from "../doc/json-equal.js";
import type { MetaKey, MirrorMapName } from "../doc/layout.js";
import { checkFieldValue, defaultActivitySubject, isEditableField } from "../model/fields.js";
import type { SalesforceId } from "../model/salesforce-id.js";
import type {
  CancelIntent,
  EditFieldIntent,
  Intent,
  LogActivityIntent,
  Receipt,
  ReceiptStatus,
  SyncStatus,
} from "../model/schemas.js";
import { canTransition, isFinalStatus } from "../model/schemas.js";
import type {
  ActivityPull,
  CreateTaskWrite,
  IdempotencyKey,
  SalesforcePortError,
  SalesforceWrite,
  ScopePull,
  UpdateFieldWrite,
  Watermarks,
  WriteResult,
} from "../port/salesforce-port.js";
import { idempotencyKeyFor } from "./idempotency.js";
import type { BookState } from "./state.js";

/** One mirror upsert. */
export interface MirrorUpsert {
  readonly map: MirrorMapName;
  readonly id: string;
  readonly value: object;
}

/** One mirror delete. */
export interface MirrorDelete {
  readonly map: MirrorMapName;
  readonly id: string;
}

/** A createTask whose earlier attempt may have committed: look its key up before pushing. */
export interface PlannedLookup {
  readonly intentId: string;
  readonly key: IdempotencyKey;
}

/** Everything one reconcile step changes. */
export interface Plan {
  readonly upserts: ReadonlyArray<MirrorUpsert>;
  readonly deletes: ReadonlyArray<MirrorDelete>;
  /** New receipt values (each a forward transition). */
  readonly receipts: ReadonlyArray<Receipt>;
  /** Writes to push, in order, after the `sending` receipts are durable. */
  readonly writes: ReadonlyArray<SalesforceWrite>;
  /** Keys to look up before pushing the createTask writes of the same intents. */
  readonly lookups: ReadonlyArray<PlannedLookup>;
  readonly meta: ReadonlyArray<{ readonly key: MetaKey; readonly value: unknown }>;
}

/** What the runner pulled this cycle. */
export interface Pulled {
  readonly scope?: ScopePull | undefined;
  readonly activities?: ActivityPull | undefined;
  /** Key contacts after the scope pull: mirrored activities of anyone else leave the book. */
  readonly keyContactIds?: ReadonlySet<string> | undefined;
  /** The sync status to record (skipped when equal). */
  readonly sync?: SyncStatus | undefined;
}

/** Options of {@link plan}. */
export interface PlanOptions {
  /** The book's user: a pulled opportunity owned by anyone else, or closed, leaves the scope. */
  readonly userId?: string | undefined;
  /** How long a `sending` receipt without an error counts as in flight (default 60 s). */
  readonly sendingLeaseMs?: number | undefined;
  /** How far a logged activity's `occurredAt` may lie ahead of `now` (default 5 minutes). */
  readonly clockSkewMs?: number | undefined;
}

/** How far a logged activity's `occurredAt` may lie ahead of the worker's clock by default. */
export const DEFAULT_CLOCK_SKEW_MS = 5 * 60_000;

/** An empty plan. */
export const EMPTY_PLAN: Plan = { upserts: [], deletes: [], receipts: [], writes: [], lookups: [], meta: [] };

/** True when applying the plan would change nothing and push nothing. */
export function isEmptyPlan(p: Plan): boolean {
  return (
    p.upserts.length === 0 &&
    p.deletes.length === 0 &&
    p.receipts.length === 0 &&
    p.writes.length === 0 &&
    p.lookups.length === 0 &&
    p.meta.length === 0
  );
}

/** Error codes a receipt can carry besides the port's error tags. */
export const RECEIPT_CODES = {
  outOfScope: "OUT_OF_SCOPE",
  tooLate: "TOO_LATE",
  notInConflict: "NOT_IN_CONFLICT",
  unknownIntent: "UNKNOWN_INTENT",
  /** The intent does not decode, its key is not its id, or it is dated in the future. */
  invalidIntent: "INVALID_INTENT",
  /** An `editField` of a field outside the allow-list (`OwnerId`, `AccountId`, …). */
  fieldNotEditable: "FIELD_NOT_EDITABLE",
  /** An `editField` whose value has the wrong type, length or range for its field. */
  invalidValue: "INVALID_VALUE",
} as const;

const NOTHING_WRITTEN = "Nothing was written to Salesforce.";

/** Why an open intent must not be sent (time and allow-list rules), or `null`. */
function refusalOf(intent: Intent, nowMs: number, skewMs: number): { code: string; message: string } | null {
  if (intent.kind === "logActivity") {
    if (Date.parse(intent.activity.occurredAt) > nowMs + skewMs) {
      return {
        code: RECEIPT_CODES.invalidIntent,
        message: `This activity cannot be logged: activity.occurredAt is in the future. ${NOTHING_WRITTEN}`,
      };
    }
  } else if (intent.kind === "editField") {
    if (!isEditableField(intent.sobject, intent.field)) {
      return {
        code: RECEIPT_CODES.fieldNotEditable,
        message: `${quoteShort(intent.field)} is not a field Tandem may edit on an ${intent.sobject}. ${NOTHING_WRITTEN}`,
      };
    }
    const problem = checkFieldValue(intent.sobject, intent.field, intent.value);
    if (problem !== null) {
      return { code: RECEIPT_CODES.invalidValue, message: `${intent.field} ${problem}. ${NOTHING_WRITTEN}` };
    }
  }
  return null;
}

const RETRYABLE = new Set(["RateLimited", "RowLocked", "SessionExpired", "Unavailable", "OutcomeUnknown"]);

/** True when a port error may succeed on a later attempt. */
export function isRetryable(error: SalesforcePortError): boolean {
  return RETRYABLE.has(error._tag);
}

/** A readable message for a port error (validation errors name the fields). */
export function describePortError(error: SalesforcePortError): { code: string; message: string } {
  switch (error._tag) {
    case "ValidationFailed":
      return {
        code: error.code,
        message: error.fields.length > 0 ? `${error.message} (${error.fields.join(", ")})` : error.message,
      };
    case "AccessDenied":
      return { code: error.code, message: error.message };
    default:
      return { code: error._tag, message: error.message };
  }
}

const toDate = (iso: string): string => iso.slice(0, 10);

/** The Task a logged activity creates (docs/protocol.md §3). */
export function taskWriteFor(intent: LogActivityIntent, contactName: string | null): CreateTaskWrite {
  const a = intent.activity;
  const subtype = a.type === "call" ? "Call" : a.type === "email" ? "Email" : "Task";
  return {
    kind: "createTask",
    intentId: intent.id,
    key: idempotencyKeyFor(intent.id),
    fields: {
      WhoId: intent.contactId,
      WhatId: intent.opportunityId,
      Subject: a.subject ?? defaultActivitySubject(a.type, contactName ?? "contact"),
      Description: a.description ?? null,
      ActivityDate: toDate(a.occurredAt),
      Status: "Completed",
      TaskSubtype: subtype,
      ...(a.type === "call"
        ? { CallType: "Outbound" as const, CallDurationInSeconds: a.durationSeconds ?? undefined }
        : {}),
    },
  };
}

class PlanBuilder {
  readonly upserts: MirrorUpsert[] = [];
  readonly deletes: MirrorDelete[] = [];
  readonly receipts = new Map<string, Receipt>();
  readonly writes: SalesforceWrite[] = [];
  readonly lookups: PlannedLookup[] = [];
  readonly meta: Array<{ key: MetaKey; value: unknown }> = [];

  constructor(
    private readonly state: BookState,
    private readonly now: string,
  ) {}

  statusOf(intentId: string): ReceiptStatus {
    return this.receipts.get(intentId)?.status ?? this.state.receipts.get(intentId)?.status ?? "pending";
  }

  transition(intentId: string, status: ReceiptStatus, extra: Partial<Omit<Receipt, "intentId" | "status">> = {}): void {
    const current = this.receipts.get(intentId) ?? this.state.receipts.get(intentId);
    if (!canTransition(current?.status, status)) return;
    const attempts = (current?.attempts ?? 0) + (status === "sending" ? 1 : 0);
    const next: Receipt = {
      intentId,
      status,
      attempts,
      updatedAt: this.now,
      ...(current?.salesforceId !== undefined ? { salesforceId: current.salesforceId } : {}),
      ...extra,
    };
    this.receipts.set(intentId, next);
  }

  build(): Plan {
    return {
      upserts: this.upserts,
      deletes: this.deletes,
      receipts: [...this.receipts.values()],
      writes: this.writes,
      lookups: this.lookups,
      meta: this.meta,
    };
  }
}

type MirrorRecord = { readonly Id: string };

/**
 * Plans one reconcile step.
 *
 * @remarks Pure: reads `state` and `pulled`, returns data. Apply with `applyPlan` in one
 * transaction; push `writes` only once the plan's `sending` receipts are durable.
 * @example
 * ```ts
 * const p = plan(readBookState(doc), { scope, activities, keyContactIds }, new Date());
 * applyPlan(doc, p);
 * ```
 */
export function plan(state: BookState, pulled: Pulled, now: Date, options: PlanOptions = {}): Plan {
  const nowIso = now.toISOString();
  const b = new PlanBuilder(state, nowIso);
  const lease = options.sendingLeaseMs ?? 60_000;

  // The mirror after this plan, for the intent rules below.
  const after = {
    opportunities: new Map<string, MirrorRecord | null>(),
    contacts: new Map<string, MirrorRecord | null>(),
  };

  const upsert = (map: MirrorMapName, record: MirrorRecord): void => {
    const table = state[map] as unknown as { get(k: string): unknown };
    if (jsonEqual(table.get(record.Id), record)) return;
    b.upserts.push({ map, id: record.Id, value: record });
    if (map === "opportunities" || map === "contacts") after[map].set(record.Id, record);
  };
  const remove = (map: MirrorMapName, id: string): void => {
    const table = state[map] as unknown as { has(k: string): boolean };
    if (!table.has(id)) return;
    b.deletes.push({ map, id });
    if (map === "opportunities" || map === "contacts") after[map].set(id, null);
  };

  const scope = pulled.scope;
  if (scope !== undefined) {
    const removedOpps = new Set<string>(scope.removed.opportunityIds);
    for (const o of scope.opportunities) {
      if (o.IsClosed || (options.userId !== undefined && o.OwnerId !== options.userId)) removedOpps.add(o.Id);
    }
    const removedAccounts = new Set<string>(scope.removed.accountIds);
    const removedContacts = new Set<string>(scope.removed.contactIds);
    const removedRoles = new Set<string>(scope.removed.contactRoleIds);
    const upOpps = new Map(scope.opportunities.filter((o) => !removedOpps.has(o.Id)).map((o) => [o.Id as string, o]));

    // Cascade (docs/architecture.md, "The sync cycle", step 1): what nothing in scope references leaves with the opportunity.
    const finalOpps = new Set<string>();
    const referencedAccounts = new Set<string>();
    for (const id of state.opportunities.keys()) if (!removedOpps.has(id)) finalOpps.add(id);
    for (const id of upOpps.keys()) finalOpps.add(id);
    for (const id of finalOpps) {
      const o = upOpps.get(id) ?? state.opportunities.get(id);
      if (o?.AccountId) referencedAccounts.add(o.AccountId);
    }
    const finalRoles = new Map<string, { OpportunityId: string; ContactId: string }>();
    for (const [id, r] of state.contactRoles.entries()) if (!removedRoles.has(id)) finalRoles.set(id, r);
    for (const r of scope.contactRoles) if (!removedRoles.has(r.Id)) finalRoles.set(r.Id, r);
    const roleContacts = new Set<string>();
    for (const [id, r] of finalRoles) {
      if (!finalOpps.has(r.OpportunityId)) removedRoles.add(id);
      else roleContacts.add(r.ContactId);
    }
    for (const id of state.accounts.keys()) if (!referencedAccounts.has(id)) removedAccounts.add(id);
    const contactInScope = (c: { AccountId: string | null; Id: string }) =>
      (c.AccountId !== null && referencedAccounts.has(c.AccountId)) || roleContacts.has(c.Id);
    for (const c of state.contacts.values()) {
      if (!contactInScope(c)) removedContacts.add(c.Id);
    }

    for (const o of upOpps.values()) upsert("opportunities", o);
    for (const a of scope.accounts)
      if (referencedAccounts.has(a.Id) && !removedAccounts.has(a.Id)) upsert("accounts", a);
    const pulledRemovedContacts = new Set<string>(scope.removed.contactIds);
    for (const c of scope.contacts) {
      if (contactInScope(c) && !pulledRemovedContacts.has(c.Id)) {
        removedContacts.delete(c.Id);
        upsert("contacts", c);
      } else removedContacts.add(c.Id); // moved to an account outside the book
    }
    for (const r of scope.contactRoles) if (!removedRoles.has(r.Id)) upsert("contactRoles", r);
    for (const id of removedOpps) remove("opportunities", id);
    for (const id of removedAccounts) remove("accounts", id);
    for (const id of removedContacts) remove("contacts", id);
    for (const id of removedRoles) remove("contactRoles", id);
  }

  const acts = pulled.activities;
  const removedActivities = new Set<string>(acts?.removedIds ?? []);
  const upActivities = new Set<string>();
  if (acts !== undefined) {
    for (const a of acts.activities) {
      if (removedActivities.has(a.Id)) continue;
      if (pulled.keyContactIds !== undefined && (a.WhoId === null || !pulled.keyContactIds.has(a.WhoId))) continue;
      upActivities.add(a.Id);
      upsert("activities", a);
    }
  }
  if (pulled.keyContactIds !== undefined) {
    const keys = pulled.keyContactIds;
    for (const [id, a] of state.activities.entries()) {
      if (!upActivities.has(id) && (a.WhoId === null || !keys.has(a.WhoId))) removedActivities.add(id);
    }
  }
  for (const id of removedActivities) remove("activities", id);

  // Meta: watermarks never move backwards; the sync status only when it changed.
  const marks: Record<string, string> = { ...state.meta.watermarks };
  for (const source of [scope?.watermarks, acts?.watermarks]) {
    for (const [k, v] of Object.entries(source ?? {})) {
      const cur = marks[k];
      if (v !== undefined && (cur === undefined || v > cur)) marks[k] = v;
    }
  }
  if (!jsonEqual(marks, state.meta.watermarks)) b.meta.push({ key: "watermarks", value: marks as Watermarks });
  if (pulled.sync !== undefined && !jsonEqual(pulled.sync, state.meta.sync))
    b.meta.push({ key: "sync", value: pulled.sync });

  const recordAfter = (sobject: "Opportunity" | "Contact", id: string): Record<string, unknown> | undefined => {
    const overlay = sobject === "Opportunity" ? after.opportunities : after.contacts;
    if (overlay.has(id)) return (overlay.get(id) ?? undefined) as Record<string, unknown> | undefined;
    return (sobject === "Opportunity" ? state.opportunities.get(id) : state.contacts.get(id)) as
      | Record<string, unknown>
      | undefined;
  };

  // --- intents ---------------------------------------------------------------------------
  // 0. What cannot be trusted ends final before anything else reads it.
  for (const [key, problem] of state.invalidIntents) {
    b.transition(key, "failed", {
      error: {
        code: RECEIPT_CODES.invalidIntent,
        message: `This intent cannot be sent: ${problem}. ${NOTHING_WRITTEN}`,
      },
    });
  }
  const nowMs = now.getTime();
  const skewMs = options.clockSkewMs ?? DEFAULT_CLOCK_SKEW_MS;
  const open: Intent[] = [];
  for (const intent of state.intents.values()) {
    if (isFinalStatus(b.statusOf(intent.id))) continue;
    const refusal = refusalOf(intent, nowMs, skewMs);
    if (refusal !== null) b.transition(intent.id, "failed", { error: refusal });
    else open.push(intent);
  }
  open.sort(byHlc);
  const inFlight = (intentId: string): boolean => {
    const r = state.receipts.get(intentId);
    return r?.status === "sending" && r.error === undefined && Date.parse(r.updatedAt) + lease > nowMs;
  };

  // 1. Cancels, before anything could be sent.
  for (const intent of open) {
    if (intent.kind !== "cancel") continue;
    const c = intent as CancelIntent;
    const target = state.intents.get(c.intentId);
    if (target === undefined && state.invalidIntents.has(c.intentId)) {
      b.transition(c.id, "failed", {
        error: { code: RECEIPT_CODES.tooLate, message: "That intent could not be read, so it was never sent." },
      });
      continue;
    }
    if (target === undefined) continue; // not replicated here yet
    const targetStatus = b.statusOf(c.intentId);
    if (targetStatus === "pending" && target.kind !== "cancel" && target.kind !== "resolveConflict") {
      b.transition(c.intentId, "cancelled");
      b.transition(c.id, "applied");
    } else {
      b.transition(c.id, "failed", {
        error: {
          code: RECEIPT_CODES.tooLate,
          message:
            targetStatus === "cancelled"
              ? "It was already cancelled."
              : "It was already sent to Salesforce, or finished, before the cancel arrived.",
        },
      });
    }
  }

  // 2. Edits grouped by field; the latest open edit supersedes earlier open ones.
  const groups = new Map<string, EditFieldIntent[]>();
  const fieldKey = (e: EditFieldIntent) => `${e.sobject}|${e.recordId}|${e.field}`;
  for (const intent of open) {
    if (intent.kind !== "editField" || isFinalStatus(b.statusOf(intent.id))) continue;
    const list = groups.get(fieldKey(intent)) ?? [];
    list.push(intent);
    groups.set(fieldKey(intent), list);
  }
  // The user's own applied edits of the same fields: their values are "mine", not "theirs",
  // and an applied edit later (by HLC) than an open one makes the open one stale.
  const applied = new Map<string, EditFieldIntent[]>();
  if (groups.size > 0) {
    for (const intent of state.intents.values()) {
      if (intent.kind !== "editField" || !groups.has(fieldKey(intent))) continue;
      if (state.receipts.get(intent.id)?.status !== "applied") continue;
      const list = applied.get(fieldKey(intent)) ?? [];
      list.push(intent);
      applied.set(fieldKey(intent), list);
    }
  }
  for (const [key, edits] of groups) {
    const sending = edits.filter((e) => b.statusOf(e.id) === "sending");
    const latest = edits[edits.length - 1];
    if (latest === undefined) continue;
    const done = applied.get(key) ?? [];
    const acceptable: unknown[] = [];
    for (const e of [...edits, ...done]) acceptable.push(e.base, e.value);
    if (sending.length > 0) {
      // Resolve attempts in flight first; later edits wait for the next cycle.
      for (const e of sending) if (!inFlight(e.id)) planEdit(e, acceptable);
      continue;
    }
    const newerApplied = done.some((a) => byHlc(a, latest) > 0);
    for (const e of edits) if (e !== latest || newerApplied) b.transition(e.id, "superseded");
    if (!newerApplied) planEdit(latest, acceptable);
  }

  function planEdit(e: EditFieldIntent, acceptable: unknown[]): void {
    const record = recordAfter(e.sobject, e.recordId);
    if (record === undefined) {
      b.transition(e.id, "failed", {
        error: {
          code: RECEIPT_CODES.outOfScope,
          message: `This ${e.sobject === "Opportunity" ? "opportunity" : "contact"} left your book (closed, reassigned or deleted) before the edit of ${e.field} was sent; nothing was written.`,
        },
      });
      return;
    }
    const theirs = record[e.field] ?? null;
    if (jsonEqual(theirs, e.value)) {
      b.transition(e.id, "applied", { salesforceId: e.recordId });
      return;
    }
    if (!acceptable.some((v) => jsonEqual(v ?? null, theirs))) {
      b.transition(e.id, "conflict", { conflict: { base: e.base, mine: e.value, theirs } });
      return;
    }
    const write: UpdateFieldWrite = {
      kind: "updateField",
      intentId: e.id,
      sobject: e.sobject,
      recordId: e.recordId,
      field: e.field,
      base: theirs,
      value: e.value,
    };
    b.writes.push(write);
    b.transition(e.id, "sending");
  }

  // 3. Everything else.
  for (const intent of open) {
    const status = b.statusOf(intent.id);
    if (isFinalStatus(status)) continue;
    switch (intent.kind) {
      case "logActivity": {
        if (status === "sending") {
          if (inFlight(intent.id)) break;
          b.lookups.push({ intentId: intent.id, key: idempotencyKeyFor(intent.id) });
        }
        const contact = state.contacts.get(intent.contactId);
        b.writes.push(taskWriteFor(intent, contact?.Name ?? null));
        b.transition(intent.id, "sending");
        break;
      }
      case "setContactTier":
        b.transition(intent.id, "applied");
        break;
      case "resolveConflict": {
        const target = b.statusOf(intent.intentId);
        if (target === "conflict") b.transition(intent.id, "applied");
        else if (state.intents.has(intent.intentId) || state.invalidIntents.has(intent.intentId)) {
          b.transition(intent.id, "failed", {
            error: { code: RECEIPT_CODES.notInConflict, message: "That edit is not in conflict." },
          });
        }
        break;
      }
      default:
        break;
    }
  }
  return b.build();
}

/**
 * Plans the outcome of looked-up keys: a found Task means the earlier attempt committed.
 *
 * @returns the receipts to write, and the writes still to push (those not found).
 */
export function planLookupResults(
  state: BookState,
  writes: ReadonlyArray<SalesforceWrite>,
  found: ReadonlyMap<IdempotencyKey, SalesforceId | null>,
  now: Date,
): { readonly plan: Plan; readonly remaining: ReadonlyArray<SalesforceWrite> } {
  const b = new PlanBuilder(state, now.toISOString());
  const remaining: SalesforceWrite[] = [];
  for (const w of writes) {
    const id = w.kind === "createTask" ? found.get(w.key) : undefined;
    if (w.kind === "createTask" && id !== undefined && id !== null) {
      b.transition(w.intentId, "applied", { salesforceId: id });
    } else remaining.push(w);
  }
  return { plan: b.build(), remaining };
}

/**
 * Plans the receipts (and mirror patches) that follow the port's results for `writes`.
 *
 * @remarks Retryable failures keep the receipt `sending` with the error recorded, so the next
 * cycle retries it at once (after a lookup for creates); other failures are final.
 */
export function planResults(
  state: BookState,
  writes: ReadonlyArray<SalesforceWrite>,
  results: ReadonlyArray<WriteResult>,
  now: Date,
): Plan {
  const b = new PlanBuilder(state, now.toISOString());
  writes.forEach((w, i) => {
    const r = results[i];
    if (r === undefined) return;
    switch (r.outcome) {
      case "applied":
      case "unchanged": {
        b.transition(w.intentId, "applied", { salesforceId: r.salesforceId });
        if (w.kind === "updateField") {
          const map = w.sobject === "Opportunity" ? "opportunities" : "contacts";
          const current = state[map].get(w.recordId) as Record<string, unknown> | undefined;
          if (current !== undefined && !jsonEqual(current[w.field], w.value)) {
            b.upserts.push({ map, id: w.recordId, value: { ...current, [w.field]: w.value } });
          }
        }
        break;
      }
      case "conflict": {
        const intent = state.intents.get(w.intentId);
        const base = intent?.kind === "editField" ? intent.base : w.kind === "updateField" ? w.base : null;
        const mine = w.kind === "updateField" ? w.value : null;
        b.transition(w.intentId, "conflict", { conflict: { base, mine, theirs: r.theirs } });
        break;
      }
      case "failed": {
        const error = describePortError(r.error);
        if (isRetryable(r.error)) {
          const current = state.receipts.get(w.intentId);
          if (current?.status === "sending")
            b.receipts.set(w.intentId, { ...current, updatedAt: now.toISOString(), error });
        } else b.transition(w.intentId, "failed", { error });
        break;
      }
    }
  });
  return b.build();
}

/** Marks every write of a failed whole call as retryable-with-error (receipts stay `sending`). */
export function planCallFailure(
  state: BookState,
  writes: ReadonlyArray<SalesforceWrite>,
  error: SalesforcePortError,
  now: Date,
): Plan {
  const b = new PlanBuilder(state, now.toISOString());
  const described = describePortError(error);
  for (const w of writes) {
    const current = state.receipts.get(w.intentId);
    if (current?.status !== "sending") continue;
    if (isRetryable(error) || error._tag === "Revoked") {
      b.receipts.set(w.intentId, { ...current, updatedAt: now.toISOString(), error: described });
    } else b.transition(w.intentId, "failed", { error: described });
  }
  return b.build();
}
