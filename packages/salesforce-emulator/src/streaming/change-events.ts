/**
 * Change Data Capture events as Salesforce sends them over CometD (reference §5.3): the
 * `ChangeEventHeader`, the body fields, and how one transaction's record changes become events.
 *
 * Rules kept (Salesforce's "Change Event Body Fields" and "ChangeEventHeader Fields"):
 * - CREATE and UNDELETE carry every non-null field; UPDATE carries the changed fields (a field set
 *   to null is sent as null) and lists them in `changedFields`, which includes LastModifiedDate;
 *   DELETE carries none. `changedFields` is empty for every type but UPDATE.
 * - `Id` is never a body field (it is in `recordIds`); nor are IsDeleted, SystemModstamp or
 *   calculated fields, which Salesforce leaves out of change events.
 * - The same change (same type, same values) to several records of one object in one
 *   transaction is one event whose `recordIds` lists them all; creates are never merged.
 * - Events of one transaction share `transactionKey`, `commitNumber`, `commitTimestamp` and
 *   `commitUser`, and are numbered 1, 2, … by `sequenceNumber` in the order of their first change.
 */
import { createHash } from "node:crypto";
import type { ObjectDef } from "../schema/schema-types.js";
import type { SfRecord, SfValue } from "../store/org-store.js";

/** A change type of a record change. */
export type RecordChangeType = "CREATE" | "UPDATE" | "DELETE" | "UNDELETE";
/** A gap event's change type: ids without field data. */
export type GapChangeType = "GAP_CREATE" | "GAP_UPDATE" | "GAP_DELETE" | "GAP_UNDELETE";
/** Every `changeType` a change event can carry. */
export type ChangeType = RecordChangeType | GapChangeType | "GAP_OVERFLOW";

/** The header every change event carries. */
export interface ChangeEventHeader {
  readonly entityName: string;
  readonly recordIds: readonly string[];
  readonly changeType: ChangeType;
  /** `com/salesforce/api/rest/60.0[;client=X]` for REST API changes; empty otherwise. */
  readonly changeOrigin: string;
  readonly transactionKey: string;
  readonly sequenceNumber: number;
  /** Commit time, ms since the epoch, on the org's clock. */
  readonly commitTimestamp: number;
  readonly commitUser: string;
  readonly commitNumber: number;
  /** Always empty here: over CometD a nulled field is sent as a null body value. */
  readonly nulledFields: readonly string[];
  readonly diffFields: readonly string[];
  readonly changedFields: readonly string[];
}

/** The `payload` of an event: the header and the body fields. */
export interface ChangeEventPayload {
  readonly ChangeEventHeader: ChangeEventHeader;
  readonly [field: string]: SfValue | ChangeEventHeader;
}

/** The `data` of a CometD change event message. */
export interface ChangeEventData {
  readonly schema: string;
  readonly payload: ChangeEventPayload;
  readonly event: { readonly replayId: number };
}

/** One record's net change in a transaction. */
export interface RecordChange {
  readonly object: string;
  readonly id: string;
  readonly changeType: RecordChangeType;
  /** The body fields. */
  readonly fields: Readonly<Record<string, SfValue>>;
  readonly changedFields: readonly string[];
}

/** What the events of one transaction share. */
export interface TransactionInfo {
  readonly transactionKey: string;
  readonly commitTimestamp: number;
  readonly commitUser: string;
  readonly commitNumber: number;
  readonly changeOrigin: string;
}

const NEVER_IN_BODY: ReadonlySet<string> = new Set(["Id", "IsDeleted", "SystemModstamp"]);

/** The body fields of `def` a change event may carry. */
function bodyFields(def: ObjectDef): string[] {
  return def.fields.filter((f) => !NEVER_IN_BODY.has(f.name) && !f.calculated).map((f) => f.name);
}

/**
 * The net change of one record between its state before a transaction and after it, or
 * `undefined` when there is none (unchanged, rolled back, created and deleted, or purged).
 */
export function diffRecord(
  def: ObjectDef,
  before: SfRecord | undefined,
  after: SfRecord | undefined,
): RecordChange | undefined {
  if (!after) return undefined;
  const id = String(after.Id);
  const wasLive = before !== undefined && before.IsDeleted !== true;
  const isLive = after.IsDeleted !== true;
  const names = bodyFields(def);
  const nonNull = (): Record<string, SfValue> =>
    Object.fromEntries(names.filter((n) => (after[n] ?? null) !== null).map((n) => [n, after[n] ?? null]));
  if (!wasLive && isLive) {
    const changeType = before === undefined ? "CREATE" : "UNDELETE";
    return { object: def.name, id, changeType, fields: nonNull(), changedFields: [] };
  }
  if (wasLive && !isLive) return { object: def.name, id, changeType: "DELETE", fields: {}, changedFields: [] };
  if (!wasLive || !before) return undefined;
  const changed = names.filter((n) => (before[n] ?? null) !== (after[n] ?? null));
  if (changed.length === 0) return undefined;
  const fields = Object.fromEntries(changed.map((n) => [n, after[n] ?? null]));
  return { object: def.name, id, changeType: "UPDATE", fields, changedFields: changed };
}

/** A stable schema id per object, shaped like Salesforce's (22 base64url characters). */
export function schemaIdOf(object: string): string {
  return createHash("sha256").update(`${object}ChangeEvent`).digest("base64url").slice(0, 22);
}

/** The events (without replay ids) of one transaction's record changes. */
export function buildEvents(changes: readonly RecordChange[], tx: TransactionInfo): Omit<ChangeEventData, "event">[] {
  const groups: { change: RecordChange; ids: string[] }[] = [];
  const byKey = new Map<string, { change: RecordChange; ids: string[] }>();
  for (const change of changes) {
    const key =
      change.changeType === "CREATE"
        ? undefined
        : JSON.stringify([change.object, change.changeType, change.changedFields, change.fields]);
    const group = key === undefined ? undefined : byKey.get(key);
    if (group) {
      group.ids.push(change.id);
      continue;
    }
    const created = { change, ids: [change.id] };
    groups.push(created);
    if (key !== undefined) byKey.set(key, created);
  }
  return groups.map(({ change, ids }, i) => ({
    schema: schemaIdOf(change.object),
    payload: {
      ChangeEventHeader: header(change.object, ids, change.changeType, change.changedFields, tx, i + 1),
      ...change.fields,
    },
  }));
}

/** A gap or overflow event's data (without a replay id): ids, no field data. */
export function gapEvent(
  object: string,
  recordIds: readonly string[],
  changeType: GapChangeType | "GAP_OVERFLOW",
  tx: TransactionInfo,
): Omit<ChangeEventData, "event"> {
  return {
    schema: schemaIdOf(object),
    payload: { ChangeEventHeader: header(object, recordIds, changeType, [], tx, 1) },
  };
}

function header(
  entityName: string,
  recordIds: readonly string[],
  changeType: ChangeType,
  changedFields: readonly string[],
  tx: TransactionInfo,
  sequenceNumber: number,
): ChangeEventHeader {
  return {
    entityName,
    recordIds: [...recordIds],
    changeType,
    changeOrigin: tx.changeOrigin,
    transactionKey: tx.transactionKey,
    sequenceNumber,
    commitTimestamp: tx.commitTimestamp,
    commitUser: tx.commitUser,
    commitNumber: tx.commitNumber,
    nulledFields: [],
    diffFields: [],
    changedFields: [...changedFields],
  };
}
