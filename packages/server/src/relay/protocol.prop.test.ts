/**
 * Property tests of the transport-free protocol code.
 *
 * Rules:
 * - "accepts what Yjs writes": every update and state vector Yjs produces for random edits
 *   passes validation, and the parsed message carries the same bytes.
 * - "rejects every truncation": every proper prefix of a valid client message is refused with
 *   a ProtocolError (never a hang, never another exception).
 * - "random bytes are parsed or refused": arbitrary frames either parse or throw ProtocolError.
 *
 * fast-check prints the seed and the shrunk counterexample of any failure (re-run with
 * `{ seed, path }`); raise TANDEM_PROP_RUNS for longer runs.
 */
import fc from "fast-check";
import * as encoding from "lib0/encoding";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { encodeUpdateMessage, ProtocolError, parseClientMessage, updateMessageHeader } from "./protocol.js";
import { defaultUpdateLimits, validateStateVector, validateUpdateV1 } from "./validate-update.js";

const numRuns = Number(process.env.TANDEM_PROP_RUNS ?? "60");
const limits = { ...defaultUpdateLimits, maxAwarenessStateBytes: 65536, maxAwarenessEntries: 16 };

const edit = fc.oneof(
  fc.record({
    kind: fc.constant("map" as const),
    key: fc.string({ maxLength: 4 }),
    value: fc.jsonValue({ maxDepth: 2 }),
  }),
  fc.record({ kind: fc.constant("text" as const), at: fc.nat(20), text: fc.string({ maxLength: 8 }) }),
  fc.record({ kind: fc.constant("del" as const), at: fc.nat(20), len: fc.nat(5) }),
  fc.record({ kind: fc.constant("bin" as const), bytes: fc.uint8Array({ maxLength: 8 }) }),
  fc.record({ kind: fc.constant("nested" as const), key: fc.string({ maxLength: 3 }) }),
);

type Edit = typeof edit extends fc.Arbitrary<infer T> ? T : never;

function applyEdit(doc: Y.Doc, e: Edit): void {
  const t = doc.getText("t");
  switch (e.kind) {
    case "map":
      doc.getMap("m").set(e.key, e.value);
      return;
    case "text":
      t.insert(Math.min(e.at, t.length), e.text, { bold: e.at % 2 === 0 });
      return;
    case "del":
      if (t.length > 0)
        t.delete(Math.min(e.at, t.length - 1), Math.min(e.len, t.length - Math.min(e.at, t.length - 1)));
      return;
    case "bin":
      doc.getArray("a").push([e.bytes]);
      return;
    case "nested":
      doc.getMap("m").set(e.key, new Y.Map([["x", 1]]));
      return;
  }
}

describe("protocol properties", () => {
  it("accepts what Yjs writes", () => {
    fc.assert(
      fc.property(fc.array(edit, { maxLength: 25 }), (edits) => {
        const doc = new Y.Doc();
        const updates: Uint8Array[] = [];
        doc.on("update", (u: Uint8Array) => updates.push(u));
        for (const e of edits) applyEdit(doc, e);
        for (const u of [...updates, Y.encodeStateAsUpdate(doc), Y.mergeUpdates(updates)]) {
          validateUpdateV1(u);
          const msg = encodeUpdateMessage(u);
          const parsed = parseClientMessage(msg, limits);
          expect(parsed.type === "update" && [...parsed.update]).toEqual([...u]);
          // The broadcast writes the header and the update without building the message.
          expect([...updateMessageHeader(u.length), ...u]).toEqual([...msg]);
        }
        validateStateVector(Y.encodeStateVector(doc));
      }),
      { numRuns, verbose: true },
    );
  });

  it("writes an update message's header as lib0 writes the message, for every length", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 }), (length) => {
        const enc = encoding.createEncoder();
        encoding.writeVarUint(enc, 0);
        encoding.writeVarUint(enc, 2);
        encoding.writeVarUint(enc, length);
        expect([...updateMessageHeader(length)]).toEqual([...encoding.toUint8Array(enc)]);
      }),
      { numRuns: numRuns * 10 },
    );
  });

  it("rejects every truncation of a valid message", () => {
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 10 }), (edits) => {
        const doc = new Y.Doc();
        for (const e of edits) applyEdit(doc, e);
        const msg = encodeUpdateMessage(Y.encodeStateAsUpdate(doc));
        for (let len = 0; len < msg.length; len++) {
          expect(() => parseClientMessage(msg.subarray(0, len), limits)).toThrow(ProtocolError);
        }
      }),
      { numRuns, verbose: true },
    );
  });

  it("random bytes are parsed or refused with a ProtocolError", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 64 }),
        fc.constantFrom(0, 1, 3),
        fc.constantFrom(0, 1, 2),
        (body, type, sub) => {
          const e = encoding.createEncoder();
          encoding.writeVarUint(e, type);
          if (type === 0) encoding.writeVarUint(e, sub);
          encoding.writeUint8Array(e, body);
          try {
            parseClientMessage(encoding.toUint8Array(e), limits);
          } catch (err) {
            expect(err).toBeInstanceOf(ProtocolError);
          }
        },
      ),
      { numRuns: numRuns * 10, verbose: true },
    );
  });
});
