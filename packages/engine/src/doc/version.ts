/**
 * Opening a book document: the schema-version check every reader makes, and what the worker
 * does when it opens a book: the forward migration (docs/protocol.md §6) and the repair of what a
 * device damaged in the worker's maps (issue 18).
 *
 * Invariants: `openBook` never writes to a doc whose `meta.schemaVersion` is an integer greater
 * than {@link SCHEMA_VERSION}; a migration and a repair run in exactly one transaction with the
 * worker's origin, so other replicas see the old or the new layout, never a mix; a repair only
 * restores what the worker would have written (it never invents records: a damaged mirror
 * entry is removed and its object pulled again in full).
 */
import { Data, Schema } from "effect";
import type * as Y from "yjs";
import {
  AccountSchema,
  ActivitySchema,
  ContactRoleSchema,
  ContactSchema,
  IntentSchema,
  InteractionSchema,
  OpportunitySchema,
  ReceiptSchema,
} from "../model/schemas.js";
import { isMirrorEntry, readSyncStatus, readWatermarks } from "./book-decode.js";
import { jsonEqual } from "./json-equal.js";
import {
  type BookMapName,
  type BookMaps,
  bookMaps,
  MIRROR_MAP_NAMES,
  type MirrorMapName,
  SALESFORCE_ORIGIN,
  SCHEMA_VERSION,
} from "./layout.js";

/** The doc was written by a newer engine: refuse it rather than corrupt it. */
export class BookVersionTooNewError extends Data.TaggedError("BookVersionTooNewError")<{
  readonly found: number;
  readonly supported: number;
  readonly message: string;
}> {}

/** `meta.schemaVersion` holds something that is not a version number. */
export class InvalidBookError extends Data.TaggedError("InvalidBookError")<{ readonly message: string }> {}

/** Why a doc cannot be opened. */
export type OpenBookError = BookVersionTooNewError | InvalidBookError;

/** The outcome of {@link openBook}. */
export type OpenBookResult =
  | {
      readonly ok: true;
      readonly version: number;
      readonly migratedFrom: number | null;
      /** What was restored, e.g. `meta.schemaVersion`, `meta.watermarks`, `opportunities` (never a value). */
      readonly repaired: ReadonlyArray<string>;
    }
  | { readonly ok: false; readonly error: BookVersionTooNewError };

/** The schema version a doc declares; 0 for a doc written before versioning (or empty). */
export function readSchemaVersion(doc: Y.Doc): number | OpenBookError {
  const raw = bookMaps(doc).meta.get("schemaVersion");
  if (raw === undefined) return 0;
  if (typeof raw !== "number" || !Number.isInteger(raw) || raw < 0) {
    return new InvalidBookError({ message: `meta.schemaVersion is not a version number: ${JSON.stringify(raw)}` });
  }
  return raw;
}

/**
 * Checks that this engine can read `doc`; returns the error to show otherwise.
 *
 * @remarks Devices call this before reading or writing; an older doc is readable (the worker
 * migrates it), a newer one is refused with {@link BookVersionTooNewError}.
 */
export function checkBookVersion(doc: Y.Doc): OpenBookError | undefined {
  const version = readSchemaVersion(doc);
  if (typeof version !== "number") return version;
  return version > SCHEMA_VERSION ? tooNewError(version) : undefined;
}

function tooNewError(version: number): BookVersionTooNewError {
  return new BookVersionTooNewError({
    found: version,
    supported: SCHEMA_VERSION,
    message: `this book was written by a newer Tandem (document protocol v${version}); this engine understands up to v${SCHEMA_VERSION}. Update the app to open it.`,
  });
}

/** One forward migration step, from version `index` to `index + 1`, run inside the migration transaction. */
type Migration = (maps: BookMaps) => void;

/**
 * Forward migrations. v0 (no `schemaVersion`, written before the protocol was versioned)
 * already used the v1 maps; it lacked the version and the sync status.
 */
const MIGRATIONS: ReadonlyArray<Migration> = [
  (maps) => {
    if (maps.meta.get("sync") === undefined) maps.meta.set("sync", initialSyncStatus());
    if (maps.meta.get("watermarks") === undefined) maps.meta.set("watermarks", {});
  },
];

