/**
 * Property tests of `encodeStateAsPieces` (snapshot-pieces.mjs).
 *
 * Rules:
 * - "pieces applied in order to a fresh document rebuild it exactly": 2–4 replicas (gc on, distinct client ids) make random edits
 *   to maps, arrays and texts, nested types included, and exchange updates at random points, so
 *   items of one client refer to items of others. All are merged into one document, which is cut
 *   into pieces for random small piece sizes and one huge one. Applied in order to a fresh
 *   document, every piece integrates at once (nothing pending), and the result is byte for byte
 *   what Yjs makes of the whole state applied as one update (see `loadWhole`: almost always
 *   `Y.encodeStateAsUpdate(doc)` itself), with the same content and formatting as the merged
 *   document. Only the last piece carries a delete set (and it is the document's);
 *   the pieces cover each client's clocks once, contiguously, in order; with a huge piece size,
 *   or any formatting in the document, the single piece is `Y.encodeStateAsUpdate(doc)`.
 * - "pieces complete a document that already holds part of the state": the same pieces applied to a
 *   replica's state from halfway through the edits give the state vector and delete set that
 *   state and the whole update give, and the merged document's content.
 * - Examples: a document with pending structs or a pending delete set gives exactly
 *   `[Y.encodeStateAsUpdate(doc)]`; an empty document gives one piece, the empty update; a
 *   higher client's item that depends on a lower client's item is written after it; text keeps
 *   its formatting when its format item and its characters land in different pieces.
 *
 * fast-check prints the seed and the shrunk counterexample of any failure (re-run with
 * `{ seed, path }`); raise TANDEM_PROP_RUNS for longer runs.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { encodeStateAsPieces } from "./snapshot-pieces.mjs";

const numRuns = Number(process.env.TANDEM_PROP_RUNS ?? "120");
const HUGE = 1 << 30;

// Few keys, so replicas overwrite each other's entries (and the nested types under them).
const key = fc.constantFrom("a", "b", "c", "d");

const value = fc.oneof(
  fc.record({ t: fc.constant("json" as const), v: fc.oneof(fc.integer(), fc.string({ maxLength: 4 }), fc.boolean()) }),
  fc.record({ t: fc.constant("bin" as const), v: fc.uint8Array({ maxLength: 4 }) }),
  fc.record({ t: fc.constant("map" as const), v: fc.array(fc.tuple(key, fc.integer()), { maxLength: 2 }) }),
  fc.record({ t: fc.constant("array" as const), v: fc.array(fc.integer(), { maxLength: 3 }) }),
  fc.record({ t: fc.constant("text" as const), v: fc.string({ maxLength: 4 }) }),
);
type Value = typeof value extends fc.Arbitrary<infer T> ? T : never;

// Formatting is kept rare: a document with any is encoded as one piece (see snapshot-pieces.mjs).
const attrs = fc.oneof(
  { weight: 6, arbitrary: fc.constant(undefined) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<Record<string, unknown>>(
      { bold: true },
      { bold: null },
      { italic: true, bold: true },
      { href: "x" },
    ),
  },
);

const action = fc.record({
  op: fc.constantFrom("set", "delete", "insert", "remove", "format"),
  /** Which of the replica's shared types (roots first, then nested ones), modulo their count. */
  target: fc.nat(40),
  key,
  pos: fc.oneof(fc.constant(0), fc.nat(12)),
  len: fc.integer({ min: 1, max: 4 }),
  values: fc.array(value, { minLength: 1, maxLength: 3 }),
  text: fc.string({ minLength: 1, maxLength: 5 }),
  attrs,
});
type Action = typeof action extends fc.Arbitrary<infer T> ? T : never;

const step = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("edit" as const), replica: fc.nat(3), action }) },
  /** One replica sends another what it lacks. */
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("sync" as const), from: fc.nat(3), to: fc.nat(3) }) },
  /** Every replica gets everything, so the next edits build on all clients' items. */
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("syncAll" as const) }) },
);
type Step = typeof step extends fc.Arbitrary<infer T> ? T : never;

