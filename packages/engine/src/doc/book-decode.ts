/**
 * Reading a book document as its worker, trusting nothing in it (issue 18): every intent is
 * decoded with its kind's schema plus the protocol's rules a schema cannot state (its key is
 * its id, ids have the right key prefix, bounded strings); receipts, `meta.watermarks`,
 * `meta.sync`, mirror records and interactions are checked before anything reads them.
 *
 * Invariants:
 * - nothing here throws, whatever the value (`null`, a number, an array, a deep object);
 * - a problem is described by the schema's field path and what was expected, never by the
 *   device's text: a key or field name that appears in a message is quoted and cut to 40
 *   characters;
 * - decoding a value depends on the value only, so a {@link BookDecodeCache} may remember it
 *   by object identity (Yjs hands out the same object for a value until it is replaced).
 */
import { Exit, Schema, type SchemaIssue } from "effect";
import { parseHlc } from "../model/hlc.js";
import {
  CancelIntentSchema,
  EditFieldIntentSchema,
  type Intent,
  type IntentKind,
  LogActivityIntentSchema,
  type OrgInfo,
  OrgInfoSchema,
  type Receipt,
  ReceiptSchema,
  ResolveConflictIntentSchema,
  type ScopeContinuation,
  ScopeContinuationSchema,
  SetContactTierIntentSchema,
  type SyncStatus,
  SyncStatusSchema,
  WatermarksSchema,
} from "../model/schemas.js";
import { isUuidv7 } from "../model/uuid.js";
import type { ScopeObject, Watermarks } from "../port/salesforce-port.js";
import type { MirrorMapName } from "./layout.js";

/** Longest text of a device string quoted in a message. */
const QUOTE_MAX = 40;
/** Task `Subject` holds 255 characters, `Description` 32,000 (protocol §7). */
const SUBJECT_MAX = 255;
const DESCRIPTION_MAX = 32_000;
/** A call longer than a day is not a call someone logged by hand. */
const CALL_SECONDS_MAX = 86_400;
const DEVICE_MAX = 128;
const HLC_MAX = 256;
const FIELD_NAME_MAX = 80;
const SCOPE_OBJECTS: ReadonlySet<string> = new Set<ScopeObject>([
  "Opportunity",
  "Account",
  "Contact",
  "OpportunityContactRole",
  "Task",
  "Event",
]);

/**
 * `text` as a short JSON string for a message: at most 40 characters of it.
 *
 * @example
 * ```ts
 * quoteShort("OwnerId"); // "\"OwnerId\""
 * ```
 */
export function quoteShort(text: string): string {
  return JSON.stringify(text.length > QUOTE_MAX ? `${text.slice(0, QUOTE_MAX)}…` : text);
}

/** The outcome of decoding one `intents` entry. */
export type IntentEntry =
  | { readonly ok: true; readonly intent: Intent }
  | {
      readonly ok: false;
      /** What is wrong, readable, e.g. "activity is missing". Never the device's text. */
      readonly problem: string;
    };

const DECODERS: Readonly<Record<IntentKind, (u: unknown) => Exit.Exit<Intent, Schema.SchemaError>>> = {
  logActivity: Schema.decodeUnknownExit(LogActivityIntentSchema),
  editField: Schema.decodeUnknownExit(EditFieldIntentSchema),
  setContactTier: Schema.decodeUnknownExit(SetContactTierIntentSchema),
  resolveConflict: Schema.decodeUnknownExit(ResolveConflictIntentSchema),
  cancel: Schema.decodeUnknownExit(CancelIntentSchema),
};
const decodeReceipt = Schema.decodeUnknownExit(ReceiptSchema);
const decodeSync = Schema.decodeUnknownExit(SyncStatusSchema);
const decodeWatermarks = Schema.decodeUnknownExit(WatermarksSchema);
const decodeOrgInfo = Schema.decodeUnknownExit(OrgInfoSchema);
const decodeContinuation = Schema.decodeUnknownExit(ScopeContinuationSchema);

const isObject = (v: unknown): v is Readonly<Record<string, unknown>> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** The path and kind of the first thing a schema refused, e.g. "activity.occurredAt is not valid". */
function describeIssue(issue: SchemaIssue.Issue, path: ReadonlyArray<PropertyKey> = []): string {
  const at = () =>
    path.length === 0
      ? "the value"
      : path.map((p) => (typeof p === "string" ? p.slice(0, QUOTE_MAX) : String(p))).join(".");
  switch (issue._tag) {
    case "Pointer":
      return describeIssue(issue.issue, [...path, ...issue.path]);
    case "Filter":
    case "Encoding":
      return issue.issue._tag === "Pointer" ? describeIssue(issue.issue, path) : `${at()} is not valid`;
    case "Composite": {
      const first = issue.issues[0];
      return describeIssue(first, path);
    }
    case "AnyOf": {
      const first = issue.issues[0];
      return first === undefined ? `${at()} has the wrong type` : describeIssue(first, path);
    }
    case "MissingKey":
      return `${at()} is missing`;
    case "InvalidType":
      return `${at()} has the wrong type`;
    default:
      return `${at()} is not valid`;
  }
}

