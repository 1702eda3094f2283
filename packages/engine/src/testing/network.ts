/**
 * A simulated network of Y.Doc replicas for convergence tests: updates queue per link and are
 * delivered in any order, duplicated, or held while a replica is disconnected; reconnecting
 * exchanges state vectors like y-websocket's sync step 1/2.
 *
 * Invariant: `settle()` connects everyone and delivers everything, after which every replica
 * has received every update.
 */
import * as Y from "yjs";

/** One queued update on a link. */
interface Message {
  readonly to: number;
  readonly update: Uint8Array;
}

/** A network of replicas. */
export interface DocNetwork {
  readonly docs: ReadonlyArray<Y.Doc>;
  /** Messages in flight. */
  readonly inFlight: number;
  /** Delivers the message at `index` (mod the queue length); keeps it queued when `duplicate`. */
  deliver(index: number, duplicate?: boolean): void;
  disconnect(replica: number): void;
  /** Reconnects a replica: it and every connected peer exchange what the other lacks. */
  reconnect(replica: number): void;
  /** Connects everyone and delivers everything. */
  settle(): void;
  dispose(): void;
}

/** Creates `count` replicas (replica 0 may be given) linked to one another. */
export function createDocNetwork(count: number, first?: Y.Doc): DocNetwork {
  const docs = Array.from({ length: count }, (_, i) => (i === 0 && first ? first : new Y.Doc()));
  const connected = docs.map(() => true);
  const queue: Message[] = [];
  const REMOTE = Symbol("remote");
  const handlers = docs.map((doc, from) => {
    const h = (update: Uint8Array, origin: unknown) => {
      if (origin === REMOTE) return;
      for (let to = 0; to < docs.length; to++) if (to !== from) queue.push({ to, update });
    };
    doc.on("update", h);
    return h;
  });
  const exchange = (a: number, b: number) => {
    const da = docs[a];
    const db = docs[b];
    if (!da || !db) return;
    Y.applyUpdate(db, Y.encodeStateAsUpdate(da, Y.encodeStateVector(db)), REMOTE);
    Y.applyUpdate(da, Y.encodeStateAsUpdate(db, Y.encodeStateVector(da)), REMOTE);
  };
  return {
    docs,
    get inFlight() {
      return queue.length;
    },
    deliver(index, duplicate = false) {
      if (queue.length === 0) return;
      const i = ((index % queue.length) + queue.length) % queue.length;
      const m = queue[i];
      if (m === undefined || !connected[m.to]) return;
      if (!duplicate) queue.splice(i, 1);
      const doc = docs[m.to];
      if (doc) Y.applyUpdate(doc, m.update, REMOTE);
    },
    disconnect(replica) {
      connected[replica] = false;
    },
    reconnect(replica) {
      connected[replica] = true;
      for (let other = 0; other < docs.length; other++)
        if (other !== replica && connected[other]) exchange(replica, other);
    },
    settle() {
      for (let i = 0; i < docs.length; i++) connected[i] = true;
      while (queue.length > 0) {
        const m = queue.shift();
        const doc = m === undefined ? undefined : docs[m.to];
        if (m && doc) Y.applyUpdate(doc, m.update, REMOTE);
      }
      for (let a = 0; a < docs.length; a++) for (let b = a + 1; b < docs.length; b++) exchange(a, b);
    },
    dispose() {
      docs.forEach((doc, i) => {
        const h = handlers[i];
        if (h) doc.off("update", h);
      });
    },
  };
}
