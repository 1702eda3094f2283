/**
 * An in-memory {@link SalesforcePort} over a {@link FakeOrg}, acting as one user. It keeps the
 * whole port contract (see `port/salesforce-port.ts`) and passes `describePortContract`.
 *
 * Invariants: every call counts one API call against the org (a push one per 200 writes); a
 * revoked user gets `Revoked` from every call; nothing returned is outside the user's scope.
 */
import { Effect } from "effect";
import { checkFieldValue, isEditableField } from "../model/fields.js";
import type { AccountRecord, ActivityRecord, ContactRecord, ContactRoleRecord } from "../model/records.js";
import type { SalesforceId } from "../model/salesforce-id.js";
import {
  AccessDenied,
  type ActivityPull,
  type ActivityPullRequest,
  type CreateTaskWrite,
  type FieldSelection,
  type IdempotencyKey,
  NotFound,
  Revoked,
  type SalesforcePort,
  type SalesforcePortError,
  type ScopeObject,
  type ScopePull,
  type ScopePullRequest,
  type UpdateFieldWrite,
  ValidationFailed,
  type Watermarks,
  type WriteResult,
} from "../port/salesforce-port.js";
import { orgInfoOf, selectFields, unreadableSelection } from "./fake-describe.js";
import { FAKE_EXTRA_FIELDS, FAKE_STAGES, type FakeOrg } from "./fake-org.js";

const maxMark = (marks: Watermarks, object: ScopeObject, stamp: string, into: Record<string, string>): void => {
  const cur = into[object] ?? marks[object];
  if (cur === undefined || stamp > cur) into[object] = stamp;
};

const strip = <T extends { readonly SystemModstamp: string }>(r: T): Omit<T, "SystemModstamp"> => {
  const { SystemModstamp: _, ...rest } = r;
  return rest;
};

/** The records in a user's scope now (docs/architecture.md, "Scope of a book"). */
function scopeOf(org: FakeOrg, userId: SalesforceId) {
  const opps = [...org.opportunities.values()].filter((o) => o.OwnerId === userId && !o.IsClosed);
  const oppIds = new Set<string>(opps.map((o) => o.Id));
  const accountIds = new Set<string>();
  for (const o of opps) if (o.AccountId) accountIds.add(o.AccountId);
  const contacts = [...org.contacts.values()].filter((c) => c.AccountId !== null && accountIds.has(c.AccountId));
  const roles = [...org.contactRoles.values()].filter((r) => oppIds.has(r.OpportunityId));
  const roleContactIds = new Set<string>(roles.map((r) => r.ContactId));
  // A role may point at a contact of another account: the contact comes too.
  for (const id of roleContactIds) {
    const c = org.contacts.get(id as SalesforceId);
    if (c && !contacts.includes(c)) contacts.push(c);
  }
  const accounts = [...accountIds].flatMap((id) => {
    const a = org.accounts.get(id as SalesforceId);
    return a ? [a] : [];
  });
  return { opps, oppIds, accountIds, contacts, roles, accounts };
}

/** A scope pull: what changed past the watermarks (or is not mirrored), and what left the scope. */
function pullScopeOf(org: FakeOrg, request: ScopePullRequest): ScopePull {
  const wm = request.watermarks;
  const marks: Record<string, string> = {};
  const changed = (object: ScopeObject, stamp: string, mirrored: boolean): boolean => {
    const mark = wm[object];
    return !mirrored || mark === undefined || stamp > mark;
  };
  const { opps: rawOpps, oppIds, accountIds, contacts: rawContacts, roles, accounts } = scopeOf(org, request.userId);
  const opps = rawOpps.map((o) => selectFields(org, "Opportunity", o, request.fields));
  const contacts = rawContacts.map((c) => selectFields(org, "Contact", c, request.fields));
  const contactIds = new Set<string>(contacts.map((c) => c.Id));
  const m = request.mirrored;
  const outOpps = opps.filter((o) => changed("Opportunity", o.SystemModstamp, m.opportunityIds.has(o.Id)));
  const outAccounts: AccountRecord[] = accounts
    .filter((a) => changed("Account", a.SystemModstamp, m.accountIds.has(a.Id)))
    .map(strip);
  const outContacts: ContactRecord[] = contacts.filter((c) =>
    changed("Contact", c.SystemModstamp, m.contactIds.has(c.Id)),
  );
  const outRoles: ContactRoleRecord[] = roles
    .filter((r) => changed("OpportunityContactRole", r.SystemModstamp, m.contactRoleIds.has(r.Id)))
    .map(strip);
  for (const o of opps) maxMark(wm, "Opportunity", o.SystemModstamp, marks);
  for (const a of accounts) maxMark(wm, "Account", a.SystemModstamp, marks);
  for (const c of contacts) maxMark(wm, "Contact", c.SystemModstamp, marks);
  for (const r of roles) maxMark(wm, "OpportunityContactRole", r.SystemModstamp, marks);
  const gone = (ids: ReadonlySet<SalesforceId>, keep: ReadonlySet<string>) => [...ids].filter((id) => !keep.has(id));
  return {
    opportunities: outOpps,
    accounts: outAccounts,
    contacts: outContacts,
    contactRoles: outRoles,
    removed: {
      opportunityIds: gone(m.opportunityIds, oppIds),
      accountIds: gone(m.accountIds, accountIds),
      contactIds: gone(m.contactIds, contactIds),
      contactRoleIds: gone(m.contactRoleIds, new Set(roles.map((r) => r.Id))),
    },
    watermarks: { ...wm, ...marks },
    full:
      wm.Opportunity === undefined &&
      wm.Account === undefined &&
      wm.Contact === undefined &&
      wm.OpportunityContactRole === undefined,
  };
}