function initialSyncStatus() {
  return { state: "idle", lastSuccessAt: null, lastError: null, apiUsage: { used: 0, max: 0 } } as const;
}

/** The pulled objects whose watermark a damaged entry of each mirror map resets. */
const OBJECTS_OF: Readonly<Record<MirrorMapName, ReadonlyArray<string>>> = {
  opportunities: ["Opportunity"],
  accounts: ["Account"],
  contacts: ["Contact"],
  contactRoles: ["OpportunityContactRole"],
  activities: ["Task", "Event"],
};

/** True when some mirrored activity lacks `CreatedDate` (it was mirrored before the field was). */
function hasActivitiesWithoutTimes(maps: BookMaps): boolean {
  for (const value of (maps.activities as Y.Map<unknown>).values()) {
    if (typeof value === "object" && value !== null && !Object.hasOwn(value, "CreatedDate")) return true;
  }
  return false;
}

/** Options of {@link openBook}. */
export interface OpenBookOptions {
  readonly orgId?: string | undefined;
  readonly userId?: string | undefined;
  /** The time now: a watermark later than this (plus `clockSkewMs`) is damage, reset. */
  readonly now?: Date | undefined;
  /** Clock skew tolerated on watermarks (default 5 minutes). */
  readonly clockSkewMs?: number | undefined;
}

/**
 * Opens a doc as its worker: refuses a newer doc, migrates an older one forward and restores
 * what a device damaged, in one transaction (origin `salesforce`).
 *
 * @remarks
 * - `schemaVersion`: an integer above {@link SCHEMA_VERSION} refuses the doc
 *   ({@link BookVersionTooNewError}, nothing written); absent or lower migrates; anything else
 *   (not an integer, negative) is restored to {@link SCHEMA_VERSION};
 * - `orgId`/`userId` are rewritten to the book's (when given);
 * - malformed `watermarks` (or one in the future) are reset, which forces a full pull;
 * - a malformed `sync` is rewritten;
 * - a mirror entry that is not a record under its key is removed, and its object's watermark
 *   dropped so the next pull brings the record back if it is in scope.
 *
 * O(mirror) with a cheap check per record. Writes nothing when nothing needs it.
 * @example
 * ```ts
 * const opened = openBook(doc, { orgId, userId, now: new Date() });
 * if (!opened.ok) throw opened.error;
 * ```
 */
