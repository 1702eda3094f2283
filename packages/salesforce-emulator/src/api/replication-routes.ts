/**
 * getUpdated and getDeleted (`/sobjects/X/updated`, `/sobjects/X/deleted`):
 * the ids changed or deleted in a window of whole minutes, under the user's sharing.
 *
 * Invariants: the window's end is clamped to now; getUpdated refuses a start more than 30
 * days back; getDeleted forgets deletions older than 15 days before it answers.
 */
import { SalesforceApiError } from "../schema/errors.js";
import type { ObjectDef } from "../schema/schema-types.js";
import { createAccessChecker } from "../sharing/access.js";
import type { Org } from "../store/org.js";
import { DAY_MS, formatDateTime, parseDateTime } from "../util/time.js";
import { json } from "./api-response.js";
import type { ApiRequest, ApiResponse } from "./api-types.js";

function replicationWindow(org: Org, req: ApiRequest, maxDays: number, enforceStart: boolean) {
  const startText = req.query.get("start");
  const endText = req.query.get("end");
  if (!startText || !endText) {
    throw new SalesforceApiError(400, "MISSING_ARGUMENT", `${startText ? "end" : "start"} parameter is required`);
  }
  const startMs = parseDateTime(startText);
  const endMs = parseDateTime(endText);
  if (startMs === undefined || endMs === undefined) {
    throw new SalesforceApiError(
      400,
      "INVALID_REPLICATION_DATE",
      `Invalid date: ${startMs === undefined ? startText : endText}`,
    );
  }
  const minute = 60_000;
  const now = org.clock.nowMs();
  const start = Math.floor(startMs / minute) * minute;
  const end = Math.floor(Math.min(endMs, now) / minute) * minute;
  if (start >= Math.floor(endMs / minute) * minute) {
    throw new SalesforceApiError(400, "INVALID_REPLICATION_DATE", "startDate must chronologically precede endDate");
  }
  const earliest = Math.floor((now - maxDays * DAY_MS) / minute) * minute;
  if (enforceStart && start < earliest) {
    throw new SalesforceApiError(400, "INVALID_REPLICATION_DATE", `startDate cannot be more than ${maxDays} days ago`);
  }
  return { start, end: Math.max(start, end), earliest };
}

/** `GET /sobjects/X/updated?start=&end=`. */
export function getUpdated(org: Org, req: ApiRequest, def: ObjectDef): ApiResponse {
  const { start, end } = replicationWindow(org, req, 30, true);
  const lo = formatDateTime(start);
  const hi = formatDateTime(end);
  const access = createAccessChecker(org, req.userId);
  const ids: string[] = [];
  for (const rec of org.store.table(def.name).values()) {
    const stamp = String(rec.SystemModstamp);
    if (rec.IsDeleted === true || stamp < lo || stamp >= hi) continue;
    if (!access.canRead(def.name, rec)) continue;
    ids.push(String(rec.Id));
    if (ids.length > 600_000) throw new SalesforceApiError(400, "EXCEEDED_ID_LIMIT", "record limit reached");
  }
  return json(200, { ids, latestDateCovered: hi });
}

/** `GET /sobjects/X/deleted?start=&end=`. */
export function getDeleted(org: Org, req: ApiRequest, def: ObjectDef): ApiResponse {
  const { start, end, earliest } = replicationWindow(org, req, 15, false);
  org.store.purgeDeletedBefore(earliest);
  const access = createAccessChecker(org, req.userId);
  const deletedRecords: { id: string; deletedDate: string }[] = [];
  const table = org.store.table(def.name);
  for (const [id, at] of org.store.deletions()) {
    if (at < start || at >= end) continue;
    const rec = table.get(id);
    if (!rec || !access.canRead(def.name, rec)) continue;
    deletedRecords.push({ id, deletedDate: formatDateTime(at) });
  }
  deletedRecords.sort((a, b) => (a.deletedDate < b.deletedDate ? -1 : a.deletedDate > b.deletedDate ? 1 : 0));
  return json(200, {
    deletedRecords,
    earliestDateAvailable: formatDateTime(earliest),
    latestDateCovered: formatDateTime(end),
  });
}