/** Every contact an activity relates to: its `WhoId` first, then its TaskRelation / EventRelation contacts. */
function whoIdsOf(org: FakeOrg, a: ActivityRecord): SalesforceId[] {
  const out: SalesforceId[] = a.WhoId === null ? [] : [a.WhoId];
  for (const id of org.relations.get(a.Id) ?? []) if (!out.includes(id)) out.push(id);
  return out;
}

/**
 * The Key contacts' activities (by any relation) dated in the window, plus per contact the
 * most recent one not after `now`, changed past the watermarks.
 */
function pullActivitiesOf(org: FakeOrg, request: ActivityPullRequest): ActivityPull {
  const who = new Set<string>(request.whoIds);
  const windowDate = request.windowStart.slice(0, 10);
  // An Event is dated by its start, a Task by its date; the window's end is compared the same way.
  const date = (a: ActivityRecord) => a.StartDateTime ?? a.ActivityDate ?? "";
  const endOk = (a: ActivityRecord) =>
    request.windowEnd === undefined ||
    (a.StartDateTime !== null
      ? a.StartDateTime <= request.windowEnd
      : (a.ActivityDate ?? "") <= request.windowEnd.slice(0, 10));
  const candidates = [...org.activities.values()].filter((a) => whoIdsOf(org, a).some((id) => who.has(id)));
  const notAfterNow = (a: ActivityRecord) =>
    request.now === undefined ||
    (a.StartDateTime !== null ? a.StartDateTime <= request.now : (a.ActivityDate ?? "") <= request.now.slice(0, 10));
  const latest = new Map<string, ActivityRecord>();
  for (const a of candidates) {
    if (!notAfterNow(a)) continue;
    for (const id of whoIdsOf(org, a)) {
      if (!who.has(id)) continue;
      const prev = latest.get(id);
      if (prev === undefined || date(a) > date(prev) || (date(a) === date(prev) && a.Id > prev.Id)) latest.set(id, a);
    }
  }
  const inBook = new Set<string>();
  for (const a of candidates) if (date(a).slice(0, 10) >= windowDate && endOk(a)) inBook.add(a.Id);
  for (const a of latest.values()) inBook.add(a.Id);
  const marks: Record<string, string> = {};
  const out: ActivityRecord[] = [];
  for (const a of candidates) {
    if (!inBook.has(a.Id)) continue;
    maxMark(request.watermarks, a.Type, a.SystemModstamp, marks);
    const mark = request.watermarks[a.Type];
    if (!request.mirroredIds.has(a.Id) || mark === undefined || a.SystemModstamp > mark) {
      const { idempotencyKey: _, ...record } = a;
      out.push(selectFields(org, a.Type, { ...record, WhoIds: whoIdsOf(org, a) }, request.fields));
    }
  }
  const removedIds = [...request.mirroredIds].filter((id) => !inBook.has(id));
  return { activities: out, removedIds, watermarks: { ...request.watermarks, ...marks } };
}

/** Creates the Task of a logged activity, carrying its idempotency key. */
function pushCreateTask(org: FakeOrg, userId: SalesforceId, w: CreateTaskWrite): WriteResult {
  const f = w.fields;
  if (!org.contacts.has(f.WhoId)) {
    return {
      intentId: w.intentId,
      outcome: "failed",
      error: new ValidationFailed({
        code: "INVALID_CROSS_REFERENCE_KEY",
        message: "invalid cross reference id",
        fields: ["WhoId"],
      }),
    };
  }
  const id = org.createActivity({
    WhoId: f.WhoId,
    WhatId: f.WhatId,
    Subject: f.Subject,
    ActivityDate: f.ActivityDate,
    OwnerId: userId,
    Status: f.Status,
    Description: f.Description,
    TaskSubtype: f.TaskSubtype,
    idempotencyKey: w.key,
  });
  return { intentId: w.intentId, outcome: "applied", salesforceId: id };
}

