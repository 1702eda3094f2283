/**
 * Where view snapshots live: their own IndexedDB database (`tandem-view-snapshots`, one object
 * store keyed by the book's room), beside the books' y-indexeddb databases and never inside
 * them, so reading one opens no Y.Doc and loads no Yjs.
 *
 * Invariants: one record per book (room), holding the snapshot's text; a read checks it
 * against the expected owner and format ({@link decodeViewSnapshot}) and returns `null` for
 * anything else, including any IndexedDB failure (a missing snapshot only means the first
 * paint waits for the doc); writes and deletes report their failures to the caller.
 */
import { decodeViewSnapshot, type SnapshotOwner, type ViewSnapshot, writeViewSnapshot } from "./view-snapshot.js";

/** The IndexedDB database of view snapshots. */
export const SNAPSHOT_DATABASE = "tandem-view-snapshots";
const STORE = "snapshots";

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error("IndexedDB request failed"));
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(tx.error ?? new Error("IndexedDB transaction aborted"));
    tx.onerror = () => reject(tx.error ?? new Error("IndexedDB transaction failed"));
  });
}

function openVersion1(): Promise<IDBDatabase> {
  const open = indexedDB.open(SNAPSHOT_DATABASE, 1);
  open.onupgradeneeded = () => {
    if (!open.result.objectStoreNames.contains(STORE)) open.result.createObjectStore(STORE);
  };
  return request(open);
}

async function openSnapshots(): Promise<IDBDatabase> {
  const db = await openVersion1();
  if (db.objectStoreNames.contains(STORE)) return db;
  // A database of that name without the store (made by something else): snapshots are only a
  // cache, so it is recreated rather than trusted.
  db.close();
  await request(indexedDB.deleteDatabase(SNAPSHOT_DATABASE));
  return openVersion1();
}

async function withStore<T>(mode: IDBTransactionMode, fn: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await openSnapshots();
  try {
    const tx = db.transaction(STORE, mode);
    const result = request(fn(tx.objectStore(STORE)));
    await done(tx);
    return await result;
  } finally {
    db.close();
  }
}

/**
 * Reads the snapshot of `owner`'s book, `null` when there is none or it is not valid.
 *
 * @remarks Never rejects: a failing IndexedDB is the same as no snapshot (the app then paints
 * from the doc, as without snapshots).
 * @example
 * ```ts
 * const snapshot = await loadViewSnapshot({ room: me.room, userId: me.userId });
 * ```
 */
export async function loadViewSnapshot(owner: SnapshotOwner): Promise<ViewSnapshot | null> {
  try {
    const text = await withStore<unknown>("readonly", (store) => store.get(owner.room));
    return decodeViewSnapshot(text, owner);
  } catch {
    // No IndexedDB (private mode, quota): there simply is no snapshot to paint from.
    return null;
  }
}

/**
 * Saves (replaces) the snapshot of its book.
 *
 * @example
 * ```ts
 * await saveViewSnapshot(snapshotOfView(view.getSnapshot(), owner, new Date()));
 * ```
 */
export async function saveViewSnapshot(snapshot: ViewSnapshot): Promise<void> {
  await withStore("readwrite", (store) => store.put(writeViewSnapshot(snapshot), snapshot.room));
}

/**
 * Deletes the snapshot of one book (on sign-out, with the book), or of every book but `keep`
 * (after a sign-in: this device keeps only the signed-in user's book).
 *
 * @example
 * ```ts
 * await deleteViewSnapshots({ room: me.room });   // sign-out
 * await deleteViewSnapshots({ except: me.room }); // another user signed in
 * ```
 */
export async function deleteViewSnapshots(
  which: { readonly room: string } | { readonly except: string },
): Promise<void> {
  if ("room" in which) {
    await withStore("readwrite", (store) => store.delete(which.room));
    return;
  }
  const keys = await withStore("readonly", (store) => store.getAllKeys());
  for (const key of keys) {
    if (key !== which.except) await withStore("readwrite", (store) => store.delete(key));
  }
}
