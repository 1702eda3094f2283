/**
 * The planner's intent steps other than edits (docs/architecture.md, "Merge rules"): cancels
 * first, then logged activities, contact tiers and conflict resolutions; and the context all
 * intent steps share.
 *
 * Invariants:
 * - a cancel is honoured only while its target is `pending` (nothing was sent);
 * - a logged activity is written whatever the state of its opportunity; one whose earlier
 *   attempt may have committed is looked up by its key before it is pushed again;
 * - a `sending` receipt younger than the lease and without an error belongs to an attempt in
 *   flight (maybe another worker's) and is left alone.
 */

import { defaultActivitySubject } from "../model/fields.js";
import type { CancelIntent, Intent, LogActivityIntent } from "../model/schemas.js";
import { isFinalStatus } from "../model/schemas.js";
import { localDate } from "../model/time.js";
import type { CreateTaskWrite } from "../port/salesforce-port.js";
import { idempotencyKeyFor } from "./idempotency.js";
import type { PlanBuilder } from "./plan-builder.js";
import type { RecordAfter } from "./plan-pull.js";
import { RECEIPT_CODES } from "./receipt-errors.js";
import type { BookState } from "./state.js";

/** What every intent step reads and writes. */
export interface IntentContext {
  readonly b: PlanBuilder;
  readonly state: BookState;
  /** The mirror as the pull step leaves it. */
  readonly recordAfter: RecordAfter;
  /** True while the intent's `sending` receipt belongs to an attempt in flight. */
  readonly inFlight: (intentId: string) => boolean;
}

/** The context of the intent steps of one plan. */
export function createIntentContext(
  b: PlanBuilder,
  state: BookState,
  recordAfter: RecordAfter,
  nowMs: number,
  leaseMs: number,
): IntentContext {
  const inFlight = (intentId: string): boolean => {
    const r = state.receipts.get(intentId);
    return r?.status === "sending" && r.error === undefined && Date.parse(r.updatedAt) + leaseMs > nowMs;
  };
  return { b, state, recordAfter, inFlight };
}

/**
 * The Task a logged activity creates (docs/protocol.md §3). Its `ActivityDate` is the user's
 * local date of `occurredAt` in `timeZone` (`User.TimeZoneSidKey`; UTC when unknown): a call at
 * 23:30 in Los Angeles on 2 March is dated 2 March.
 */
export function taskWriteFor(
  intent: LogActivityIntent,
  contactName: string | null,
  timeZone?: string | null,
): CreateTaskWrite {
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
      ActivityDate: localDate(a.occurredAt, timeZone),
      Status: "Completed",
      TaskSubtype: subtype,
      ...(a.type === "call"
        ? { CallType: "Outbound" as const, CallDurationInSeconds: a.durationSeconds ?? undefined }
        : {}),
    },
  };
}

/** Step 1: cancels, before anything could be sent. */
export function planCancels({ b, state }: IntentContext, open: ReadonlyArray<Intent>): void {
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
}

/** Step 3: every open intent the earlier steps left open (edits and cancels are done by then). */
export function planRemainingIntents({ b, state, inFlight }: IntentContext, open: ReadonlyArray<Intent>): void {
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
        b.writes.push(taskWriteFor(intent, contact?.Name ?? null, state.meta.org?.timeZone));
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
}