/** Updates one field only while Salesforce still holds the write's base (else unchanged or conflict). */
function pushUpdateField(org: FakeOrg, userId: SalesforceId, w: UpdateFieldWrite): WriteResult {
  const table = w.sobject === "Opportunity" ? org.opportunities : org.contacts;
  const record = table.get(w.recordId) as Record<string, unknown> | undefined;
  if (record === undefined) {
    return {
      intentId: w.intentId,
      outcome: "failed",
      error: new NotFound({ message: `${w.sobject} ${w.recordId} does not exist or was deleted` }),
    };
  }
  if (w.sobject === "Opportunity" && record.OwnerId !== userId) {
    return {
      intentId: w.intentId,
      outcome: "failed",
      error: new AccessDenied({
        code: "INSUFFICIENT_ACCESS_OR_READONLY",
        message: "insufficient access rights on object id",
      }),
    };
  }
  const extraField = FAKE_EXTRA_FIELDS[w.sobject]?.[w.field];
  if ((extraField !== undefined || isEditableField(w.sobject, w.field)) && !org.canEdit(w.sobject, w.field)) {
    return {
      intentId: w.intentId,
      outcome: "failed",
      error: new AccessDenied({
        code: "INVALID_FIELD_FOR_INSERT_UPDATE",
        message: `Unable to create/update fields: ${w.field}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
      }),
    };
  }
  const problem =
    extraField !== undefined
      ? extraField.picklist !== undefined && w.value !== null && !extraField.picklist.includes(String(w.value))
        ? "bad value for restricted picklist field"
        : null
      : !isEditableField(w.sobject, w.field)
        ? "is not updateable"
        : w.field === "StageName" && !FAKE_STAGES.has(String(w.value))
          ? "bad value for restricted picklist field"
          : checkFieldValue(w.sobject, w.field, w.value);
  if (problem !== null) {
    return {
      intentId: w.intentId,
      outcome: "failed",
      error: new ValidationFailed({
        code: "FIELD_INTEGRITY_EXCEPTION",
        message: `${w.field}: ${problem}`,
        fields: [w.field],
      }),
    };
  }
  const current =
    extraField !== undefined ? (org.extras.get(w.recordId)?.[w.field] ?? null) : (record[w.field] ?? null);
  const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  if (same(current, w.value)) return { intentId: w.intentId, outcome: "unchanged", salesforceId: w.recordId };
  if (!same(current, w.base)) return { intentId: w.intentId, outcome: "conflict", theirs: current };
  org.updateRecord(w.sobject, w.recordId, { [w.field]: w.value });
  return { intentId: w.intentId, outcome: "applied", salesforceId: w.recordId };
}

/**
 * Creates a fake port acting as `userId` against `org`.
 *
 * @example
 * ```ts
 * const org = new FakeOrg();
 * const user = org.addUser("Ada");
 * const port = createFakePort(org, user);
 * ```
 */
export function createFakePort(org: FakeOrg, userId: SalesforceId): SalesforcePort {
  let callsMade = 0;
  const call = <A>(cost: number, body: () => A): Effect.Effect<A, SalesforcePortError> =>
    Effect.suspend(() => {
      const user = org.users.get(userId);
      if (user === undefined || user.revoked) {
        return Effect.fail(new Revoked({ message: "the user's authorization was revoked (invalid_grant)" }));
      }
      callsMade += cost;
      org.apiCalls += cost;
      return Effect.succeed(body());
    });
  const selecting = <A>(fields: FieldSelection | undefined, body: () => A): Effect.Effect<A, SalesforcePortError> => {
    const refused = unreadableSelection(org, fields);
    return refused === null
      ? call(1, body)
      : Effect.flatMap(
          call(1, () => null),
          () => Effect.fail(refused),
        );
  };
  return {
    pullScope: (request) => selecting(request.fields, () => pullScopeOf(org, request)),
    pullActivities: (request) => selecting(request.fields, () => pullActivitiesOf(org, request)),
    // One API call per 200 writes, as a composite request is.
    push: (writes) =>
      call(Math.max(1, Math.ceil(writes.length / 200)), () =>
        writes.map((w) => (w.kind === "createTask" ? pushCreateTask(org, userId, w) : pushUpdateField(org, userId, w))),
      ),
    lookup: (keys) =>
      call(1, () => {
        const out = new Map<IdempotencyKey, SalesforceId | null>();
        for (const key of keys) out.set(key, org.findByKey(key)?.Id ?? null);
        return out;
      }),
    usage: () => ({ used: org.apiCalls, max: org.apiMax, callsMade }),
    // One query of OpportunityStage; with a request, the user, four describes and one call per record type.
    pullOrgInfo: (request) =>
      call(request === undefined ? 1 : 6 + org.recordTypes.length, () => orgInfoOf(org, request)),
  };
}
