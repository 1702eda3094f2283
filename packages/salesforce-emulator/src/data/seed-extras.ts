/**
 * The issue 20 layer of the seed, run after the main steps: custom field values and record
 * types on a fair share of records, the TaskRelation/EventRelation rows of every seeded
 * activity (the org has Shared Activities on), and a handful of shared activities per sales rep —
 * tasks and events whose WhoId is one contact and that relate one or two more contacts of the
 * same account (recent ones, and one event in the coming days).
 *
 * Invariant: draws only from its own PRNG, after the main steps, so the records they made keep
 * their values; relation rows agree with what the record writer would keep.
 */
import { RELATION_KINDS, relationRow } from "../api/activity-relations.js";
import type { OrgUser } from "../store/org.js";
import type { SfRecord, SfValue } from "../store/org-store.js";
import type { Prng } from "../util/prng.js";
import { DAY_MS, formatDate, formatDateTime } from "../util/time.js";
import type { AccountInfo, SeedContext } from "./seed-context.js";
import type { OrgSetup } from "./seed-org-setup.js";

const RENEWAL_STAGES = new Set([
  "Needs Analysis",
  "Proposal/Price Quote",
  "Negotiation/Review",
  "Closed Won",
  "Closed Lost",
]);

function update(ctx: SeedContext, object: string, patch: (rec: SfRecord) => Record<string, SfValue> | undefined): void {
  for (const rec of [...ctx.store.table(object).values()]) {
    const changes = patch(rec);
    if (changes) ctx.store.put(object, { ...rec, ...changes });
  }
}

/** Custom field values and record types on the seeded records. */
export function seedCustomValues(ctx: SeedContext, prng: Prng, setup: OrgSetup): void {
  const { anchor } = ctx;
  update(ctx, "Opportunity", (rec) => {
    const renewal = rec.Type === "Existing Business" && RENEWAL_STAGES.has(String(rec.StageName)) && prng.chance(0.6);
    return {
      RecordTypeId: renewal ? setup.recordTypes.Renewal : setup.recordTypes.New_Business,
      Competitor__c: prng.chance(0.55) ? prng.pick(["Acme Corp", "Globex", "Initech", "None"]) : null,
      Budget_Confirmed__c: prng.chance(0.4),
      Next_Step_Date__c: rec.NextStep !== null ? formatDate(anchor + prng.int(1, 30) * DAY_MS) : null,
    };
  });
  update(ctx, "Contact", (rec) => ({
    Preferred_Channel__c: prng.chance(0.5) ? prng.pick(["Email", "Phone", "In person"]) : null,
    LinkedIn_URL__c: prng.chance(0.4)
      ? `https://www.linkedin.com/in/${`${String(rec.FirstName)}-${String(rec.LastName)}`.toLowerCase().replace(/[^a-z-]/g, "")}-${prng.int(100, 999)}`
      : null,
  }));
  const outcome = (rec: SfRecord) =>
    rec.IsClosed === true || (typeof rec.StartDateTime === "string" && rec.StartDateTime < formatDateTime(anchor))
      ? prng.chance(0.35)
        ? { Outcome__c: prng.pick(["Positive", "Neutral", "Negative"]) }
        : undefined
      : undefined;
  update(ctx, "Task", outcome);
  update(ctx, "Event", outcome);
}

/** The Who and What relation rows of every seeded activity. */
export function seedActivityRelations(ctx: SeedContext): void {
  for (const kind of [RELATION_KINDS.task, RELATION_KINDS.event]) {
    for (const rec of [...ctx.store.table(kind.activity).values()]) seedWhoWhat(ctx, kind, rec);
  }
}

function extraRelations(ctx: SeedContext, kind: typeof RELATION_KINDS.task, activity: SfRecord, contacts: string[]) {
  const prefix = ctx.store.schema.object(kind.relation)?.keyPrefix ?? "";
  for (const contactId of contacts) {
    const row = relationRow(
      ctx.store,
      kind,
      ctx.ids.next(prefix),
      String(activity.Id),
      contactId,
      false,
      String(activity.CreatedDate),
      String(activity.CreatedById),
    );
    ctx.store.put(kind.relation, row);
  }
}

