/**
 * What the screens show, mapped from the engine's derived views (`createBookView`): the
 * pipeline rows, an opportunity's detail (Key/Other contacts with readable evidence, Last
 * Interaction with its source, the activity list with receipts, pending and conflicted
 * edits), recommendation cards and the status bar's counts.
 *
 * Invariants: pure functions of an engine snapshot/opportunity view plus read-only lookups
 * into the document (interaction details, receipts); nothing here derives book semantics the
 * engine already owns (Key rule, overlays, de-duplication) — it only words them for people.
 */
import {
  type ActivityItem,
  type BookSnapshot,
  type ContactView,
  type FieldNote,
  type IntentView,
  type Interaction,
  isClosedStage,
  type KeyEvidence,
  type LastInteraction,
  type NextMeeting,
  type OpportunityView,
  type OrgView,
  type Receipt,
  type ReceiptStatus,
  type Recommendation,
  type RecommendationKind,
  recordUrl,
  stageRank,
} from "@tandem/engine";
import {
  contactExtraFields,
  type ExtraFieldValue,
  type FieldSpec,
  opportunityFieldSpecs,
  recordTypeIdOf,
  recordTypeName,
} from "./field-specs.js";

/** One row of the pipeline table, pending edits applied. */
export interface PipelineRow {
  readonly id: string;
  readonly name: string;
  readonly accountId: string | null;
  readonly accountName: string;
  readonly amount: number | null;
  readonly stage: string;
  readonly closeDate: string;
  readonly probability: number | null;
  readonly forecastCategory: string | null;
  readonly description: string | null;
  /** Fields whose shown value comes from an edit not yet in Salesforce. */
  readonly pendingFields: readonly string[];
  /** A pending stage edit closes it (won or lost): it is leaving the pipeline, its amount no longer open. */
  readonly closing: boolean;
  /** The stage's place in the org's sales process (`null` when the org does not list it). */
  readonly stageRank: number | null;
}

/** Why a contact is Key, in words-ready form. */
export type Evidence =
  | { readonly kind: "role"; readonly role: string | null; readonly isPrimary: boolean }
  | {
      readonly kind: "interaction";
      readonly interaction: "email" | "meeting";
      readonly email: string | null;
      readonly at: string;
      readonly source: string;
      readonly subject: string | null;
    }
  | { readonly kind: "manual"; readonly tier: "key" | "other"; readonly at: string };

/**
 * A contact as a row of an opportunity's contact lists: the engine's `ContactView` flattened,
 * with its evidence in words and "auto" for no override.
 */
export interface ContactRow {
  readonly id: string;
  readonly name: string;
  readonly title: string | null;
  readonly email: string | null;
  readonly phone: string | null;
  readonly mobile: string | null;
  readonly tier: "key" | "other";
  readonly evidence: readonly Evidence[];
  /** The user's manual override ("auto" when none). */
  readonly override: "key" | "other" | "auto";
  /** The contact's configured extra fields (e.g. Lead Source), shown read-only. */
  readonly extra: readonly ExtraFieldValue[];
}

/** Where the last interaction came from, in the terms the user knows (not the engine's `InteractionSource`). */
export type LastInteractionSource = "salesforce" | "this-device" | "email" | "calendar";

/** A receipt as the UI presents it ("queued" when the worker has not seen the intent yet). */
export interface ReceiptView {
  readonly status: ReceiptStatus | "queued";
  readonly salesforceId: string | null;
  readonly error: { readonly code: string; readonly message: string } | null;
  readonly conflict: { readonly base: unknown; readonly mine: unknown; readonly theirs: unknown } | null;
}

/** One entry of an opportunity's activity list. */
export interface ActivityView {
  readonly key: string;
  readonly subject: string;
  readonly kind: "call" | "email" | "meeting" | "note" | "task";
  readonly at: string;
  readonly description: string | null;
  readonly contactId: string | null;
  readonly contactName: string | null;
  readonly source: "salesforce" | "device";
  readonly intentId: string | null;
  readonly receipt: ReceiptView | null;
}

