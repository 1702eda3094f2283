/**
 * Structural decoding of untrusted Yjs v1 updates and state vectors, before Yjs sees them.
 *
 * Walks the exact layout Yjs 13 decodes (client struct groups, item headers, the nine content
 * kinds, the delete set) with a {@link WireReader}, so every count is bounded by the bytes
 * that remain and every read is in range. An update that passes cannot make `Y.applyUpdate`
 * read past its end or loop on a forged count (yjs #687); one that fails is rejected whole,
 * before it touches a room's document or the store.
 *
 * Decoding also enforces the value limits ({@link UpdateLimits}: structs per update, nesting
 * depth, string and value sizes) and returns what the write check (`write-check.ts`) needs of
 * each struct: its id range, origins, parent, map key, content kind and, for a map value that
 * is an object, its `id` field. Nothing of the content is materialised beyond that.
 */
import { WireError, WireReader } from "./wire-reader.js";

const BITS5 = 0x1f;
const BIT6 = 0x20;
const BIT7 = 0x40;
const BIT8 = 0x80;

/** Content refs (the low five bits of a struct's info byte). */
export const ContentRef = {
  gc: 0,
  deleted: 1,
  json: 2,
  binary: 3,
  string: 4,
  embed: 5,
  format: 6,
  type: 7,
  any: 8,
  doc: 9,
  skip: 10,
} as const;

/** Bounds on what one update may hold (see docs/protocol.md, "Limits"). */
export interface UpdateLimits {
  /** Most structs (items, GC and skip runs) in one update. */
  readonly maxStructs: number;
  /** Deepest nesting of arrays and objects inside one value. */
  readonly maxValueDepth: number;
  /** Longest string, in UTF-8 bytes: a value's strings and keys, map keys, root names. */
  readonly maxStringBytes: number;
  /** Largest content of one item (one map value), in encoded bytes. */
  readonly maxValueBytes: number;
}

/** Default limits: far above any legitimate intent (a Task description is at most 32k characters). */
export const defaultUpdateLimits: UpdateLimits = {
  maxStructs: 50_000,
  maxValueDepth: 32,
  maxStringBytes: 256 * 1024,
  maxValueBytes: 512 * 1024,
};

/** What the write check needs of one struct. Ids are (client, clock); `-1` clocks mean none. */
export interface DecodedStruct {
  readonly client: number;
  readonly clock: number;
  readonly length: number;
  /** A {@link ContentRef}: `gc` and `skip` are runs, anything else an item. */
  readonly ref: number;
  readonly originClient: number;
  readonly originClock: number;
  readonly rightClient: number;
  readonly rightClock: number;
  /** The root type's name when the parent is written as one, else null. */
  readonly parentRoot: string | null;
  /** Whether the parent is written as the id of a nested type, and that id. */
  readonly parentIsId: boolean;
  readonly parentClient: number;
  readonly parentClock: number;
  /** The map key, when written (items whose parent is written, into a map). */
  readonly parentSub: string | null;
  /** For an `any` or `json` item of one value: whether it is an object, and its `id` when a string. */
  readonly valueIsObject: boolean;
  readonly valueId: string | undefined;
}

/** One range of the update's delete set. */
export interface DecodedDelete {
  readonly client: number;
  readonly clock: number;
  readonly length: number;
}

/** A decoded update: its structs in wire order (grouped by client) and its delete set. */
export interface DecodedUpdate {
  readonly structs: readonly DecodedStruct[];
  readonly deletes: readonly DecodedDelete[];
}

/** Thrown when an update is well-formed but over one of the {@link UpdateLimits}. */
export class UpdateLimitError extends WireError {}

/**
 * Decodes `update`; throws {@link WireError} unless it is a well-formed Yjs v1 update, and
 * {@link UpdateLimitError} when it is over a limit.
 * @example
 * const { structs, deletes } = decodeUpdateV1(bytes);
 */
