// Worker thread of `rebuild.ts`: builds a document from a room's stored log and answers with
// its state re-encoded in pieces. Plain JavaScript so that it loads in every runtime the server
// runs in (tsx, vitest, compiled), whatever transform the parent uses.
import { parentPort } from "node:worker_threads";
import * as Y from "yjs";
import { encodeStateAsPieces } from "./snapshot-pieces.mjs";

parentPort?.once("message", (/** @type {{ updates: Uint8Array[], pieceBytes: number }} */ m) => {
  const doc = new Y.Doc({ gc: true });
  doc.transact(() => {
    for (const u of m.updates) {
      try {
        Y.applyUpdate(doc, u);
      } catch {
        // The live document skipped it too when the room loaded (see RoomRegistry.load).
      }
    }
  });
  const pieces = encodeStateAsPieces(doc, m.pieceBytes);
  doc.destroy();
  parentPort?.postMessage(
    { pieces },
    pieces.map((p) => p.buffer),
  );
});