const scenario = fc.record({
  clientIds: fc.uniqueArray(fc.oneof(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 0xffffffff })), {
    minLength: 4,
    maxLength: 4,
  }),
  replicas: fc.integer({ min: 2, max: 4 }),
  // "medium" lets lengths reach maxLength (the default size caps arrays at about 10 items).
  steps: fc.array(step, { minLength: 1, maxLength: 60, size: "medium" }),
  /** The replica whose state halfway through serves as the partial document. */
  partialFrom: fc.nat(3),
});
type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

function makeValue(v: Value): unknown {
  switch (v.t) {
    case "json":
    case "bin":
      return v.v;
    case "map":
      return new Y.Map<unknown>(v.v);
    case "array":
      return Y.Array.from(v.v);
    case "text":
      return new Y.Text(v.v);
  }
}

type Shared = Y.Map<unknown> | Y.Array<unknown> | Y.Text;

function isShared(v: unknown): v is Shared {
  return v instanceof Y.Map || v instanceof Y.Array || v instanceof Y.Text;
}

/** The document's shared types: its roots, then every nested type below them. */
function sharedTypes(doc: Y.Doc): Shared[] {
  const out: Shared[] = [];
  const visit = (t: Shared): void => {
    out.push(t);
    if (t instanceof Y.Map) {
      for (const k of [...t.keys()].sort()) {
        const v = t.get(k);
        if (isShared(v)) visit(v);
      }
    } else if (t instanceof Y.Array) {
      for (const v of t.toArray()) if (isShared(v)) visit(v);
    }
  };
  visit(doc.getMap("m"));
  visit(doc.getArray("a"));
  visit(doc.getText("t"));
  return out;
}

function applyAction(doc: Y.Doc, a: Action): void {
  const types = sharedTypes(doc);
  const t = types[a.target % types.length];
  if (t instanceof Y.Map) {
    if (a.op === "delete" || a.op === "remove") t.delete(a.key);
    else t.set(a.key, makeValue(a.values[0] as Value));
  } else if (t instanceof Y.Array) {
    if (a.op === "delete" || a.op === "remove") {
      if (t.length === 0) return;
      const p = a.pos % t.length;
      t.delete(p, Math.min(a.len, t.length - p));
    } else if (a.op === "format") t.push(a.values.map(makeValue));
    else t.insert(a.pos % (t.length + 1), a.values.map(makeValue));
  } else if (t instanceof Y.Text) {
    if (a.op === "delete" || a.op === "remove") {
      if (t.length === 0) return;
      const p = a.pos % t.length;
      t.delete(p, Math.min(a.len, t.length - p));
    } else if (a.op === "format") {
      if (t.length === 0) return;
      const p = a.pos % t.length;
      t.format(p, Math.min(a.len, t.length - p), a.attrs ?? { bold: true });
    } else t.insert(a.pos % (t.length + 1), a.text, a.attrs);
  }
}

function sync(from: Y.Doc, to: Y.Doc): void {
  Y.applyUpdate(to, Y.encodeStateAsUpdate(from, Y.encodeStateVector(to)));
}

/** A document with its root types declared, as a client's is before it loads a snapshot: a
 * declared root Y.Text runs Yjs's formatting cleanup after each update, like a nested one. */
function clientDoc(): Y.Doc {
  const d = new Y.Doc({ gc: true });
  d.getMap("m");
  d.getArray("a");
  d.getText("t");
  return d;
}

/**
 * What Yjs itself makes of `updates` applied one whole update each to a client's document: the
 * result the pieces must reproduce byte for byte. It is usually `Y.encodeStateAsUpdate(doc)`
 * exactly, but Yjs's struct store is not canonical: adjacent GC structs that `doc` holds apart
 * may merge on load (or the other way round), and a load's formatting cleanup may delete a
 * redundant format item `doc` kept, both without changing the content.
 */
