/**
 * Activity rows and last interactions as the book view shows them: a mirrored Task or Event,
 * a logged activity not yet mirrored, and the latest touch with a contact across activities,
 * logged activities and email/calendar interactions.
 *
 * Invariants: pure reads of the document through the view's indexes; a logged activity shows
 * only until the Task it created is in the mirror (then the mirrored row shows instead), and an
 * open Task (a to-do) never counts as an interaction.
 */
import { normalizeEmail } from "../model/fields.js";
import type { ActivityRecord, ContactRecord } from "../model/records.js";
import type { ReceiptStatus } from "../model/schemas.js";
import type { ViewSource } from "./book-indexes.js";
import type { ActivityItem, ActivityStatus, LastInteraction } from "./types.js";

/** When an activity happened: an Event's start, else a Task's date (`null` when neither is set). */
export const activityAt = (a: ActivityRecord): string | null => a.StartDateTime ?? a.ActivityDate;

/** The later of two last interactions (the first on a tie). */
export const laterInteraction = (a: LastInteraction | null, b: LastInteraction | null): LastInteraction | null =>
  a === null ? b : b === null ? a : b.at > a.at ? b : a;

/** An open Task is a to-do (often due later), not something that happened with a contact. */
export function isOpenTask(a: ActivityRecord | undefined): boolean {
  return a !== undefined && a.Type === "Task" && a.Status !== "Completed";
}

function loggedStatus(status: ReceiptStatus): ActivityStatus | null {
  switch (status) {
    case "pending":
      return "queued";
    case "sending":
      return "sending";
    case "applied":
      return "in-salesforce";
    case "failed":
      return "failed";
    default:
      return null;
  }
}

/** The row of a logged activity not yet mirrored (`null` once mirrored, cancelled or not a logActivity). */
export function loggedItem({ maps }: ViewSource, intentId: string): ActivityItem | null {
  const intent = maps.intents.get(intentId);
  if (intent?.kind !== "logActivity") return null;
  const receipt = maps.receipts.get(intentId);
  const status = loggedStatus(receipt?.status ?? "pending");
  if (status === null) return null;
  // Once the created Task is in the mirror, it shows instead.
  if (receipt?.salesforceId !== undefined && maps.activities.has(receipt.salesforceId)) return null;
  return {
    key: intentId,
    source: "logged",
    status,
    at: intent.activity.occurredAt,
    type: intent.activity.type,
    subject: intent.activity.subject ?? null,
    description: intent.activity.description ?? null,
    contactId: intent.contactId,
    opportunityId: intent.opportunityId,
    activityId: receipt?.salesforceId ?? null,
    intentId,
    error: receipt?.error ?? null,
  };
}

/** The row of a mirrored activity (`null` when it is gone or has no date). */
export function mirroredItem({ maps, ix }: ViewSource, activityId: string): ActivityItem | null {
  const a = maps.activities.get(activityId);
  if (a === undefined) return null;
  const at = activityAt(a);
  if (at === null) return null;
  return {
    key: activityId,
    source: "salesforce",
    status: "in-salesforce",
    at,
    type: a.Type === "Event" ? "Event" : (a.TaskSubtype ?? "Task"),
    subject: a.Subject,
    description: a.Description,
    contactId: a.WhoId,
    opportunityId: a.WhatId,
    activityId,
    intentId: ix.intentBySalesforceId.get(activityId) ?? null,
    error: null,
  };
}

/** The latest touch with a contact: a done activity, a logged one that has not failed, or an interaction. */
export function contactLastInteraction(source: ViewSource, c: ContactRecord): LastInteraction | null {
  const { maps, ix } = source;
  let best: LastInteraction | null = null;
  for (const id of ix.activitiesByWho.get(c.Id)) {
    const a = maps.activities.get(id);
    const at = a === undefined ? null : activityAt(a);
    if (a === undefined || at === null || (best !== null && at <= best.at)) continue;
    if (isOpenTask(a)) continue;
    best = {
      at,
      source: "activity",
      kind: a.Type,
      contactId: c.Id,
      subject: a.Subject,
      refId: id,
      origin: "salesforce",
    };
  }
  for (const id of ix.loggedByContact.get(c.Id)) {
    const item = loggedItem(source, id);
    if (item === null || item.status === "failed" || (best !== null && item.at <= best.at)) continue;
    best = {
      at: item.at,
      source: "logged",
      kind: item.type,
      contactId: c.Id,
      subject: item.subject,
      refId: id,
      origin: maps.intents.get(id)?.device ?? null,
    };
  }
  if (c.Email !== null) {
    for (const id of ix.interactionsByEmail.get(normalizeEmail(c.Email))) {
      const i = maps.interactions.get(id);
      if (i === undefined || (best !== null && i.at <= best.at)) continue;
      best = {
        at: i.at,
        source: "interaction",
        kind: i.kind,
        contactId: c.Id,
        subject: i.subject ?? null,
        refId: id,
        origin: i.source,
      };
    }
  }
  return best;
}