/** An open to-do of an opportunity (an open Task): what, and when it is due. */
export interface OpenTaskView {
  readonly key: string;
  readonly subject: string;
  /** `YYYY-MM-DD`. */
  readonly due: string;
  /** The Task's status, e.g. "Not Started". */
  readonly status: string | null;
  readonly contactName: string | null;
}

/**
 * The latest interaction with the Key contacts of an opportunity, worded for the Last
 * Interaction card (the engine's `LastInteraction` with a label and a contact name).
 */
export interface LastInteractionSummary {
  readonly at: string;
  readonly label: string;
  readonly source: LastInteractionSource;
  readonly contactName: string | null;
}

/** A field edit made on a device that is pending, or ended in a conflict or failure. */
export interface EditView {
  readonly intentId: string;
  readonly field: string;
  readonly value: unknown;
  readonly base: unknown;
  readonly receipt: ReceiptView;
}

/** Everything the opportunity screen shows. */
export interface OpportunityDetail {
  readonly row: PipelineRow;
  /** The value of each field as Salesforce last sent it (the base of a new edit). */
  readonly mirror: Readonly<Record<string, unknown>>;
  readonly keyContacts: readonly ContactRow[];
  readonly otherContacts: readonly ContactRow[];
  readonly lastInteraction: LastInteractionSummary | null;
  /** The soonest meeting still to come on the opportunity or with a Key contact. */
  readonly nextMeeting: NextMeeting | null;
  readonly activities: readonly ActivityView[];
  /** Open to-dos, soonest due first (never in `activities`). */
  readonly openTasks: readonly OpenTaskView[];
  /** The opportunity in Salesforce (`null` until the book knows the org's instance URL). */
  readonly salesforceUrl: string | null;
  /** Pending edits by field (shown as an overlay on the field). */
  readonly pending: ReadonlyMap<string, EditView>;
  /** Conflicted or failed edits the user has to act on. */
  readonly problems: readonly EditView[];
  /** The Details card's fields: the shape's editable ones, then the configured extra ones. */
  readonly fields: readonly FieldSpec[];
  /** The name of the opportunity's record type ("Renewal"), `null` when it has none the book knows. */
  readonly recordType: string | null;
  /** Configured fields the sync leaves out (of any object), with why. */
  readonly fieldNotes: readonly FieldNote[];
}

/** One recommendation card. */
export interface RecommendationCard {
  readonly id: string;
  readonly kind: RecommendationKind;
  readonly severity: Recommendation["severity"];
  readonly opportunityId: string;
  readonly opportunityName: string;
  readonly title: string;
  /** The opportunity's next meeting, `null` when none is scheduled. */
  readonly nextMeeting: NextMeeting | null;
}

/** Read-only lookups into the document the views do not carry. */
export interface BookLookups {
  readonly interaction: (id: string) => Interaction | undefined;
  readonly receipt: (intentId: string) => Receipt | undefined;
}

/** A receipt as the UI shows it. */
export function toReceiptView(receipt: Receipt | null | undefined): ReceiptView {
  if (receipt === null || receipt === undefined) {
    return { status: "queued", salesforceId: null, error: null, conflict: null };
  }
  return {
    status: receipt.status,
    salesforceId: receipt.salesforceId ?? null,
    error: receipt.error ?? null,
    conflict: receipt.conflict ?? null,
  };
}

const NO_ORG: OrgView = { instanceUrl: null, stages: [], timeZone: "UTC", fields: {}, recordTypes: {}, fieldNotes: [] };

/** A pipeline row from an engine opportunity view, with the org's stages for its stage order. */
export function toPipelineRow(o: OpportunityView, org: OrgView = NO_ORG): PipelineRow {
  const r = o.record;
  return {
    id: o.id,
    name: r.Name,
    accountId: r.AccountId,
    accountName: o.accountName ?? "—",
    amount: r.Amount,
    stage: r.StageName,
    closeDate: r.CloseDate,
    probability: r.Probability,
    forecastCategory: r.ForecastCategoryName,
    description: r.Description,
    pendingFields: Object.keys(o.pendingFields),
    closing: o.pendingFields.StageName !== undefined && isClosedStage(org, r.StageName),
    stageRank: stageRank(org, r.StageName),
  };
}

