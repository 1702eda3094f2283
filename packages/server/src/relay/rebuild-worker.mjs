// Worker thread of `rebuild.ts`: builds a document from a room's stored log and answers with
// its re-encoded state. Plain JavaScript so that it loads in every runtime the server runs in
// (tsx, vitest, compiled), whatever transform the parent uses.
import { parentPort } from "node:worker_threads";
import * as Y from "yjs";

parentPort?.once("message", (/** @type {Uint8Array[]} */ updates) => {
  const doc = new Y.Doc({ gc: true });
  doc.transact(() => {
    for (const u of updates) {
      try {
        Y.applyUpdate(doc, u);
      } catch {
        // The live document skipped it too when the room loaded (see RoomRegistry.load).
      }
    }
  });
  const snapshot = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  parentPort?.postMessage({ snapshot }, [snapshot.buffer]);
});
