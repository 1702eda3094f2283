/**
 * Activity rows and last interactions as the book view shows them: a mirrored Task or Event,
 * a logged activity not yet mirrored, and the latest touch with a contact across activities,
 * logged activities and email/calendar interactions.
 *
 * Invariants: pure reads of the document through the view's indexes; a logged activity shows
 * only until the Task it created is in the mirror (then the mirrored row shows instead, at the
 * time the user gave); an open Task (a to-do) is listed by its due date and never counts as an
 * interaction; nothing that has not happened by the view's clock (`nowMs`) is a last interaction
 * (a future Event is a next meeting instead, a future-dated Task or logged activity counts once
 * its time has come). Times are compared as instants and local days in the user's time zone
 * (`time-order.ts`), never as strings; the `at` strings shown are kept as Salesforce gave them.
 * A shared activity (its `WhoIds`) counts for every contact it relates to.
 */
import { normalizeEmail } from "../model/fields.js";
import type { ActivityRecord, ContactRecord } from "../model/records.js";
import type { ReceiptStatus } from "../model/schemas.js";
import type { ViewSource } from "./book-indexes.js";
import type { Zone } from "./time-order.js";
import type { ActivityItem, ActivityStatus, LastInteraction, NextMeeting } from "./types.js";

const DAY_MS = 86_400_000;

/**
 * A Task's time of day, when Salesforce has one for the day the Task is dated: when it was
 * completed, else when it was created. `null` when neither falls within a day of `ActivityDate`'s
 * local day (a Task dated another day than it was entered keeps its date).
 */
function taskInstant(a: ActivityRecord, zone: Zone): string | null {
  // `??` also covers records mirrored before these fields, which lack them.
  const instant = a.CompletedDateTime ?? a.CreatedDate ?? null;
  if (instant === null) return null;
  if (a.ActivityDate === null) return instant;
  const at = Date.parse(instant);
  return at >= zone.dayStartMs(a.ActivityDate) - DAY_MS && at < zone.dayEndMs(a.ActivityDate) + DAY_MS ? instant : null;
}

/**
 * When an activity happened: an Event's start; for a Task, its time when known (see
 * {@link taskInstant}), else its date (a local day in `zone`). `null` when none is set.
 */
export const activityAt = (a: ActivityRecord, zone: Zone): string | null =>
  a.StartDateTime ?? (a.Type === "Task" ? taskInstant(a, zone) : null) ?? a.ActivityDate;

/**
 * When a mirrored activity happened, as the view shows it: for a Task logged on a device, the
 * moment the user said it happened (`occurredAt`), which Salesforce keeps only as a date.
 */
export function mirroredAt(source: ViewSource, activityId: string, a: ActivityRecord): string | null {
  const { maps, ix } = source;
  const intentId = ix.intentBySalesforceId.get(activityId);
  const intent = intentId === undefined ? undefined : maps.intents.get(intentId);
  if (intent?.kind === "logActivity" && a.Type === "Task") return intent.activity.occurredAt;
  return activityAt(a, source.zone());
}

/** The later of two last interactions by instant (a bare date as the end of its local day; the first on a tie). */
export const laterInteraction = (
  a: LastInteraction | null,
  b: LastInteraction | null,
  zone: Zone,
): LastInteraction | null => (a === null ? b : b === null ? a : zone.orderMs(b.at) > zone.orderMs(a.at) ? b : a);

/**
 * An open Task is a to-do (often due later), not something that happened with a contact.
 * Salesforce's `IsClosed` decides; a record mirrored before it was read falls back to its status.
 */