function loadWhole(...updates: Uint8Array[]): Uint8Array {
  const d = clientDoc();
  for (const u of updates) Y.applyUpdate(d, u);
  return Y.encodeStateAsUpdate(d);
}

/** Runs the scenario; returns the merged document and the partial replica's state halfway. */
function build(s: Scenario): { doc: Y.Doc; partial: Uint8Array } {
  const replicas = s.clientIds.slice(0, s.replicas).map((id) => {
    const d = new Y.Doc({ gc: true });
    d.clientID = id;
    return d;
  });
  const at = (i: number): Y.Doc => replicas[i % replicas.length] as Y.Doc;
  let partial: Uint8Array | null = null;
  const half = Math.floor(s.steps.length / 2);
  s.steps.forEach((st: Step, i) => {
    if (i === half) partial = Y.encodeStateAsUpdate(at(s.partialFrom));
    if (st.kind === "edit") applyAction(at(st.replica), st.action);
    else if (st.kind === "syncAll") {
      for (const from of replicas) for (const to of replicas) if (from !== to) sync(from, to);
    } else if (st.from % replicas.length !== st.to % replicas.length) sync(at(st.from), at(st.to));
  });
  const doc = clientDoc();
  for (const r of replicas) Y.applyUpdate(doc, Y.encodeStateAsUpdate(r));
  return { doc, partial: partial ?? Y.encodeStateAsUpdate(new Y.Doc()) };
}

function roots(doc: Y.Doc): unknown {
  return { m: doc.getMap("m").toJSON(), a: doc.getArray("a").toJSON(), t: doc.getText("t").toDelta() };
}

function expectNothingPending(doc: Y.Doc, piece: number): void {
  expect({ piece, pendingStructs: doc.store.pendingStructs, pendingDs: doc.store.pendingDs }).toEqual({
    piece,
    pendingStructs: null,
    pendingDs: null,
  });
}

/** Checks the pieces' layout against the document: clocks covered once, in order; ds last. */
function expectLayout(doc: Y.Doc, pieces: Uint8Array[]): void {
  expect(pieces.length).toBeGreaterThan(0);
  const nextClock = new Map<number, number>();
  pieces.forEach((piece, i) => {
    const { structs, ds } = Y.decodeUpdate(piece);
    for (const s of structs) {
      expect(s).not.toBeInstanceOf(Y.Skip);
      expect({ piece: i, client: s.id.client, clock: s.id.clock }).toEqual({
        piece: i,
        client: s.id.client,
        clock: nextClock.get(s.id.client) ?? 0,
      });
      nextClock.set(s.id.client, s.id.clock + s.length);
    }
    if (i < pieces.length - 1) {
      expect(ds.clients.size).toBe(0);
      expect(structs.length).toBeGreaterThan(0);
    } else {
      expect(Y.equalDeleteSets(ds, Y.decodeUpdate(Y.encodeStateAsUpdate(doc)).ds)).toBe(true);
    }
  });
  expect(nextClock).toEqual(Y.decodeStateVector(Y.encodeStateVector(doc)));
}

function hasFormatting(doc: Y.Doc): boolean {
  for (const structs of doc.store.clients.values()) {
    for (const s of structs) if (s instanceof Y.Item && s.content instanceof Y.ContentFormat) return true;
  }
  return false;
}

function structCount(doc: Y.Doc): number {
  let n = 0;
  for (const structs of doc.store.clients.values()) n += structs.length;
  return n;
}

