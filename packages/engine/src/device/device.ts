/**
 * The device API: the only way a device changes a book. Each call validates its input against
 * what the device sees now and writes exactly one intent (or, for `recordInteraction`, one
 * interaction) in one transaction whose origin is the device id.
 *
 * Invariants: a rejected call writes nothing; intents are never rewritten once written; time,
 * ids and randomness come from the {@link DeviceContext}, never from globals; HLC timestamps a
 * device issues are strictly increasing and later than every intent it has seen
 * (`intent-stamps.ts`). Each call below is one function: validate in order, then write;
 * `editFields` validates every edit before it writes any (a form is all or nothing).
 */
import type * as Y from "yjs";
import { readOrgInfo } from "../doc/book-decode.js";
import { effectiveFieldValue, receiptStatus } from "../doc/intent-state.js";
import { type BookMaps, bookMaps, SALESFORCE_ORIGIN } from "../doc/layout.js";
import { checkBookVersion } from "../doc/version.js";
import { checkFieldValue, defaultActivitySubject, isCalendarDate, isEditableField } from "../model/fields.js";
import { readSalesforceId, type SalesforceId } from "../model/salesforce-id.js";
import type {
  ActivityKind,
  CancelIntent,
  ContactTier,
  EditableSObject,
  EditFieldIntent,
  Intent,
  Interaction,
  LogActivityIntent,
  ResolveConflictIntent,
  SetContactTierIntent,
} from "../model/schemas.js";
import { DEFAULT_CLOCK_SKEW_MS } from "../reconcile/intent-validation.js";
import { DeviceInputError, type DeviceInputErrorCode, type DeviceResult } from "./errors.js";
import { createIntentStamps, type IntentStamps } from "./intent-stamps.js";

/** What a device passes in: who it is, and its clock and randomness. */
export interface DeviceContext {
  /** A stable id of this device (not `"salesforce"`). */
  readonly deviceId: string;
  /** The device's clock. */
  readonly now: () => Date;
  /** At least 10 random bytes, or one number in [0, 1) per call. */
  readonly random: () => Uint8Array | number;
  /**
   * How far ahead of `now` a logged activity's `occurredAt` may lie (clocks differ a little);
   * defaults to the worker's own allowance, `DEFAULT_CLOCK_SKEW_MS` (5 minutes).
   */
  readonly clockSkewMs?: number | undefined;
}

/** Input of {@link Device.logActivity}. */
export interface LogActivityInput {
  /** The opportunity it was about (the Task's `WhatId`), or `null`. */
  readonly opportunityId: string | null;
  /** The contact it was with (the Task's `WhoId`). */
  readonly contactId: string;
  /** A call, an email, a meeting or a note. */
  readonly type: ActivityKind;
  /** The Task's subject; defaults to one made from the kind and the contact ("Call with Ada Lovelace"). */
  readonly subject?: string | undefined;
  /** The user's note: the Task's `Description`. */
  readonly description?: string | undefined;
  /** For a call, how long it lasted (the Task's `CallDurationInSeconds`). */
  readonly durationSeconds?: number | undefined;
  /** When it happened; defaults to now. Not later than now plus the clock skew: what has not happened cannot be logged. */
  readonly occurredAt?: Date | string | undefined;
}

/** Input of {@link Device.editField}. */
export interface EditFieldInput {
  /** The edited record's object. */
  readonly sobject: EditableSObject;
  /** The edited record's Salesforce id. */
  readonly recordId: string;
  /** The field's API name. */
  readonly field: string;
  /** The new value. */
  readonly value: unknown;
}

/** One rejected edit of {@link Device.editFields}: its position in the input, its field, and why. */
export interface EditFieldsError {
  /** The edit's position in the input. */
  readonly index: number;
  /** The record field the edit was of (e.g. `"Probability"`). */
  readonly field: string;
  /** Why the edit was rejected. */
  readonly error: DeviceInputError;
}

/** The result of {@link Device.editFields}: every intent written, or every edit's error and nothing written. */
export type EditFieldsResult =
  | { readonly ok: true; readonly value: readonly EditFieldIntent[] }
  | { readonly ok: false; readonly errors: readonly EditFieldsError[] };