const KIND_NAMES = Object.keys(DECODERS).join(", ");

function hasPrefix(id: string | null, prefix: string): boolean {
  return id === null || id.startsWith(prefix);
}

/** The kind-specific rules a schema does not state; `null` when the intent keeps them all. */
function intentRuleProblem(intent: Intent): string | null {
  switch (intent.kind) {
    case "logActivity": {
      if (!hasPrefix(intent.contactId, "003")) return "contactId is not a Contact id";
      if (!hasPrefix(intent.opportunityId, "006")) return "opportunityId is not an Opportunity id";
      const a = intent.activity;
      if (a.subject !== undefined && (a.subject.trim() === "" || a.subject.length > SUBJECT_MAX)) {
        return `activity.subject must be 1 to ${SUBJECT_MAX} characters`;
      }
      if (a.description !== undefined && a.description.length > DESCRIPTION_MAX) {
        return `activity.description must be at most ${DESCRIPTION_MAX} characters`;
      }
      if (a.durationSeconds !== undefined) {
        if (a.type !== "call") return "activity.durationSeconds is only for calls";
        if (!Number.isInteger(a.durationSeconds) || a.durationSeconds < 0 || a.durationSeconds > CALL_SECONDS_MAX) {
          return `activity.durationSeconds must be a whole number from 0 to ${CALL_SECONDS_MAX}`;
        }
      }
      return null;
    }
    case "editField": {
      const prefix = intent.sobject === "Opportunity" ? "006" : "003";
      if (!hasPrefix(intent.recordId, prefix)) return `recordId is not an ${intent.sobject} id`;
      if (intent.field.length === 0 || intent.field.length > FIELD_NAME_MAX) return "field is not a field name";
      const b = intent.base;
      const plain = b === null || typeof b === "boolean" || (typeof b === "number" && Number.isFinite(b));
      if (!plain && !(typeof b === "string" && b.length <= DESCRIPTION_MAX)) {
        return "base must be text, a number, a boolean or null";
      }
      return null;
    }
    case "setContactTier":
      if (!hasPrefix(intent.opportunityId, "006")) return "opportunityId is not an Opportunity id";
      return hasPrefix(intent.contactId, "003") ? null : "contactId is not a Contact id";
    case "resolveConflict":
    case "cancel":
      return isUuidv7(intent.intentId) ? null : "intentId is not a UUIDv7";
  }
}

/**
 * Decodes one `intents` value, without its key (so the result may be cached by value).
 *
 * @remarks Checks the kind's schema, a UUIDv7 `id`, a parseable bounded `hlc`, a `device` of
 * 1–128 characters other than the worker's origin, and the kind's own rules (Salesforce key
 * prefixes, Task field lengths, a call's duration, an edit's plain `base`).
 */
export function readIntentValue(raw: unknown): IntentEntry {
  if (raw === null) return { ok: false, problem: "the value is null" };
  if (!isObject(raw)) return { ok: false, problem: "the value is not an object" };
  const kind = raw.kind;
  if (typeof kind !== "string" || !Object.hasOwn(DECODERS, kind)) {
    return { ok: false, problem: `kind is missing or not one of ${KIND_NAMES}` };
  }
  const exit = DECODERS[kind as IntentKind](raw);
  if (Exit.isFailure(exit)) {
    const failure = exit.cause.reasons.find((r) => r._tag === "Fail");
    return { ok: false, problem: failure ? describeIssue(failure.error.issue) : "the value is not valid" };
  }
  const intent = exit.value;
  if (!isUuidv7(intent.id)) return { ok: false, problem: "id is not a UUIDv7" };
  if (intent.hlc.length > HLC_MAX || parseHlc(intent.hlc) === null) return { ok: false, problem: "hlc is not valid" };
  if (intent.device.length === 0 || intent.device.length > DEVICE_MAX || intent.device === "salesforce") {
    return { ok: false, problem: `device must be 1 to ${DEVICE_MAX} characters, and not the worker's` };
  }
  const problem = intentRuleProblem(intent);
  return problem === null ? { ok: true, intent } : { ok: false, problem };
}

/**
 * Decodes `intents[key]`: {@link readIntentValue}, and the value's `id` is its key.
 *
 * @example
 * ```ts
 * readIntentEntry(key, bookMaps(doc).intents.get(key)); // { ok: false, problem: "activity is missing" }
 * ```
 */
