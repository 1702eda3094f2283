/**
 * Opening a book document: the schema-version check every reader makes, and the forward
 * migration the worker runs (DESIGN §4 rule 7).
 *
 * Invariants: a doc whose `meta.schemaVersion` is greater than {@link SCHEMA_VERSION} is never
 * written to; a migration runs in exactly one transaction with the worker's origin, so other
 * replicas see the old or the new layout, never a mix.
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
import { type BookMapName, type BookMaps, bookMaps, SALESFORCE_ORIGIN, SCHEMA_VERSION } from "./layout.js";

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
  | { readonly ok: true; readonly version: number; readonly migratedFrom: number | null }
  | { readonly ok: false; readonly error: OpenBookError };

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
  if (version > SCHEMA_VERSION) {
    return new BookVersionTooNewError({
      found: version,
      supported: SCHEMA_VERSION,
      message: `this book was written by a newer Tandem (document protocol v${version}); this engine understands up to v${SCHEMA_VERSION}. Update the app to open it.`,
    });
  }
  return undefined;
}

/** One forward migration step, from version `index` to `index + 1`, run inside the migration transaction. */
type Migration = (maps: BookMaps) => void;

/**
 * Forward migrations. v0 (no `schemaVersion`, written before the protocol was versioned)
 * already used the v1 maps; it lacked the version and the sync status.
 */
const MIGRATIONS: ReadonlyArray<Migration> = [
  (maps) => {
    if (maps.meta.get("sync") === undefined) {
      maps.meta.set("sync", { state: "idle", lastSuccessAt: null, lastError: null, apiUsage: { used: 0, max: 0 } });
    }
    if (maps.meta.get("watermarks") === undefined) maps.meta.set("watermarks", {});
  },
];

/** Options of {@link openBook}. */
export interface OpenBookOptions {
  readonly orgId?: string | undefined;
  readonly userId?: string | undefined;
}

/**
 * Opens a doc as its worker: refuses a newer doc, migrates an older one forward in one
 * transaction (origin `salesforce`), and records the org and user.
 *
 * @remarks Writes nothing when the doc is already current and `orgId`/`userId` match.
 * @example
 * ```ts
 * const opened = openBook(doc, { orgId, userId });
 * if (!opened.ok) throw opened.error;
 * ```
 */
export function openBook(doc: Y.Doc, options: OpenBookOptions = {}): OpenBookResult {
  const error = checkBookVersion(doc);
  if (error !== undefined) return { ok: false, error };
  const maps = bookMaps(doc);
  const from = readSchemaVersion(doc) as number;
  const needsIdentity =
    (options.orgId !== undefined && maps.meta.get("orgId") !== options.orgId) ||
    (options.userId !== undefined && maps.meta.get("userId") !== options.userId);
  if (from === SCHEMA_VERSION && !needsIdentity) return { ok: true, version: SCHEMA_VERSION, migratedFrom: null };
  doc.transact(() => {
    for (let v = from; v < SCHEMA_VERSION; v++) MIGRATIONS[v]?.(maps);
    if (from !== SCHEMA_VERSION) maps.meta.set("schemaVersion", SCHEMA_VERSION);
    if (options.orgId !== undefined && maps.meta.get("orgId") !== options.orgId) maps.meta.set("orgId", options.orgId);
    if (options.userId !== undefined && maps.meta.get("userId") !== options.userId) {
      maps.meta.set("userId", options.userId);
    }
  }, SALESFORCE_ORIGIN);
  return { ok: true, version: SCHEMA_VERSION, migratedFrom: from === SCHEMA_VERSION ? null : from };
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
