/**
 * Change Data Capture messages as the adapter hands them on: the `ChangeEventHeader` fields a
 * subscriber acts on, the replay id, and the body fields (never written into a book by Tandem).
 *
 * Invariant: `readChangeEvent` never throws; a message without a usable header answers `null`.
 */

/** One change event, normalised from the Streaming API message. */
export interface ChangeEvent {
  readonly replayId: number;
  readonly entityName: string;
  /** CREATE, UPDATE, DELETE, UNDELETE, or GAP_CREATE … GAP_OVERFLOW. */
  readonly changeType: string;
  readonly recordIds: ReadonlyArray<string>;
  readonly changedFields: ReadonlyArray<string>;
  /** Commit time, ms since epoch. */
  readonly commitTimestamp: number;
  /** Body fields of the event (without the header). */
  readonly fields: Readonly<Record<string, unknown>>;
}

const strings = (value: unknown): ReadonlyArray<string> =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];

/**
 * Reads a CometD message's `data` as a {@link ChangeEvent}, or `null` when it is not one.
 *
 * @example
 * ```ts
 * const event = readChangeEvent(message); // { replayId, entityName, changeType, recordIds, … }
 * ```
 */
export function readChangeEvent(data: unknown): ChangeEvent | null {
  if (typeof data !== "object" || data === null) return null;
  const d = data as { payload?: unknown; event?: unknown };
  const replayId = (d.event as { replayId?: unknown } | undefined)?.replayId;
  if (typeof replayId !== "number" || typeof d.payload !== "object" || d.payload === null) return null;
  const { ChangeEventHeader: header, ...fields } = d.payload as Record<string, unknown>;
  if (typeof header !== "object" || header === null) return null;
  const h = header as Record<string, unknown>;
  if (typeof h.entityName !== "string" || typeof h.changeType !== "string") return null;
  return {
    replayId,
    entityName: h.entityName,
    changeType: h.changeType,
    recordIds: strings(h.recordIds),
    changedFields: strings(h.changedFields),
    commitTimestamp: typeof h.commitTimestamp === "number" ? h.commitTimestamp : 0,
    fields,
  };
}