export function readIntentEntry(key: string, raw: unknown, cache?: BookDecodeCache): IntentEntry {
  const entry =
    cache !== undefined && isObject(raw) ? cached(cache.intents, raw, readIntentValue) : readIntentValue(raw);
  if (entry.ok && entry.intent.id !== key) return { ok: false, problem: "its key in intents is not its id" };
  return entry;
}

/** A receipt value decoded (without its key), or `null` when it is not one. */
export function readReceiptValue(raw: unknown): Receipt | null {
  if (!isObject(raw)) return null;
  const exit = decodeReceipt(raw);
  return Exit.isSuccess(exit) ? exit.value : null;
}

/** `receipts[key]` decoded, or `null` when it is absent, not a receipt, or another intent's. */
export function readReceiptEntry(key: string, raw: unknown, cache?: BookDecodeCache): Receipt | null {
  const r =
    cache !== undefined && isObject(raw) ? cached(cache.receipts, raw, readReceiptValue) : readReceiptValue(raw);
  return r !== null && r.intentId === key ? r : null;
}

/**
 * `meta.watermarks` decoded: `{}` when absent, `null` when malformed (not an object of
 * ISO datetimes, or one later than `notAfterMs`). Keys other than the pulled objects are dropped.
 */
export function readWatermarks(raw: unknown, notAfterMs = Number.POSITIVE_INFINITY): Watermarks | null {
  if (raw === undefined) return {};
  if (!isObject(raw)) return null;
  const exit = decodeWatermarks(raw);
  if (Exit.isFailure(exit)) return null;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(exit.value)) {
    if (!SCOPE_OBJECTS.has(k)) continue;
    const ms = Date.parse(v);
    if (Number.isNaN(ms) || ms > notAfterMs) return null;
    out[k] = v;
  }
  return out as Watermarks;
}

/** `meta.sync` decoded, or `null` when absent or malformed. */
export function readSyncStatus(raw: unknown): SyncStatus | null {
  if (!isObject(raw)) return null;
  const exit = decodeSync(raw);
  return Exit.isSuccess(exit) ? exit.value : null;
}

/** `meta.scopeContinuation` decoded, or `null` when absent, cleared or malformed. */
export function readScopeContinuation(raw: unknown): ScopeContinuation | null {
  if (!isObject(raw)) return null;
  const exit = decodeContinuation(raw);
  return Exit.isSuccess(exit) ? exit.value : null;
}

/** `meta.org` decoded, or `null` when absent or malformed. */
export function readOrgInfo(raw: unknown): OrgInfo | null {
  if (!isObject(raw)) return null;
  const exit = decodeOrgInfo(raw);
  return Exit.isSuccess(exit) ? exit.value : null;
}

const str = (v: unknown): boolean => typeof v === "string";
const strOrNull = (v: unknown): boolean => v === null || typeof v === "string";

const MIRROR_GUARDS: Readonly<Record<MirrorMapName, (v: Readonly<Record<string, unknown>>) => boolean>> = {
  opportunities: (v) => strOrNull(v.AccountId) && str(v.OwnerId) && typeof v.IsClosed === "boolean",
  accounts: () => true,
  contacts: (v) => strOrNull(v.AccountId) && strOrNull(v.Email) && str(v.Name),
  contactRoles: (v) => str(v.OpportunityId) && str(v.ContactId),
  activities: (v) => strOrNull(v.WhoId),
};

/**
 * True when `raw` can stand as `map[key]`: an object whose `Id` is the key and whose fields the
 * planner reads have their types.
 *
 * @remarks A cheap check, run on every read of the mirror: a full schema decode of every
 * record each cycle would cost as much as the cycle. Only the worker writes the mirror; this
 * keeps a value someone else wrote there from stopping the worker.
 */
export function isMirrorEntry(map: MirrorMapName, key: string, raw: unknown): boolean {
  return isObject(raw) && raw.Id === key && MIRROR_GUARDS[map](raw);
}

/** True when `raw` can stand as an `interactions` value for the Key-contact rule. */
export function isInteractionEntry(raw: unknown): boolean {
  return isObject(raw) && typeof raw.email === "string" && typeof raw.kind === "string";
}

/**
 * Decoded intents and receipts by value object, for one reader (e.g. one sync cycle).
 *
 * @remarks Safe because Yjs returns the same object for a value until it is replaced, and a
 * decode depends on the value only. Create one per cycle with {@link createBookDecodeCache}.
 */
export interface BookDecodeCache {
  readonly intents: WeakMap<object, IntentEntry>;
  readonly receipts: WeakMap<object, Receipt | null>;
}

/** A fresh, empty {@link BookDecodeCache}. */
export function createBookDecodeCache(): BookDecodeCache {
  return { intents: new WeakMap(), receipts: new WeakMap() };
}

function cached<V>(cache: WeakMap<object, V>, raw: object, read: (raw: unknown) => V): V {
  if (cache.has(raw)) return cache.get(raw) as V;
  const v = read(raw);
  cache.set(raw, v);
  return v;
}