/** Input of {@link Device.recordInteraction}. */
export interface RecordInteractionInput {
  /** The other party's address, matched to contacts' `Email` (case-insensitive, trimmed). */
  readonly email: string;
  /** An email or a calendar event. */
  readonly kind: "email" | "meeting";
  /** When it happened. */
  readonly at: Date | string;
  /** Where it was seen, e.g. `"gmail"`, `"calendar"`, `"device"`. */
  readonly source: string;
  /** Its subject, when it has one. */
  readonly subject?: string | undefined;
}

/** The device API over one book document. */
export interface Device {
  /** Logs a call, email, meeting or note: one completed Task once synced. */
  logActivity(input: LogActivityInput): DeviceResult<LogActivityIntent>;
  /** Edits a synced field; `base` is the value the device shows now (pending edits included). */
  editField(input: EditFieldInput): DeviceResult<EditFieldIntent>;
  /**
   * Edits several fields as one form: validates every edit first and, only when all are valid,
   * writes them in one transaction; otherwise writes nothing and returns every edit's error.
   *
   * @remarks Each edit is still its own intent (it syncs, and can conflict, on its own). One
   * field may appear once per call. An empty list writes nothing and succeeds.
   * @example
   * ```ts
   * const r = device.editFields([
   *   { sobject: "Opportunity", recordId, field: "Amount", value: 5000 },
   *   { sobject: "Opportunity", recordId, field: "Probability", value: 40 },
   * ]);
   * if (!r.ok) for (const e of r.errors) show(e.field, e.error.message);
   * ```
   */
  editFields(inputs: readonly EditFieldInput[]): EditFieldsResult;
  /** Promotes (`key`), demotes (`other`) or returns to the rule (`auto`) a contact for one opportunity. */
  setContactTier(input: {
    readonly opportunityId: string;
    readonly contactId: string;
    readonly tier: ContactTier;
  }): DeviceResult<SetContactTierIntent>;
  /** Resolves a conflicted edit: keep Salesforce's value, or re-apply mine over it (a new edit). */
  resolveConflict(intentId: string, choice: "theirs" | "mine"): DeviceResult<ResolveConflictIntent | EditFieldIntent>;
  /** Withdraws an intent that nothing has sent yet. */
  cancel(intentId: string): DeviceResult<CancelIntent>;
  /** Records that the user exchanged an email or a meeting with an address. */
  recordInteraction(input: RecordInteractionInput): DeviceResult<Interaction>;
  /** The id this device stamps on what it writes (an intent's `device`). */
  readonly deviceId: string;
  /** Stops observing the document. */
  dispose(): void;
}

const fail = <T>(code: DeviceInputErrorCode, message: string, field?: string): DeviceResult<T> => ({
  ok: false,
  error: new DeviceInputError({ code, message, field }),
});

function readId(input: string, field: string): SalesforceId | DeviceInputError {
  try {
    return readSalesforceId(input);
  } catch {
    return new DeviceInputError({ code: "invalid-value", message: `${field} is not a Salesforce id`, field });
  }
}

function toIso(value: Date | string, field: string): string | DeviceInputError {
  const d = typeof value === "string" ? new Date(value) : value;
  if (Number.isNaN(d.getTime())) {
    return new DeviceInputError({ code: "invalid-value", message: `${field} is not a date and time`, field });
  }
  return d.toISOString();
}

/** What every device call works with. */
interface DeviceWriter {
  readonly doc: Y.Doc;
  readonly maps: BookMaps;
  readonly context: DeviceContext;
  readonly stamps: IntentStamps;
}

function writeIntent<I extends Intent>(w: DeviceWriter, intent: I): DeviceResult<I> {
  w.doc.transact(() => w.maps.intents.set(intent.id, intent), w.context.deviceId);
  return { ok: true, value: intent };
}

/** A book written by a newer protocol version takes no writes. */
function versionError(doc: Y.Doc): DeviceInputError | undefined {
  const e = checkBookVersion(doc);
  return e === undefined ? undefined : new DeviceInputError({ code: "book-too-new", message: e.message });
}