/** The pipeline rows of a snapshot (the engine lists open opportunities only). */
export function pipelineRows(snapshot: BookSnapshot): PipelineRow[] {
  return snapshot.opportunities.map((o) => toPipelineRow(o, snapshot.org));
}

function toEvidence(e: KeyEvidence, lookups: BookLookups): Evidence {
  switch (e.kind) {
    case "role":
      return { kind: "role", role: e.role, isPrimary: e.isPrimary };
    case "interaction": {
      const i = lookups.interaction(e.interactionId);
      return {
        kind: "interaction",
        interaction: e.interaction,
        email: i?.email ?? null,
        at: e.at,
        source: e.source,
        subject: i?.subject ?? null,
      };
    }
    case "override":
      return { kind: "manual", tier: "key", at: e.at };
  }
}

function toContactRow(c: ContactView, lookups: BookLookups, org: OrgView): ContactRow {
  return {
    id: c.contact.Id,
    name: c.contact.Name,
    title: c.contact.Title,
    email: c.contact.Email,
    phone: c.contact.Phone,
    mobile: c.contact.MobilePhone,
    tier: c.tier,
    evidence: c.evidence.map((e) => toEvidence(e, lookups)),
    override: c.override ?? "auto",
    extra: contactExtraFields(org, c.contact),
  };
}

function activityKind(item: ActivityItem): ActivityView["kind"] {
  const type = item.type.toLowerCase();
  if (type === "call" || type === "email" || type === "meeting" || type === "note") return type;
  if (type === "event") return "meeting";
  return "task";
}

function itemReceipt(item: ActivityItem, lookups: BookLookups): ReceiptView | null {
  if (item.intentId === null) return null;
  const receipt = lookups.receipt(item.intentId);
  if (receipt !== undefined) return toReceiptView(receipt);
  return { status: "queued", salesforceId: item.activityId, error: item.error, conflict: null };
}

function sourceOf(last: LastInteraction): LastInteractionSource {
  if (last.source === "activity") return "salesforce";
  if (last.source === "logged") return "this-device";
  return last.kind === "meeting" ? "calendar" : "email";
}

function isEditOf(view: IntentView, recordId: string): boolean {
  return view.intent.kind === "editField" && view.intent.recordId === recordId;
}

function toEditView(view: IntentView): EditView | null {
  const intent = view.intent;
  if (intent.kind !== "editField") return null;
  return {
    intentId: intent.id,
    field: intent.field,
    value: intent.value,
    base: intent.base,
    receipt: toReceiptView(view.receipt),
  };
}