export function openBook(doc: Y.Doc, options: OpenBookOptions = {}): OpenBookResult {
  const maps = bookMaps(doc);
  const raw = maps.meta.get("schemaVersion");
  const version = typeof raw === "number" && Number.isInteger(raw) && raw >= 0 ? raw : null;
  if (version !== null && version > SCHEMA_VERSION) return { ok: false, error: tooNewError(version) };
  // A damaged version cannot say what the doc holds; the v0 migration only adds what is absent.
  const from = version ?? 0;
  const repaired: string[] = [];
  const repairs: Array<() => void> = [];
  const repair = (what: string, fix: () => void) => {
    repaired.push(what);
    repairs.push(fix);
  };
  const damagedVersion = raw !== undefined && version === null;
  // The transaction below writes the current version whenever it runs.
  if (damagedVersion) repair("meta.schemaVersion", () => {});
  // An older doc gets `sync` and `watermarks` from its migration; a current one lost them.
  const current = version === SCHEMA_VERSION;
  for (const key of ["orgId", "userId"] as const) {
    const want = options[key];
    if (want !== undefined && maps.meta.get(key) !== want) repairs.push(() => maps.meta.set(key, want));
  }

  const rawSync = maps.meta.get("sync");
  if ((rawSync !== undefined || current) && readSyncStatus(rawSync) === null) {
    repair("meta.sync", () => maps.meta.set("sync", initialSyncStatus()));
  }

  const damaged: Array<{ readonly map: MirrorMapName; readonly key: string }> = [];
  for (const name of MIRROR_MAP_NAMES) {
    for (const [key, value] of (maps[name] as Y.Map<unknown>).entries()) {
      if (!isMirrorEntry(name, key, value)) damaged.push({ map: name, key });
    }
  }
  for (const name of new Set(damaged.map((d) => d.map))) {
    repair(name, () => {
      for (const d of damaged) if (d.map === name) (maps[name] as Y.Map<unknown>).delete(d.key);
    });
  }

  const rawMarks = maps.meta.get("watermarks");
  const notAfter = options.now === undefined ? undefined : options.now.getTime() + (options.clockSkewMs ?? 300_000);
  const decodedMarks = readWatermarks(rawMarks, notAfter);
  const marks: Record<string, string> = { ...(decodedMarks ?? {}) };
  for (const d of damaged) for (const object of OBJECTS_OF[d.map]) delete marks[object];
  // Activities mirrored before their time fields (CreatedDate, CompletedDateTime, IsClosed)
  // were part of the record are pulled again once: an additive change (protocol §6).
  if (hasActivitiesWithoutTimes(maps)) {
    delete marks.Task;
    delete marks.Event;
  }
  if ((rawMarks !== undefined || current) && !jsonEqual(marks, rawMarks)) {
    if (decodedMarks === null || rawMarks === undefined) repaired.push("meta.watermarks");
    repairs.push(() => maps.meta.set("watermarks", marks));
  }

  if (from === SCHEMA_VERSION && repairs.length === 0) {
    return { ok: true, version: SCHEMA_VERSION, migratedFrom: null, repaired };
  }
  doc.transact(() => {
    for (let v = from; v < SCHEMA_VERSION; v++) MIGRATIONS[v]?.(maps);
    for (const fix of repairs) fix();
    if (maps.meta.get("schemaVersion") !== SCHEMA_VERSION) maps.meta.set("schemaVersion", SCHEMA_VERSION);
  }, SALESFORCE_ORIGIN);
  return {
    ok: true,
    version: SCHEMA_VERSION,
    migratedFrom: damagedVersion || from === SCHEMA_VERSION ? null : from,
    repaired,
  };
}

/** One value of a doc that does not match protocol v1. */
export interface BookIssue {
  readonly map: BookMapName;
  readonly key: string;
  readonly message: string;
}

const VALIDATORS = {
  opportunities: Schema.decodeUnknownExit(OpportunitySchema),
  accounts: Schema.decodeUnknownExit(AccountSchema),
  contacts: Schema.decodeUnknownExit(ContactSchema),
  contactRoles: Schema.decodeUnknownExit(ContactRoleSchema),
  activities: Schema.decodeUnknownExit(ActivitySchema),
  intents: Schema.decodeUnknownExit(IntentSchema),
  receipts: Schema.decodeUnknownExit(ReceiptSchema),
  interactions: Schema.decodeUnknownExit(InteractionSchema),
} as const;

/**
 * Checks every value of a doc against protocol v1 and lists what does not match.
 *
 * @remarks O(size of the doc); meant for importers, tests and diagnostics, not every cycle.
 * A record is also an issue when its key differs from its `Id` (or `id`/`intentId`).
 */
export function validateBook(doc: Y.Doc, limit = 100): ReadonlyArray<BookIssue> {
  const maps = bookMaps(doc);
  const issues: BookIssue[] = [];
  for (const name of Object.keys(VALIDATORS) as Array<keyof typeof VALIDATORS>) {
    const decode = VALIDATORS[name];
    for (const [key, value] of (maps[name] as Y.Map<unknown>).entries()) {
      if (issues.length >= limit) return issues;
      const exit = decode(value);
      if (exit._tag === "Failure") {
        issues.push({ map: name, key, message: String(exit.cause) });
        continue;
      }
      const v = value as { Id?: unknown; id?: unknown; intentId?: unknown };
      const own = v.Id ?? v.id ?? v.intentId;
      if (own !== key)
        issues.push({ map: name, key, message: `key differs from the value's id ${JSON.stringify(own)}` });
    }
  }
  const version = readSchemaVersion(doc);
  if (typeof version !== "number") issues.push({ map: "meta", key: "schemaVersion", message: version.message });
  return issues;
}