/** The opportunity a logged activity is on: `null`, or one in the book. */
function readActivityOpportunity(w: DeviceWriter, input: LogActivityInput): SalesforceId | null | DeviceInputError {
  if (input.opportunityId === null) return null;
  const id = readId(input.opportunityId, "opportunityId");
  if (id instanceof DeviceInputError) return id;
  if (!w.maps.opportunities.has(id)) {
    return new DeviceInputError({
      code: "unknown-record",
      message: "this opportunity is not in your book",
      field: "opportunityId",
    });
  }
  return id;
}

/** What is wrong with a logged activity's type, duration, description or subject, if anything. */
function checkActivityFields(input: LogActivityInput): DeviceResult<never> | undefined {
  if (!["call", "email", "meeting", "note"].includes(input.type)) {
    return fail("invalid-value", "type must be call, email, meeting or note", "type");
  }
  if (input.durationSeconds !== undefined) {
    if (input.type !== "call") return fail("invalid-value", "only calls have a duration", "durationSeconds");
    if (!Number.isInteger(input.durationSeconds) || input.durationSeconds < 0) {
      return fail("invalid-value", "durationSeconds must be a whole number of seconds", "durationSeconds");
    }
  }
  if (input.description !== undefined && input.description.length > 32000) {
    return fail("invalid-value", "description must be at most 32000 characters", "description");
  }
  if (input.subject !== undefined && (input.subject.trim() === "" || input.subject.length > 255)) {
    return fail("invalid-value", "subject must be 1 to 255 characters", "subject");
  }
  return undefined;
}

function logActivity(w: DeviceWriter, input: LogActivityInput): DeviceResult<LogActivityIntent> {
  const v = versionError(w.doc);
  if (v) return { ok: false, error: v };
  const contactId = readId(input.contactId, "contactId");
  if (contactId instanceof DeviceInputError) return { ok: false, error: contactId };
  const contact = w.maps.contacts.get(contactId);
  if (contact === undefined) return fail("unknown-record", "this contact is not in your book", "contactId");
  const opportunityId = readActivityOpportunity(w, input);
  if (opportunityId instanceof DeviceInputError) return { ok: false, error: opportunityId };
  const problem = checkActivityFields(input);
  if (problem !== undefined) return problem;
  const now = w.context.now();
  const occurredAt = toIso(input.occurredAt ?? now, "occurredAt");
  if (occurredAt instanceof DeviceInputError) return { ok: false, error: occurredAt };
  // The worker refuses it too (intent-validation.ts); refusing here tells the user at once.
  if (Date.parse(occurredAt) > now.getTime() + (w.context.clockSkewMs ?? DEFAULT_CLOCK_SKEW_MS)) {
    return fail("invalid-value", "occurredAt is in the future: log an activity once it has happened", "occurredAt");
  }
  const activity: LogActivityIntent["activity"] = {
    type: input.type,
    subject: input.subject ?? defaultActivitySubject(input.type, contact.Name),
    occurredAt,
    ...(input.description !== undefined ? { description: input.description } : {}),
    ...(input.durationSeconds !== undefined ? { durationSeconds: input.durationSeconds } : {}),
  };
  return writeIntent<LogActivityIntent>(w, {
    ...w.stamps.next(),
    kind: "logActivity",
    opportunityId,
    contactId,
    activity,
  });
}

/** The checked parts of one edit, ready to be stamped and written. */
type CheckedEdit = Omit<EditFieldIntent, "id" | "at" | "hlc" | "device">;

/** Validates one edit against what the device sees now; writes nothing. */
function checkEdit(w: DeviceWriter, input: EditFieldInput): CheckedEdit | DeviceInputError {
  const bad = (code: DeviceInputErrorCode, message: string, field: string) =>
    new DeviceInputError({ code, message, field });
  if (input.sobject !== "Opportunity" && input.sobject !== "Contact") {
    return bad("unknown-field", "only Opportunity and Contact fields can be edited", "sobject");
  }
  const recordId = readId(input.recordId, "recordId");
  if (recordId instanceof DeviceInputError) return recordId;
  const record = input.sobject === "Opportunity" ? w.maps.opportunities.get(recordId) : w.maps.contacts.get(recordId);
  if (record === undefined) return bad("unknown-record", `this ${input.sobject} is not in your book`, "recordId");
  // What the user's describe says (read-only by field-level security, configured extra fields).
  const catalog = readOrgInfo(w.maps.meta.get("org"))?.fields;
  if (!isEditableField(input.sobject, input.field, catalog)) {
    return bad("unknown-field", `${input.field} is not a field you can edit on this ${input.sobject}`, "field");
  }
  const problem = checkFieldValue(input.sobject, input.field, input.value, catalog);
  if (problem !== null) return bad("invalid-value", `${input.field} ${problem}`, "value");
  const base = effectiveFieldValue(w.maps, input.sobject, recordId, input.field);
  return { kind: "editField", sobject: input.sobject, recordId, field: input.field, value: input.value, base };
}

