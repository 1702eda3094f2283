/**
 * Structural validation of untrusted Yjs v1 updates and state vectors, before Yjs sees them.
 *
 * Walks the exact layout Yjs 13 decodes (client struct groups, item headers, the nine content
 * kinds, the delete set) with a {@link WireReader}, so every count is bounded by the bytes
 * that remain and every read is in range. An update that passes cannot make `Y.applyUpdate`
 * read past its end or loop on a forged count (yjs #687); one that fails is rejected whole,
 * before it touches a room's document or the store.
 */
import { WireError, WireReader } from "./wire-reader.js";

const BITS5 = 0x1f;
const BIT6 = 0x20;
const BIT7 = 0x40;
const BIT8 = 0x80;

/** Throws {@link WireError} unless `update` is a well-formed Yjs v1 update. */
export function validateUpdateV1(update: Uint8Array): void {
  const r = new WireReader(update);
  const groups = r.readCount(3);
  for (let g = 0; g < groups; g++) {
    const structs = r.readCount(1);
    r.readVarUint(); // client
    r.readVarUint(); // first clock
    for (let s = 0; s < structs; s++) readStruct(r);
  }
  readDeleteSet(r);
}

/** Throws {@link WireError} unless `sv` is a well-formed encoded state vector. */
export function validateStateVector(sv: Uint8Array): void {
  const r = new WireReader(sv);
  const n = r.readCount(2);
  for (let i = 0; i < n; i++) {
    r.readVarUint();
    r.readVarUint();
  }
}

function readStruct(r: WireReader): void {
  const info = r.readUint8();
  const ref = info & BITS5;
  if (ref === 0 || ref === 10) {
    r.readVarUint(); // GC or Skip length
    return;
  }
  if (ref > 9) throw new WireError("unknown-content-ref");
  if ((info & BIT8) !== 0) readId(r); // origin
  if ((info & BIT7) !== 0) readId(r); // right origin
  const cantCopyParentInfo = (info & (BIT7 | BIT8)) === 0;
  if (cantCopyParentInfo) {
    if (r.readVarUint() === 1)
      r.readVarBytes(); // parent y-key
    else readId(r); // parent id
    if ((info & BIT6) !== 0) r.readVarBytes(); // parentSub
  }
  readContent(r, ref);
}

function readId(r: WireReader): void {
  r.readVarUint();
  r.readVarUint();
}

function readContent(r: WireReader, ref: number): void {
  switch (ref) {
    case 1: // deleted
      r.readVarUint();
      return;
    case 2: {
      // JSON: len strings, each must parse (Yjs JSON.parses them)
      const n = r.readCount(1);
      for (let i = 0; i < n; i++) {
        const s = r.readVarString();
        if (s !== "undefined") parseJson(s);
      }
      return;
    }
    case 3: // binary
    case 4: // string
      r.readVarBytes();
      return;
    case 5: // embed (JSON)
      parseJson(r.readVarString());
      return;
    case 6: // format: key + JSON
      r.readVarBytes();
      parseJson(r.readVarString());
      return;
    case 7: {
      const typeRef = r.readVarUint();
      if (typeRef > 6) throw new WireError("unknown-type-ref");
      if (typeRef === 3 || typeRef === 5) r.readVarBytes(); // XmlElement / XmlHook name
      return;
    }
    case 8: {
      const n = r.readCount(1);
      for (let i = 0; i < n; i++) r.skipAny();
      return;
    }
    case 9: // subdocument: guid + options
      r.readVarBytes();
      r.skipAny();
      return;
    default:
      throw new WireError("unknown-content-ref");
  }
}

function readDeleteSet(r: WireReader): void {
  const clients = r.readCount(2);
  for (let c = 0; c < clients; c++) {
    r.readVarUint();
    const ranges = r.readCount(2);
    for (let i = 0; i < ranges; i++) {
      r.readVarUint();
      r.readVarUint();
    }
  }
}

function parseJson(s: string): void {
  try {
    JSON.parse(s);
  } catch {
    throw new WireError("bad-json");
  }
}