function sharedTask(ctx: SeedContext, owner: string, account: AccountInfo, atMs: number, subject: string): SfRecord {
  const stamp = formatDateTime(atMs);
  const rec: Record<string, SfValue> = { ...ctx.template("Task"), Id: ctx.ids.next("00T") };
  Object.assign(rec, {
    WhoId: account.contacts[0] ?? null,
    WhatId: account.opps[0] ?? account.id,
    Subject: subject,
    ActivityDate: formatDate(atMs),
    Status: "Completed",
    Priority: "Normal",
    IsHighPriority: false,
    OwnerId: owner,
    Type: "Meeting",
    TaskSubtype: "Task",
    IsClosed: true,
    CompletedDateTime: stamp,
    AccountId: account.id,
    IsReminderSet: false,
    IsArchived: false,
    IsDeleted: false,
    CreatedDate: stamp,
    CreatedById: owner,
    LastModifiedDate: stamp,
    LastModifiedById: owner,
    SystemModstamp: stamp,
  });
  ctx.store.put("Task", rec);
  return rec;
}

function sharedEvent(
  ctx: SeedContext,
  owner: string,
  account: AccountInfo,
  startMs: number,
  subject: string,
): SfRecord {
  const created = formatDateTime(Math.min(startMs, ctx.anchor) - 2 * DAY_MS);
  const start = formatDateTime(startMs);
  const rec: Record<string, SfValue> = { ...ctx.template("Event"), Id: ctx.ids.next("00U") };
  Object.assign(rec, {
    WhoId: account.contacts[0] ?? null,
    WhatId: account.opps[0] ?? account.id,
    Subject: subject,
    Location: `${account.name} office`,
    IsAllDayEvent: false,
    ActivityDateTime: start,
    ActivityDate: formatDate(startMs),
    DurationInMinutes: 60,
    StartDateTime: start,
    EndDateTime: formatDateTime(startMs + 3600_000),
    AccountId: account.id,
    OwnerId: owner,
    Type: "Meeting",
    EventSubtype: "Event",
    ShowAs: "Busy",
    IsPrivate: false,
    IsDeleted: false,
    CreatedDate: created,
    CreatedById: owner,
    LastModifiedDate: created,
    LastModifiedById: owner,
    SystemModstamp: created,
  });
  ctx.store.put("Event", rec);
  return rec;
}

/**
 * Per sales rep, on up to two of their accounts with at least three contacts: three completed
 * tasks in the last week and two events (one three days ago, one three days ahead), each with
 * its Who/What rows and one or two more related contacts.
 */
export function seedSharedActivities(
  ctx: SeedContext,
  prng: Prng,
  reps: readonly OrgUser[],
  accounts: readonly AccountInfo[],
): void {
  const { anchor } = ctx;
  const hour = 3600_000;
  for (const rep of reps) {
    const mine = accounts.filter((a) => a.owner === rep.id && a.contacts.length >= 3).slice(0, 2);
    const first = mine[0];
    if (!first) continue;
    const more = (a: AccountInfo) => a.contacts.slice(1, prng.chance(0.5) ? 3 : 2);
    for (let i = 0; i < 3; i++) {
      const account = mine[i % mine.length] ?? first;
      const task = sharedTask(
        ctx,
        rep.id,
        account,
        anchor - (i + 1) * DAY_MS - 9 * hour,
        `Group call with ${account.name}`,
      );
      extraRelations(ctx, RELATION_KINDS.task, task, more(account));
      seedWhoWhat(ctx, RELATION_KINDS.task, task);
    }
    for (const offset of [-3, 3]) {
      const event = sharedEvent(
        ctx,
        rep.id,
        first,
        anchor + offset * DAY_MS + 15 * hour,
        `Joint review with ${first.name}`,
      );
      extraRelations(ctx, RELATION_KINDS.event, event, more(first));
      seedWhoWhat(ctx, RELATION_KINDS.event, event);
    }
  }
}

function seedWhoWhat(ctx: SeedContext, kind: typeof RELATION_KINDS.task, rec: SfRecord): void {
  const prefix = ctx.store.schema.object(kind.relation)?.keyPrefix ?? "";
  for (const [relationId, isWhat] of [
    [rec.WhoId, false],
    [rec.WhatId, true],
  ] as const) {
    if (typeof relationId !== "string") continue;
    const row = relationRow(
      ctx.store,
      kind,
      ctx.ids.next(prefix),
      String(rec.Id),
      relationId,
      isWhat,
      String(rec.CreatedDate),
      String(rec.CreatedById),
    );
    ctx.store.put(kind.relation, row);
  }
}
