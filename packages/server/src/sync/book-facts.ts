/**
 * What the book worker reads off a cycle: the intents still open and the record ids the book
 * holds. (Failures are classified by the engine's worker loop.)
 *
 * Invariants: pure functions of their input; nothing here logs or does IO.
 */
import { bookMaps, isFinalStatus, readReceiptEntry } from "@tandem/engine";
import type * as Y from "yjs";

/**
 * The user's port could not be built (no stored grant, the token refresh failed): the engine's
 * {@link SalesforceSignInError}, under the name the server has used; the worker loop classifies
 * it (`revoked` stops the worker).
 */
export { SalesforceSignInError as WorkerPortError } from "@tandem/engine";

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