function editField(w: DeviceWriter, input: EditFieldInput): DeviceResult<EditFieldIntent> {
  const v = versionError(w.doc);
  if (v) return { ok: false, error: v };
  const checked = checkEdit(w, input);
  if (checked instanceof DeviceInputError) return { ok: false, error: checked };
  return writeIntent<EditFieldIntent>(w, { ...w.stamps.next(), ...checked });
}

function editFields(w: DeviceWriter, inputs: readonly EditFieldInput[]): EditFieldsResult {
  const v = versionError(w.doc);
  if (v) return { ok: false, errors: inputs.map((input, index) => ({ index, field: input.field, error: v })) };
  const errors: EditFieldsError[] = [];
  const checked: CheckedEdit[] = [];
  const seen = new Set<string>();
  inputs.forEach((input, index) => {
    const key = `${input.sobject}\u0000${input.recordId}\u0000${input.field}`;
    const result = seen.has(key)
      ? new DeviceInputError({ code: "invalid-value", message: `${input.field} is edited twice`, field: "field" })
      : checkEdit(w, input);
    seen.add(key);
    if (result instanceof DeviceInputError) errors.push({ index, field: input.field, error: result });
    else checked.push(result);
  });
  if (errors.length > 0) return { ok: false, errors };
  // Bases were all read before anything is written, and the fields are distinct, so each
  // edit's base is the value the form showed.
  const intents = checked.map((c): EditFieldIntent => ({ ...w.stamps.next(), ...c }));
  if (intents.length > 0) {
    w.doc.transact(() => {
      for (const intent of intents) w.maps.intents.set(intent.id, intent);
    }, w.context.deviceId);
  }
  return { ok: true, value: intents };
}

function setContactTier(
  w: DeviceWriter,
  input: Parameters<Device["setContactTier"]>[0],
): DeviceResult<SetContactTierIntent> {
  const v = versionError(w.doc);
  if (v) return { ok: false, error: v };
  const opportunityId = readId(input.opportunityId, "opportunityId");
  if (opportunityId instanceof DeviceInputError) return { ok: false, error: opportunityId };
  const contactId = readId(input.contactId, "contactId");
  if (contactId instanceof DeviceInputError) return { ok: false, error: contactId };
  if (!w.maps.opportunities.has(opportunityId)) {
    return fail("unknown-record", "this opportunity is not in your book", "opportunityId");
  }
  if (!w.maps.contacts.has(contactId)) return fail("unknown-record", "this contact is not in your book", "contactId");
  if (!["key", "other", "auto"].includes(input.tier)) {
    return fail("invalid-value", "tier must be key, other or auto", "tier");
  }
  return writeIntent<SetContactTierIntent>(w, {
    ...w.stamps.next(),
    kind: "setContactTier",
    opportunityId,
    contactId,
    tier: input.tier,
  });
}

function resolveConflict(
  w: DeviceWriter,
  intentId: string,
  choice: "theirs" | "mine",
): DeviceResult<ResolveConflictIntent | EditFieldIntent> {
  const v = versionError(w.doc);
  if (v) return { ok: false, error: v };
  const target = w.maps.intents.get(intentId);
  if (target === undefined) return fail("unknown-intent", "no such intent", "intentId");
  const receipt = w.maps.receipts.get(intentId);
  if (target.kind !== "editField" || receipt?.status !== "conflict" || receipt.conflict === undefined) {
    return fail("not-in-conflict", "this intent is not in conflict", "intentId");
  }
  if (choice === "theirs") {
    return writeIntent<ResolveConflictIntent>(w, {
      ...w.stamps.next(),
      kind: "resolveConflict",
      intentId,
      choice: "theirs",
    });
  }
  if (choice !== "mine") return fail("invalid-value", "choice must be theirs or mine", "choice");
  const record =
    target.sobject === "Opportunity" ? w.maps.opportunities.get(target.recordId) : w.maps.contacts.get(target.recordId);
  if (record === undefined) return fail("unknown-record", `this ${target.sobject} is not in your book`, "intentId");
  // Re-applying mine is a new edit over Salesforce's value, so it can conflict again.
  return writeIntent<EditFieldIntent>(w, {
    ...w.stamps.next(),
    kind: "editField",
    sobject: target.sobject,
    recordId: target.recordId,
    field: target.field,
    value: receipt.conflict.mine,
    base: receipt.conflict.theirs,
  });
}