describe("snapshot pieces properties", () => {
  it("pieces applied in order to a fresh document rebuild it exactly, nothing pending between", () => {
    fc.assert(
      fc.property(scenario, fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 3 }), (s, sizes) => {
        const { doc } = build(s);
        expectNothingPending(doc, -1);
        const full = Y.encodeStateAsUpdate(doc);
        const whole = loadWhole(full);
        const want = roots(doc);
        const formatted = hasFormatting(doc);
        for (const pieceBytes of [1, ...sizes, HUGE]) {
          const pieces = encodeStateAsPieces(doc, pieceBytes);
          expectLayout(doc, pieces);
          if (pieceBytes === HUGE || formatted) expect(pieces).toEqual([full]);
          // One struct per piece (then the delete set): nothing fell back to one update.
          else if (pieceBytes === 1) expect(pieces.length).toBe(structCount(doc) + 1);
          const rebuilt = clientDoc();
          pieces.forEach((piece, i) => {
            Y.applyUpdate(rebuilt, piece);
            expectNothingPending(rebuilt, i);
          });
          expect(Y.encodeStateAsUpdate(rebuilt)).toEqual(whole);
          expect(roots(rebuilt)).toEqual(want);
        }
        // The encoder leaves the document as it was.
        expect(Y.encodeStateAsUpdate(doc)).toEqual(full);
      }),
      { numRuns },
    );
  });

  it("pieces complete a document that already holds part of the state", () => {
    fc.assert(
      fc.property(scenario, fc.integer({ min: 1, max: 300 }), (s, pieceBytes) => {
        const { doc, partial } = build(s);
        const full = Y.encodeStateAsUpdate(doc);
        const target = clientDoc();
        Y.applyUpdate(target, partial);
        const pieces = encodeStateAsPieces(doc, pieceBytes);
        pieces.forEach((piece, i) => {
          Y.applyUpdate(target, piece);
          expectNothingPending(target, i);
        });
        // Not byte for byte: GC structs that become GC with the delete set merge with their
        // neighbours depending on which transaction brought those, so only the state vector,
        // the delete set and the content are compared.
        const reference = clientDoc();
        Y.applyUpdate(reference, partial);
        Y.applyUpdate(reference, full);
        expect(Y.equalSnapshots(Y.snapshot(target), Y.snapshot(reference))).toBe(true);
        expect(roots(target)).toEqual(roots(doc));
      }),
      { numRuns },
    );
  });

  it("a document with pending structs gives exactly its whole state as one piece", () => {
    const source = new Y.Doc();
    source.clientID = 42;
    const updates: Uint8Array[] = [];
    source.on("update", (u: Uint8Array) => updates.push(u));
    source.getText("t").insert(0, "hello");
    source.getText("t").insert(5, " world");
    expect(updates.length).toBe(2);

    const doc = new Y.Doc();
    doc.clientID = 7;
    doc.getMap("m").set("own", 1);
    Y.applyUpdate(doc, updates[1] as Uint8Array); // its dependency, updates[0], never arrives
    expect(doc.store.pendingStructs).not.toBeNull();
    for (const pieceBytes of [1, 5, HUGE]) {
      const pieces = encodeStateAsPieces(doc, pieceBytes);
      expect(pieces).toEqual([Y.encodeStateAsUpdate(doc)]);
    }
    // That piece still carries the held-back update: with the missing one it completes the text.
    const rebuilt = new Y.Doc();
    Y.applyUpdate(rebuilt, encodeStateAsPieces(doc, 1)[0] as Uint8Array);
    Y.applyUpdate(rebuilt, updates[0] as Uint8Array);
    expect(rebuilt.store.pendingStructs).toBeNull();
    expect(rebuilt.getText("t").toString()).toBe("hello world");
    expect(rebuilt.getMap("m").toJSON()).toEqual({ own: 1 });
  });

  it("a document with a pending delete set gives exactly its whole state as one piece", () => {
    const source = new Y.Doc();
    source.clientID = 42;
    const updates: Uint8Array[] = [];
    source.on("update", (u: Uint8Array) => updates.push(u));
    source.getText("t").insert(0, "hello");
    source.getText("t").delete(0, 2);
    expect(updates.length).toBe(2);

    const doc = new Y.Doc();
    doc.clientID = 7;
    doc.getMap("m").set("own", 1);
    Y.applyUpdate(doc, updates[1] as Uint8Array); // deletes items the document does not have
    expect(doc.store.pendingStructs).toBeNull();
    expect(doc.store.pendingDs).not.toBeNull();
    for (const pieceBytes of [1, 5, HUGE]) {
      expect(encodeStateAsPieces(doc, pieceBytes)).toEqual([Y.encodeStateAsUpdate(doc)]);
    }
  });

  it("an empty document gives one piece, the empty update", () => {
    for (const pieceBytes of [1, 100, HUGE]) {
      const pieces = encodeStateAsPieces(new Y.Doc(), pieceBytes);
      expect(pieces).toEqual([Y.encodeStateAsUpdate(new Y.Doc())]);
    }
  });

  it("writes a higher client's item only after the lower client's item it depends on", () => {
    const low = new Y.Doc();
    low.clientID = 1;
    const high = new Y.Doc();
    high.clientID = 2;
    low.getMap("m").set("o", 1); // client 1's first struct
    low.getText("t").insert(0, "ab");
    low.getMap("m").set("p", new Y.Map());
    sync(low, high);
    high.getMap("m").set("o", 2); // origin is client 1's first struct, nothing else unmet
    high.getText("t").insert(1, "X"); // origin and right origin are client 1's items
    high.getMap<Y.Map<number>>("m").get("p")?.set("z", 3); // parent is client 1's item, no origins
    high.getMap("m").set("k", new Y.Map([["x", 1]]));
    sync(high, low);
    low.getMap<Y.Map<number>>("m").get("k")?.set("y", 2); // parent is client 2's item
    low.getText("t").insert(3, "c"); // origin is client 2's item
    const doc = new Y.Doc();
    sync(low, doc);
    sync(high, doc);

    const pieces = encodeStateAsPieces(doc, 1);
    expect(pieces.length).toBe(structCount(doc) + 1);
    expectLayout(doc, pieces);
    const rebuilt = new Y.Doc();
    pieces.forEach((piece, i) => {
      Y.applyUpdate(rebuilt, piece);
      expectNothingPending(rebuilt, i);
    });
    expect(Y.encodeStateAsUpdate(rebuilt)).toEqual(Y.encodeStateAsUpdate(doc));
    expect(rebuilt.getText("t").toString()).toBe("aXbc");
    expect(rebuilt.getMap("m").toJSON()).toEqual({ o: 2, p: { z: 3 }, k: { x: 1, y: 2 } });
  });

  it("keeps the formatting of text whose format item lands in an earlier piece", () => {
    // Smallest counterexample the property found against the first version of the module.
    // After each update it applies to a Y.Text, Yjs deletes format items it judges redundant.
    // Alone in its piece, the `bold` item that starts "b" sat before the `italic`, `bold` items
    // of "a", so it looked overwritten and the receiver deleted it, in a local transaction of
    // its own, before "b" arrived.
    const src = new Y.Doc();
    src.clientID = 1;
    const text = src.getMap("m").set("t", new Y.Text());
    text.insert(0, "a", { italic: true, bold: true });
    text.insert(0, "b", { bold: true });
    const rebuilt = new Y.Doc();
    const localUpdates: Uint8Array[] = [];
    rebuilt.on("update", (u: Uint8Array, _origin: unknown, _doc: Y.Doc, tr: Y.Transaction) => {
      if (tr.local) localUpdates.push(u);
    });
    for (const piece of encodeStateAsPieces(src, 1)) Y.applyUpdate(rebuilt, piece);
    expect((rebuilt.getMap("m").get("t") as Y.Text).toDelta()).toEqual([
      { insert: "b", attributes: { bold: true } },
      { insert: "a", attributes: { italic: true, bold: true } },
    ]);
    expect(localUpdates).toEqual([]);
    expect(Y.encodeStateAsUpdate(rebuilt)).toEqual(Y.encodeStateAsUpdate(src));
  });
});
