/**
 * The view snapshot: a compact, versioned copy of what the pipeline's first screen shows (its
 * rows and the recommendation cards above them), saved beside the book so a cold start can
 * paint before the Y.Doc and the engine load. This file is its format and codec.
 *
 * Invariants: pure and engine-free at run time (only `import type`), so the entry chunk can
 * read a snapshot without loading Yjs or the engine; {@link readViewSnapshot} trusts nothing it
 * is given: a record of another format version, another user or book, or any field of the
 * wrong shape makes it return `null` (the caller then waits for the doc), never a partial view.
 */
import type { RecommendationKind } from "@tandem/engine";
import type { PipelineRow } from "../view-model/view-model.js";

/** The format version; a snapshot of any other version is ignored. Bump on any change of shape. */
export const VIEW_SNAPSHOT_VERSION = 1;

/** The one-tap fixes a card offers (as `recommendation-text.ts` names them). */
export type SnapshotFix = "move-close-date" | "log-call";

/** A recommendation card as painted: already worded, so painting needs no engine. */
export interface SnapshotCard {
  readonly id: string;
  readonly kind: RecommendationKind;
  readonly severity: string;
  readonly opportunityId: string;
  readonly opportunityName: string;
  /** The card's title as shown. */
  readonly title: string;
  /** The kind's one-line hint. */
  readonly hint: string;
  /** "Next meeting …" as shown, `null` when none. */
  readonly nextMeeting: string | null;
  /** The fixes shown (disabled until the doc has loaded), with their button text. */
  readonly fixes: readonly { readonly fix: SnapshotFix; readonly label: string }[];
}

/** What the first screen shows, for one user's book. */
export interface ViewSnapshot {
  readonly version: typeof VIEW_SNAPSHOT_VERSION;
  /** The book's room (`Me.room`). */
  readonly room: string;
  readonly userId: string;
  /** When the doc's view it copies was current (ISO 8601). */
  readonly savedAt: string;
  /** Every pipeline row, in the engine's order. */
  readonly rows: readonly PipelineRow[];
  /** The cards shown before "Show all", and how many there are in all. */
  readonly cards: { readonly top: readonly SnapshotCard[]; readonly total: number };
}

/** Whose snapshot a caller wants: anything else is ignored. */
export interface SnapshotOwner {
  readonly room: string;
  readonly userId: string;
}

const KINDS: ReadonlySet<string> = new Set<RecommendationKind>([
  "no-recent-interaction",
  "close-date-passed",
  "close-date-soon",
  "no-key-contact",
  "new-key-contact",
]);
const FIXES: ReadonlySet<string> = new Set<SnapshotFix>(["move-close-date", "log-call"]);

type Shape = Record<string, unknown>;
const isObject = (v: unknown): v is Shape => typeof v === "object" && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === "string";
const isStringOrNull = (v: unknown): v is string | null => v === null || typeof v === "string";
const isNumberOrNull = (v: unknown): v is number | null => v === null || (typeof v === "number" && Number.isFinite(v));
const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);

function isRow(v: unknown): v is PipelineRow {
  if (!isObject(v)) return false;
  return (
    isString(v.id) &&
    isString(v.name) &&
    isStringOrNull(v.accountId) &&
    isString(v.accountName) &&
    isNumberOrNull(v.amount) &&
    isString(v.stage) &&
    isString(v.closeDate) &&
    isNumberOrNull(v.probability) &&
    isStringOrNull(v.forecastCategory) &&
    isStringOrNull(v.description) &&
    isStringArray(v.pendingFields) &&
    typeof v.closing === "boolean" &&
    isNumberOrNull(v.stageRank)
  );
}

function isCard(v: unknown): v is SnapshotCard {
  if (!isObject(v)) return false;
  return (
    isString(v.id) &&
    isString(v.kind) &&
    KINDS.has(v.kind) &&
    isString(v.severity) &&
    isString(v.opportunityId) &&
    isString(v.opportunityName) &&
    isString(v.title) &&
    isString(v.hint) &&
    isStringOrNull(v.nextMeeting) &&
    Array.isArray(v.fixes) &&
    v.fixes.every((f) => isObject(f) && isString(f.fix) && FIXES.has(f.fix) && isString(f.label))
  );
}

/**
 * Checks a stored value and returns it as a snapshot of `owner`'s book, or `null`.
 *
 * @remarks `null` for anything not exactly a snapshot of this format version for this room
 * and user: old formats, another user's book, a corrupted or hand-edited record. Never throws.
 * @example
 * ```ts
 * const snapshot = readViewSnapshot(JSON.parse(text), { room: me.room, userId: me.userId });
 * if (snapshot !== null) paint(snapshot.rows);
 * ```
 */
export function readViewSnapshot(value: unknown, owner: SnapshotOwner): ViewSnapshot | null {
  if (!isObject(value)) return null;
  if (value.version !== VIEW_SNAPSHOT_VERSION) return null;
  if (value.room !== owner.room || value.userId !== owner.userId) return null;
  if (!isString(value.savedAt) || Number.isNaN(Date.parse(value.savedAt))) return null;
  if (!Array.isArray(value.rows) || !value.rows.every(isRow)) return null;
  const cards = value.cards;
  if (!isObject(cards) || !Array.isArray(cards.top) || !cards.top.every(isCard)) return null;
  if (typeof cards.total !== "number" || !Number.isInteger(cards.total) || cards.total < cards.top.length) return null;
  return value as unknown as ViewSnapshot;
}

/**
 * Decodes a snapshot from its stored text (JSON), `null` when it is not valid JSON or not a
 * valid snapshot of `owner`'s book (see {@link readViewSnapshot}).
 *
 * @example
 * ```ts
 * decodeViewSnapshot(writeViewSnapshot(s), s) // → s
 * ```
 */
export function decodeViewSnapshot(text: unknown, owner: SnapshotOwner): ViewSnapshot | null {
  if (typeof text !== "string") return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // Not JSON: a corrupted record, ignored like any invalid one.
    return null;
  }
  return readViewSnapshot(value, owner);
}

/**
 * Encodes a snapshot as its stored text. One string is what IndexedDB reads fastest (one
 * value, no structured clone of thousands of objects) and JSON.parse is the fastest decoder.
 *
 * @example
 * ```ts
 * await store.put(writeViewSnapshot(snapshot));
 * ```
 */
export function writeViewSnapshot(snapshot: ViewSnapshot): string {
  return JSON.stringify(snapshot);
}
