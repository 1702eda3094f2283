/**
 * Seeded activities: a year of tasks and events per dataset, tied to the accounts' contacts and
 * opportunities, built directly in their stored form (every field, schema order).
 *
 * Invariant: derived fields (IsClosed, CompletedDateTime, IsHighPriority, AccountId, event end
 * and ActivityDate) agree with what the record writer would compute.
 */
import type { SfValue } from "../store/org-store.js";
import { DAY_MS, formatDate, formatDateTime } from "../util/time.js";
import type { AccountInfo, SeedContext, SeedOwners } from "./seed-context.js";
import * as words from "./vocabulary.js";

const CALL_RESULTS: readonly string[] = ["Connected", "Left voicemail", "No answer", "Meeting booked"];

/** Who owns an activity: in the large dataset mostly the admin, else mostly the account's owner. */
function activityOwner(ctx: SeedContext, account: AccountInfo, { admin, userIds }: SeedOwners): string {
  const { prng, shape } = ctx;
  return shape.firstUserOpenShare === 1
    ? prng.chance(0.9)
      ? admin
      : prng.pick(userIds)
    : prng.chance(0.6)
      ? account.owner
      : prng.pick(userIds);
}

/** The custom (`__c`) fields of an object, which seeded activities leave null. */
function customFields(ctx: SeedContext, name: string): string[] {
  const fields = Object.keys(ctx.template(name));
  return fields.filter((f) => f.endsWith("__c"));
}

/** A year of tasks (calls, emails and to-dos), a few of them due in the coming month. */
export function seedTasks(ctx: SeedContext, accounts: readonly AccountInfo[], owners: SeedOwners): void {
  const { prng, shape, store, ids, anchor } = ctx;
  const customTaskFields = customFields(ctx, "Task");
  for (let i = 0; i < shape.tasks; i++) {
    const account = prng.pick(accounts);
    const ci = account.contacts.length > 0 ? prng.int(0, account.contacts.length - 1) : -1;
    const who = ci >= 0 ? (account.contacts[ci] ?? null) : null;
    const whoName = ci >= 0 ? (account.contactNames[ci] ?? "") : "";
    const what = account.opps.length > 0 && prng.chance(0.75) ? prng.pick(account.opps) : account.id;
    const owner = activityOwner(ctx, account, owners);
    const future = prng.chance(0.06);
    const dayMs = future ? anchor + prng.int(1, 30) * DAY_MS : anchor - prng.int(1, 365) * DAY_MS;
    const atMs = dayMs + prng.int(8 * 3600_000, 18 * 3600_000);
    const kind = prng.int(0, 9);
    const isCall = kind < 5;
    const isEmail = kind >= 5 && kind < 8;
    const subject = isCall
      ? `${prng.pick(words.CALL_SUBJECTS)} with ${whoName}`
      : isEmail
        ? prng.pick(words.EMAIL_SUBJECTS)
        : prng.pick(words.TASK_SUBJECTS);
    const status = future ? prng.pick(["Not Started", "In Progress"]) : prng.chance(0.92) ? "Completed" : "Deferred";
    const closed = status === "Completed";
    const created = future ? anchor - prng.int(1, 10) * DAY_MS : atMs;
    const modified = Math.min(closed ? atMs + prng.int(0, 3600_000) : created, anchor - 1);
    const createdStamp = formatDateTime(Math.min(created, modified));
    const modifiedStamp = formatDateTime(modified);
    const priority = prng.chance(0.1) ? "High" : "Normal";
    const rec: Record<string, SfValue> = {
      Id: ids.next("00T"),
      WhoId: who,
      WhatId: what,
      Subject: subject,
      ActivityDate: formatDate(dayMs),
      Status: status,
      Priority: priority,
      IsHighPriority: priority === "High",
      OwnerId: owner,
      Description: prng.chance(0.25) ? prng.pick(words.NOTES) : null,
      Type: isCall ? "Call" : isEmail ? "Email" : "Other",
      TaskSubtype: isCall ? "Call" : isEmail ? "Email" : "Task",
      IsClosed: closed,
      CompletedDateTime: closed ? modifiedStamp : null,
      AccountId: account.id,
      CallDurationInSeconds: isCall && closed ? prng.int(60, 3600) : null,
      CallType: isCall ? (prng.chance(0.8) ? "Outbound" : "Inbound") : null,
      CallDisposition: isCall && closed ? prng.pick(CALL_RESULTS) : null,
      CallObject: null,
      ReminderDateTime: null,
      IsReminderSet: false,
      IsArchived: false,
      IsDeleted: false,
      CreatedDate: createdStamp,
      CreatedById: owner,
      LastModifiedDate: modifiedStamp,
      LastModifiedById: owner,
      SystemModstamp: modifiedStamp,
    };
    for (const f of customTaskFields) rec[f] = null;
    store.put("Task", rec);
  }
}

/** A year of meetings, a few of them in the coming weeks. */
export function seedEvents(ctx: SeedContext, accounts: readonly AccountInfo[], owners: SeedOwners): void {
  const { prng, shape, store, ids, anchor } = ctx;
  const customEventFields = customFields(ctx, "Event");
  for (let i = 0; i < shape.events; i++) {
    const account = prng.pick(accounts);
    const ci = account.contacts.length > 0 ? prng.int(0, account.contacts.length - 1) : -1;
    const who = ci >= 0 ? (account.contacts[ci] ?? null) : null;
    const what = account.opps.length > 0 && prng.chance(0.7) ? prng.pick(account.opps) : account.id;
    const owner = activityOwner(ctx, account, owners);
    const dayMs = prng.chance(0.08) ? anchor + prng.int(1, 45) * DAY_MS : anchor - prng.int(1, 365) * DAY_MS;
    const start = dayMs + prng.int(16, 34) * 1800_000;
    const duration = prng.pick([30, 30, 45, 60, 60, 90]);
    const created = Math.min(start - prng.int(1, 14) * DAY_MS, anchor - 1);
    const createdStamp = formatDateTime(created);
    const startStamp = formatDateTime(start);
    const rec: Record<string, SfValue> = {
      Id: ids.next("00U"),
      WhoId: who,
      WhatId: what,
      Subject: prng.pick(words.MEETING_SUBJECTS),
      Location: prng.chance(0.5) ? "Video call" : `${account.name} office`,
      IsAllDayEvent: false,
      ActivityDateTime: startStamp,
      ActivityDate: formatDate(start),
      DurationInMinutes: duration,
      StartDateTime: startStamp,
      EndDateTime: formatDateTime(start + duration * 60_000),
      Description: prng.chance(0.2) ? prng.pick(words.NOTES) : null,
      AccountId: account.id,
      OwnerId: owner,
      Type: "Meeting",
      EventSubtype: "Event",
      ShowAs: "Busy",
      IsPrivate: false,
      IsDeleted: false,
      CreatedDate: createdStamp,
      CreatedById: owner,
      LastModifiedDate: createdStamp,
      LastModifiedById: owner,
      SystemModstamp: createdStamp,
    };
    for (const f of customEventFields) rec[f] = null;
    store.put("Event", rec);
  }
}