export function decodeUpdateV1(update: Uint8Array, limits: UpdateLimits = defaultUpdateLimits): DecodedUpdate {
  const r = new WireReader(update);
  const structs: DecodedStruct[] = [];
  const groups = r.readCount(3);
  for (let g = 0; g < groups; g++) {
    const n = r.readCount(1);
    if (structs.length + n > limits.maxStructs) throw new UpdateLimitError("too-many-structs");
    const client = r.readVarUint();
    let clock = r.readVarUint();
    for (let s = 0; s < n; s++) {
      const st = readStruct(r, client, clock, limits);
      structs.push(st);
      clock += st.length;
      if (clock > Number.MAX_SAFE_INTEGER) throw new WireError("clock-out-of-range");
    }
  }
  return { structs, deletes: readDeleteSet(r) };
}

/** Throws {@link WireError} unless `update` is a well-formed Yjs v1 update within `limits`. */
export function validateUpdateV1(update: Uint8Array, limits: UpdateLimits = defaultUpdateLimits): void {
  decodeUpdateV1(update, limits);
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

type Mutable = { -readonly [K in keyof DecodedStruct]: DecodedStruct[K] };

function readStruct(r: WireReader, client: number, clock: number, limits: UpdateLimits): DecodedStruct {
  const info = r.readUint8();
  const ref = info & BITS5;
  const st: Mutable = {
    client,
    clock,
    length: 0,
    ref,
    originClient: 0,
    originClock: -1,
    rightClient: 0,
    rightClock: -1,
    parentRoot: null,
    parentIsId: false,
    parentClient: 0,
    parentClock: -1,
    parentSub: null,
    valueIsObject: false,
    valueId: undefined,
  };
  if (ref === ContentRef.gc || ref === ContentRef.skip) {
    st.length = r.readVarUint();
    if (st.length === 0) throw new WireError("empty-run");
    return st;
  }
  if (ref > ContentRef.doc) throw new WireError("unknown-content-ref");
  if ((info & BIT8) !== 0) {
    st.originClient = r.readVarUint();
    st.originClock = r.readVarUint();
  }
  if ((info & BIT7) !== 0) {
    st.rightClient = r.readVarUint();
    st.rightClock = r.readVarUint();
  }
  if ((info & (BIT7 | BIT8)) === 0) {
    if (r.readVarUint() === 1) st.parentRoot = readString(r, limits);
    else {
      st.parentIsId = true;
      st.parentClient = r.readVarUint();
      st.parentClock = r.readVarUint();
    }
    if ((info & BIT6) !== 0) st.parentSub = readString(r, limits);
  }
  const start = r.pos;
  st.length = readContent(r, ref, st, limits);
  if (r.pos - start > limits.maxValueBytes) throw new UpdateLimitError("value-too-large");
  return st;
}

/** Reads an item's content; returns its length in clock units, as Yjs counts it. */
function readContent(r: WireReader, ref: number, st: Mutable, limits: UpdateLimits): number {
  switch (ref) {
    case ContentRef.deleted: {
      const len = r.readVarUint();
      if (len === 0) throw new WireError("empty-run");
      return len;
    }
    case ContentRef.json: {
      // len strings, each must parse (Yjs JSON.parses them); nesting is bounded like `any`.
      const n = r.readCount(1);
      for (let i = 0; i < n; i++) {
        const s = readString(r, limits);
        if (s === "undefined") continue;
        const value = parseJson(s, limits);
        if (n === 1 && typeof value === "object" && value !== null && !Array.isArray(value)) {
          st.valueIsObject = true;
          const id = (value as { id?: unknown }).id;
          st.valueId = typeof id === "string" ? id : undefined;
        }
      }
      return n;
    }
    case ContentRef.binary:
      r.readVarBytes();
      return 1;
    case ContentRef.string: {
      // Yjs counts a string in UTF-16 code units.
      const n = readString(r, limits).length;
      if (n === 0) throw new WireError("empty-string");
      return n;
    }
    case ContentRef.embed:
      parseJson(readString(r, limits), limits);
      return 1;
    case ContentRef.format:
      readString(r, limits);
      parseJson(readString(r, limits), limits);
      return 1;
    case ContentRef.type: {
      const typeRef = r.readVarUint();
      if (typeRef > 6) throw new WireError("unknown-type-ref");
      if (typeRef === 3 || typeRef === 5) readString(r, limits); // XmlElement / XmlHook name
      return 1;
    }
    case ContentRef.any: {
      const n = r.readCount(1);
      if (n === 0) throw new WireError("empty-run");
      if (n === 1) readTopAny(r, st, limits);
      else for (let i = 0; i < n; i++) skipAny(r, 1, limits);
      return n;
    }
    case ContentRef.doc: // subdocument: guid + options
      readString(r, limits);
      skipAny(r, 1, limits);
      return 1;
    default:
      throw new WireError("unknown-content-ref");
  }
}

/** Reads the single value of an `any` item, noting whether it is an object and its string `id`. */
function readTopAny(r: WireReader, st: Mutable, limits: UpdateLimits): void {
  if (r.bytes[r.pos] !== ANY_OBJECT) {
    skipAny(r, 1, limits);
    return;
  }
  r.pos++;
  st.valueIsObject = true;
  const n = r.readCount(2);
  for (let i = 0; i < n; i++) {
    const key = readString(r, limits);
    if (key === "id" && r.bytes[r.pos] === ANY_STRING) {
      r.pos++;
      // A repeated key overrides, as in the object lib0 builds.
      st.valueId = readString(r, limits);
    } else {
      if (key === "id") st.valueId = undefined;
      skipAny(r, 2, limits);
    }
  }
}

const ANY_STRING = 119;
const ANY_OBJECT = 118;

/** Skips one lib0 `writeAny` value at nesting `depth` (1 for a top-level value). */
function skipAny(r: WireReader, depth: number, limits: UpdateLimits): void {
  if (depth > limits.maxValueDepth) throw new UpdateLimitError("value-too-deep");
  const tag = r.readUint8();
  switch (tag) {
    case 127: // undefined
    case 126: // null
    case 121: // false
    case 120: // true
      return;
    case 125:
      r.skipVarInt();
      return;
    case 124:
      r.skip(4);
      return;
    case 123:
    case 122:
      r.skip(8);
      return;
    case ANY_STRING:
      checkStringBytes(r.readVarBytes().length, limits);
      return;
    case 116:
      r.readVarBytes();
      return;
    case ANY_OBJECT: {
      const n = r.readCount(2);
      for (let i = 0; i < n; i++) {
        checkStringBytes(r.readVarBytes().length, limits);
        skipAny(r, depth + 1, limits);
      }
      return;
    }
    case 117: {
      const n = r.readCount(1);
      for (let i = 0; i < n; i++) skipAny(r, depth + 1, limits);
      return;
    }
    default:
      throw new WireError("unknown-any-tag");
  }
}

function checkStringBytes(n: number, limits: UpdateLimits): void {
  if (n > limits.maxStringBytes) throw new UpdateLimitError("string-too-long");
}

/** Reads a string as Yjs does (lib0: fatal on bad UTF-8, a leading BOM kept). */
function readString(r: WireReader, limits: UpdateLimits): string {
  const bytes = r.readVarBytes();
  checkStringBytes(bytes.length, limits);
  try {
    return utf8.decode(bytes);
  } catch {
    throw new WireError("bad-utf8");
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function readDeleteSet(r: WireReader): DecodedDelete[] {
  const out: DecodedDelete[] = [];
  const clients = r.readCount(2);
  for (let c = 0; c < clients; c++) {
    const client = r.readVarUint();
    const ranges = r.readCount(2);
    for (let i = 0; i < ranges; i++) {
      const clock = r.readVarUint();
      const length = r.readVarUint();
      if (clock + length > Number.MAX_SAFE_INTEGER) throw new WireError("clock-out-of-range");
      out.push({ client, clock, length });
    }
  }
  return out;
}

/** Parses JSON text, refusing nesting deeper than the limit before `JSON.parse` sees it. */
function parseJson(s: string, limits: UpdateLimits): unknown {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limits.maxValueDepth) throw new UpdateLimitError("value-too-deep");
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  try {
    return JSON.parse(s);
  } catch {
    throw new WireError("bad-json");
  }
}
