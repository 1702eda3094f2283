/**
 * What the book worker reads off a cycle: its failures classified (a port error's tag, the
 * runner's typed error, a defect), the intents still open and the record ids the book holds.
 *
 * Invariants: pure functions of their input; nothing here logs or does IO.
 */
import {
  bookMaps,
  describeRunnerError,
  isFinalStatus,
  type RunnerError,
  readReceiptEntry,
  SYNC_ERROR_CODES,
} from "@tandem/engine";
import { Cause, Data, Option } from "effect";
import type * as Y from "yjs";

/**
 * The user's port could not be built (no stored grant, the token refresh failed). `code` is a
 * fixed identifier (`invalid_grant`, `no_refresh_token`, …), safe to log; `revoked` means the
 * grant is gone for good.
 */
export class WorkerPortError extends Data.TaggedError("WorkerPortError")<{
  readonly code: string;
  readonly revoked: boolean;
  readonly message: string;
}> {}

/** A failure, classified by its type. */
export interface Failure {
  /** A fixed identifier of the kind of failure (a port error's tag, or `code`), for metrics and hooks. */
  readonly tag: string;
  /** What `meta.sync.lastError.code` records. */
  readonly code: string;
  readonly message: string;
  readonly revoked: boolean;
  /** Whether `meta.sync` already records it (the runner records its own failures). */
  readonly recorded: boolean;
}

/** The ids of every record the book holds. */
export function recordIdsOf(doc: Y.Doc): Set<string> {
  const m = bookMaps(doc);
  const ids = new Set<string>();
  for (const map of [m.opportunities, m.accounts, m.contacts, m.contactRoles, m.activities]) {
    for (const id of map.keys()) ids.add(id);
  }
  return ids;
}

/** Intents without a final receipt. */
export function openIntents(doc: Y.Doc): number {
  const { intents, receipts } = bookMaps(doc);
  let open = 0;
  for (const id of intents.keys()) {
    const r = readReceiptEntry(id, receipts.get(id));
    if (r === null || !isFinalStatus(r.status)) open++;
  }
  return open;
}

/** A failed runner exit: its typed error, or a defect. */
export function fromCause(cause: Cause.Cause<RunnerError>): Failure {
  const error = Cause.findErrorOption(cause);
  if (Option.isNone(error)) {
    const code = SYNC_ERROR_CODES.internal;
    return { tag: code, code, message: "An unexpected error stopped the sync cycle.", revoked: false, recorded: false };
  }
  const e = error.value;
  const d = describeRunnerError(e);
  const tag = e._tag === "CycleFailed" ? e.error._tag : d.code;
  return { ...d, tag, revoked: tag === "Revoked", recorded: true };
}

/** A failure before the runner ran: the port could not be built, or the room not leased. */
export function fromThrown(error: unknown): Failure {
  if (error instanceof WorkerPortError) {
    return { tag: error.code, code: error.code, message: error.message, revoked: error.revoked, recorded: false };
  }
  const code = SYNC_ERROR_CODES.internal;
  return { tag: code, code, message: "The sync cycle could not start.", revoked: false, recorded: false };
}