export function isOpenTask(a: ActivityRecord | undefined): boolean {
  if (a === undefined || a.Type !== "Task") return false;
  const closed = typeof a.IsClosed === "boolean" ? a.IsClosed : a.Status === "Completed";
  return !closed;
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
    open: false,
    overdue: false,
    taskStatus: null,
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

/** The row of a mirrored activity as of `nowMs` (`null` when it is gone or has no date). */
export function mirroredItem(source: ViewSource, activityId: string, nowMs: number): ActivityItem | null {
  const { maps, ix } = source;
  const a = maps.activities.get(activityId);
  if (a === undefined) return null;
  const open = isOpenTask(a);
  const at = open ? a.ActivityDate : mirroredAt(source, activityId, a);
  if (at === null) return null;
  return {
    key: activityId,
    source: "salesforce",
    status: "in-salesforce",
    at,
    open,
    overdue: open && source.zone().isOverdue(at, nowMs),
    taskStatus: a.Type === "Task" ? a.Status : null,
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

/**
 * The latest past touch with a contact, as of `nowMs`: a done activity, a logged one that has
 * not failed, or an interaction.
 */
export function contactLastInteraction(source: ViewSource, c: ContactRecord, nowMs: number): LastInteraction | null {
  const { maps, ix } = source;
  const zone = source.zone();
  let best: LastInteraction | null = null;
  let bestMs = Number.NEGATIVE_INFINITY;
  // Later wins; on a tie, a synced activity over a logged one over an interaction, then the smaller id
  // (so the answer does not depend on the order the indexes hold them in).
  const loses = (ms: number, source: LastInteraction["source"], refId: string): boolean =>
    best !== null && (ms < bestMs || (ms === bestMs && (best.source !== source || refId >= best.refId)));
  for (const id of ix.activitiesByWho.get(c.Id)) {
    const a = maps.activities.get(id);
    if (a === undefined || isOpenTask(a)) continue;
    const at = mirroredAt(source, id, a);
    if (at === null || !zone.hasHappened(at, nowMs)) continue;
    const ms = zone.orderMs(at);
    if (loses(ms, "activity", id)) continue;
    bestMs = ms;
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
    if (item === null || item.status === "failed" || !zone.hasHappened(item.at, nowMs)) continue;
    const ms = zone.orderMs(item.at);
    if (loses(ms, "logged", id)) continue;
    bestMs = ms;
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
      if (i === undefined || typeof i.at !== "string" || !zone.hasHappened(i.at, nowMs)) continue;
      const ms = zone.orderMs(i.at);
      if (loses(ms, "interaction", id)) continue;
      bestMs = ms;
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

/**
 * The meeting of an Event that starts after `nowMs`, else `null`; with `withContact` (one of
 * the Event's contacts, for that contact's own next meeting), else with its `WhoId`.
 */
export function futureMeeting(
  source: ViewSource,
  activityId: string,
  nowMs: number,
  withContact?: string | undefined,
): NextMeeting | null {
  const { maps } = source;
  const a = maps.activities.get(activityId);
  if (a?.Type !== "Event" || a.StartDateTime === null || source.zone().hasHappened(a.StartDateTime, nowMs)) return null;
  const contactId = withContact ?? a.WhoId;
  const contact = contactId === null ? undefined : maps.contacts.get(contactId);
  return {
    at: a.StartDateTime,
    activityId,
    subject: a.Subject,
    contactId,
    contactName: contact?.Name ?? null,
  };
}

/** The sooner of two next meetings (by start instant, then activity id). */
export function soonerMeeting(a: NextMeeting | null, b: NextMeeting | null): NextMeeting | null {
  if (a === null) return b;
  if (b === null) return a;
  const d = Date.parse(b.at) - Date.parse(a.at);
  return d < 0 || (d === 0 && b.activityId < a.activityId) ? b : a;
}

/** The soonest Event with a contact (its `WhoId` or one of its `WhoIds`) that starts after `nowMs`. */
export function contactNextMeeting(source: ViewSource, contactId: string, nowMs: number): NextMeeting | null {
  let next: NextMeeting | null = null;
  for (const id of source.ix.activitiesByWho.get(contactId))
    next = soonerMeeting(next, futureMeeting(source, id, nowMs, contactId));
  return next;
}
