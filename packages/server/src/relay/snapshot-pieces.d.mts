import type * as Y from "yjs";

/**
 * A document's state as updates of about `pieceBytes` each that rebuild it when applied in
 * order (see snapshot-pieces.mjs). With one piece it is `Y.encodeStateAsUpdate(doc)`.
 */
export function encodeStateAsPieces(doc: Y.Doc, pieceBytes: number): Uint8Array[];