/** Everything the opportunity screen shows, from the engine's view of it. */
export function opportunityDetail(o: OpportunityView, snapshot: BookSnapshot, lookups: BookLookups): OpportunityDetail {
  const keyContacts = o.keyContacts.map((c) => toContactRow(c, lookups, snapshot.org));
  const otherContacts = o.otherContacts.map((c) => toContactRow(c, lookups, snapshot.org));
  const names = new Map<string, string>();
  for (const c of [...keyContacts, ...otherContacts]) names.set(c.id, c.name);
  const activities = o.activities.map(
    (item): ActivityView => ({
      key: item.key,
      subject: item.subject ?? "(no subject)",
      kind: activityKind(item),
      at: item.at,
      description: item.description,
      contactId: item.contactId,
      contactName: item.contactId === null ? null : (names.get(item.contactId) ?? null),
      source: item.source === "logged" ? "device" : "salesforce",
      intentId: item.intentId,
      receipt: itemReceipt(item, lookups),
    }),
  );
  const openTasks = o.openTasks.map(
    (item): OpenTaskView => ({
      key: item.key,
      subject: item.subject ?? "(no subject)",
      due: item.at,
      status: item.taskStatus,
      contactName: item.contactId === null ? null : (names.get(item.contactId) ?? null),
    }),
  );
  const last = o.lastInteraction;
  const pending = new Map<string, EditView>();
  for (const [field, p] of Object.entries(o.pendingFields)) {
    pending.set(field, {
      intentId: p.intentId,
      field,
      value: p.value,
      base: p.base,
      receipt: toReceiptView(lookups.receipt(p.intentId)),
    });
  }
  // A failed edit stays visible until a later edit of the same field replaces it.
  const latestEditAt = new Map<string, string>();
  for (const list of [snapshot.pending, snapshot.conflicts, snapshot.failed]) {
    for (const v of list) {
      if (!isEditOf(v, o.id) || v.intent.kind !== "editField") continue;
      const prev = latestEditAt.get(v.intent.field);
      if (prev === undefined || v.intent.hlc > prev) latestEditAt.set(v.intent.field, v.intent.hlc);
    }
  }
  const problems: EditView[] = [];
  for (const v of snapshot.conflicts) {
    const e = isEditOf(v, o.id) ? toEditView(v) : null;
    if (e !== null) problems.push(e);
  }
  for (const v of snapshot.failed) {
    if (!isEditOf(v, o.id) || v.intent.kind !== "editField") continue;
    if (latestEditAt.get(v.intent.field) !== v.intent.hlc) continue;
    const e = toEditView(v);
    if (e !== null) problems.push(e);
  }
  return {
    row: toPipelineRow(o, snapshot.org),
    mirror: o.mirror as unknown as Record<string, unknown>,
    keyContacts,
    otherContacts,
    lastInteraction:
      last === null
        ? null
        : {
            at: last.at,
            label: last.subject ?? (last.kind === "meeting" || last.kind === "Event" ? "Meeting" : "Activity"),
            source: sourceOf(last),
            contactName: last.contactId === null ? null : (names.get(last.contactId) ?? null),
          },
    nextMeeting: o.nextMeeting,
    activities,
    openTasks,
    salesforceUrl: recordUrl(snapshot.org, o.id),
    pending,
    problems,
    fields: opportunityFieldSpecs(snapshot.org, o.record),
    recordType: recordTypeName(snapshot.org, "Opportunity", recordTypeIdOf(o.record)),
    fieldNotes: snapshot.org.fieldNotes,
  };
}

/** The card shows the opportunity's name as its link, so the title need not repeat it. */
export function withoutName(title: string, name: string): string {
  if (name === "") return title;
  let t = title;
  if (t.startsWith(`${name}: `)) t = t.slice(name.length + 2);
  else if (t.startsWith(`${name} has `)) t = t.slice(name.length + 5);
  t = t.replace(` of ${name}`, "").replace(` for ${name}`, "");
  return t.charAt(0).toUpperCase() + t.slice(1);
}

/** Recommendation cards with the opportunity's name for linking. */
export function recommendationCards(cards: readonly Recommendation[], snapshot: BookSnapshot): RecommendationCard[] {
  const names = new Map(snapshot.opportunities.map((o) => [o.id, o.record.Name]));
  return cards.map((c) => {
    const opportunityName = names.get(c.opportunityId) ?? "";
    return {
      id: c.id,
      kind: c.kind,
      severity: c.severity,
      opportunityId: c.opportunityId,
      opportunityName,
      title: withoutName(c.title, opportunityName),
      nextMeeting: c.nextMeeting,
    };
  });
}

/** Intents not final yet (the status bar's "pending"). */
export function pendingCount(snapshot: BookSnapshot): number {
  return snapshot.sync.queued + snapshot.sync.sending;
}

/** Failed intents and unresolved conflicts (the status bar's "needs attention"). */
export function problemCount(snapshot: BookSnapshot): number {
  return snapshot.sync.failed + snapshot.sync.conflicts;
}
