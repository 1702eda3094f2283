// A document's state encoded as several updates ("pieces") of about `pieceBytes` each, which
// rebuild it when applied in order: a large book's snapshot stored this way loads, and reaches
// a new device, one piece at a time, so no single `Y.applyUpdate` blocks the event loop for
// the whole book (about 2.8 s for 300,000 records in one update, about 0.2 s per 2 MiB piece).
// Plain JavaScript, like the worker that uses it (see rebuild-worker.mjs).
//
// Each piece holds, per client, a run of consecutive structs. Pieces follow causal order: a
// struct is written only after every struct it refers to (its left and right origins and its
// parent item), so applying the pieces in order leaves nothing pending between pieces. The
// delete set goes whole into the last piece; until then a deleted item that kept its content
// shows as present, which nobody sees: a room is served only once fully loaded. With one piece
// the output is byte-for-byte `Y.encodeStateAsUpdate(doc)`.
//
// A document with text formatting is encoded as one piece: after a remote transaction Yjs
// deletes formatting that looks redundant (`cleanupYTextFormatting`), and between pieces a
// format item can be without the text it applies to, so the rebuilt text would lose it.
// Books (maps of records) have none.
import * as encoding from "lib0/encoding";
import * as Y from "yjs";

/**
 * @param {Y.Doc} doc
 * @param {number} pieceBytes A piece is closed once its structs reach this many bytes.
 * @returns {Uint8Array[]} At least one piece; the last carries the delete set.
 */
export function encodeStateAsPieces(doc, pieceBytes) {
  const store = doc.store;
  // Updates Yjs holds back for missing dependencies are merged in by its own encoder.
  if (store.pendingStructs !== null || store.pendingDs !== null) return [Y.encodeStateAsUpdate(doc)];
  /** @type {Map<number, Array<Y.Item | Y.GC>>} */
  const clients = store.clients;
  /** Index of each client's next struct to write. @type {Map<number, number>} */
  const next = new Map();
  /** This piece's structs per client. @type {Map<number, { clock: number, count: number, enc: Y.UpdateEncoderV1 }>} */
  let open = new Map();
  let openBytes = 0;
  /** @type {Uint8Array[]} */
  const pieces = [];
  let total = 0;
  for (const structs of clients.values()) total += structs.length;
  // Each step writes a struct or descends to a dependency; a valid document needs fewer.
  let budget = 4 * total + 16;

  /** @param {boolean} last */
  const closePiece = (last) => {
    const out = new Y.UpdateEncoderV1();
    const runs = [...open.entries()].sort((a, b) => b[0] - a[0]);
    encoding.writeVarUint(out.restEncoder, runs.length);
    for (const [client, run] of runs) {
      encoding.writeVarUint(out.restEncoder, run.count);
      out.writeClient(client);
      encoding.writeVarUint(out.restEncoder, run.clock);
      encoding.writeUint8Array(out.restEncoder, encoding.toUint8Array(run.enc.restEncoder));
    }
    if (last) writeDeleteSet(out, Y.createDeleteSetFromStructStore(store));
    else encoding.writeVarUint(out.restEncoder, 0);
    pieces.push(out.toUint8Array());
    open = new Map();
    openBytes = 0;
  };

  /** Whether the struct holding `id` is written (or not in the store at all). @param {Y.ID | null} id */
  const written = (id) => {
    if (id === null) return true;
    const structs = clients.get(id.client);
    if (structs === undefined) return true;
    const i = next.get(id.client) ?? 0;
    return i >= structs.length || id.clock < /** @type {Y.Item | Y.GC} */ (structs[i]).id.clock;
  };

  /** A dependency of `s` on another client's struct not written yet. @param {Y.Item | Y.GC} s */
  const unmet = (s) => {
    if (!(s instanceof Y.Item)) return null;
    const own = s.id.client;
    /** @type {Array<Y.ID | null>} */
    const deps = [s.origin, s.rightOrigin, /** @type {Y.AbstractType<unknown>} */ (s.parent)?._item?.id ?? null];
    for (const d of deps) if (d !== null && d.client !== own && !written(d)) return d;
    return null;
  };

  /**
   * Writes `client`'s structs up to `clock` (exclusive), each after its dependencies; false when
   * the document cannot be split (formatting, or a dependency walk longer than a valid one).
   * @param {number} client @param {number} clock
   */
  const writeUpTo = (client, clock) => {
    /** @type {Array<[number, number]>} */
    const stack = [[client, clock]];
    while (stack.length > 0) {
      if (--budget < 0) return false;
      const [c, upTo] = /** @type {[number, number]} */ (stack[stack.length - 1]);
      const structs = /** @type {Array<Y.Item | Y.GC>} */ (clients.get(c));
      const i = next.get(c) ?? 0;
      const s = structs[i];
      if (s === undefined || s.id.clock >= upTo) {
        stack.pop();
        continue;
      }
      if (s instanceof Y.Item && s.content instanceof Y.ContentFormat) return false;
      const dep = unmet(s);
      if (dep !== null) {
        stack.push([dep.client, dep.clock + 1]);
        continue;
      }
      let run = open.get(c);
      if (run === undefined) {
        run = { clock: s.id.clock, count: 0, enc: new Y.UpdateEncoderV1() };
        open.set(c, run);
      }
      const before = encoding.length(run.enc.restEncoder);
      s.write(run.enc, 0);
      run.count++;
      openBytes += encoding.length(run.enc.restEncoder) - before;
      next.set(c, i + 1);
      if (openBytes >= pieceBytes) closePiece(false);
    }
    return true;
  };

  // Higher client ids first, as Yjs writes them.
  for (const client of [...clients.keys()].sort((a, b) => b - a)) {
    if (!writeUpTo(client, Number.POSITIVE_INFINITY)) return [Y.encodeStateAsUpdate(doc)];
  }
  closePiece(true);
  return pieces;
}

/**
 * Yjs's own delete-set encoding (format v1), which it does not export.
 * @param {Y.UpdateEncoderV1} encoder
 * @param {{ clients: Map<number, Array<{ clock: number, len: number }>> }} ds
 */
function writeDeleteSet(encoder, ds) {
  encoding.writeVarUint(encoder.restEncoder, ds.clients.size);
  for (const [client, items] of [...ds.clients.entries()].sort((a, b) => b[0] - a[0])) {
    encoder.resetDsCurVal();
    encoding.writeVarUint(encoder.restEncoder, client);
    encoding.writeVarUint(encoder.restEncoder, items.length);
    for (const item of items) {
      encoder.writeDsClock(item.clock);
      encoder.writeDsLen(item.len);
    }
  }
}