function cancel(w: DeviceWriter, intentId: string): DeviceResult<CancelIntent> {
  const v = versionError(w.doc);
  if (v) return { ok: false, error: v };
  const target = w.maps.intents.get(intentId);
  if (target === undefined) return fail("unknown-intent", "no such intent", "intentId");
  if (target.kind === "cancel" || target.kind === "resolveConflict") {
    return fail("not-cancellable", `a ${target.kind} cannot be cancelled`, "intentId");
  }
  if (receiptStatus(w.maps.receipts, intentId) !== "pending") {
    return fail("not-cancellable", "this intent was already sent or finished", "intentId");
  }
  for (const other of w.maps.intents.values()) {
    if (other.kind === "cancel" && other.intentId === intentId) {
      return fail("not-cancellable", "this intent is already being cancelled", "intentId");
    }
  }
  return writeIntent<CancelIntent>(w, { ...w.stamps.next(), kind: "cancel", intentId });
}

function recordInteraction(w: DeviceWriter, input: RecordInteractionInput): DeviceResult<Interaction> {
  const email = typeof input.email === "string" ? input.email.trim() : "";
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) return fail("invalid-value", "email must be an email address", "email");
  if (input.kind !== "email" && input.kind !== "meeting") {
    return fail("invalid-value", "kind must be email or meeting", "kind");
  }
  if (typeof input.source !== "string" || input.source.trim() === "") {
    return fail("invalid-value", "source is required", "source");
  }
  const at = toIso(input.at, "at");
  if (at instanceof DeviceInputError) return { ok: false, error: at };
  if (typeof input.at === "string" && /^\d{4}-\d{2}-\d{2}$/.test(input.at) && !isCalendarDate(input.at)) {
    return fail("invalid-value", "at is not a date", "at");
  }
  const interaction: Interaction = {
    id: w.stamps.newId(w.context.now()),
    email,
    kind: input.kind,
    at,
    source: input.source,
    ...(input.subject !== undefined ? { subject: input.subject } : {}),
  };
  w.doc.transact(() => w.maps.interactions.set(interaction.id, interaction), w.context.deviceId);
  return { ok: true, value: interaction };
}

/**
 * Creates the device API over `doc`.
 *
 * @example
 * ```ts
 * const device = createDevice(doc, { deviceId: "phone-1", now: () => new Date(), random: () => crypto.getRandomValues(new Uint8Array(10)) });
 * const r = device.logActivity({ opportunityId, contactId, type: "call", description: "Discussed pricing" });
 * if (!r.ok) alert(r.error.message);
 * ```
 */
export function createDevice(doc: Y.Doc, context: DeviceContext): Device {
  if (context.deviceId === SALESFORCE_ORIGIN || context.deviceId === "") {
    throw new RangeError(`device id ${JSON.stringify(context.deviceId)} is reserved`);
  }
  const maps = bookMaps(doc);
  const w: DeviceWriter = { doc, maps, context, stamps: createIntentStamps(maps, context) };
  return {
    logActivity: (input) => logActivity(w, input),
    editField: (input) => editField(w, input),
    editFields: (inputs) => editFields(w, inputs),
    setContactTier: (input) => setContactTier(w, input),
    resolveConflict: (intentId, choice) => resolveConflict(w, intentId, choice),
    cancel: (intentId) => cancel(w, intentId),
    recordInteraction: (input) => recordInteraction(w, input),
    deviceId: context.deviceId,
    dispose: () => w.stamps.dispose(),
  };
}
