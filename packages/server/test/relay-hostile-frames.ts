/**
 * The hostile side of the relay-hostile property test (`relay-hostile.prop.test.ts`): the
 * generator of hostile actions (deep values, huge counts, oversized strings and values, delete
 * ranges over other clients, clock gaps, missing predecessors, truncated and garbage bytes,
 * writes to worker maps, new roots and nested types, intents with mismatched or existing ids,
 * the worker's client id) and the frame each one becomes in a run's book, with whether every
 * relay must refuse it. Also the intent ids both hostile and honest writes draw from.
 *
 * Invariant: a frame is built from what the honest devices hold (the room's state as a stock
 * client sees it), never from the relay's internals.
 */
import fc from "fast-check";
import * as Y from "yjs";
import type { freshBook, StockDevice } from "./trust-clients.js";
import { updateFrame } from "./trust-clients.js";
import { DEVICE_MAPS, validIntent, validInteraction, WORKER_MAPS } from "./trust-fixtures.js";
import { capture, craftUpdate, deepAnyBytes, deepJsonText } from "./trust-updates.js";

/**
 * Hostile actions, for fast-check (its type is what fast-check infers; {@link Hostile} is
 * derived from it). `knownBugs` adds the generator of a reported write-check bug (a struct the
 * room holds, re-sent with an unknown origin).
 */
export function hostileArbitrary(knownBugs: boolean) {
  return fc.oneof(
    fc.record({
      k: fc.constant("deep" as const),
      ref: fc.constantFrom("json" as const, "any" as const),
      depth: fc.integer({ min: 33, max: 3_000 }),
      map: fc.constantFrom(...DEVICE_MAPS),
    }),
    fc.record({ k: fc.constant("manyStructs" as const), n: fc.integer({ min: 50_001, max: 60_000 }) }),
    fc.record({ k: fc.constantFrom("bigString" as const, "bigValue" as const) }),
    fc.record({ k: fc.constant("forgedCount" as const), at: fc.constantFrom("groups", "structs", "any", "deletes") }),
    fc.record({
      k: fc.constant("deleteRange" as const),
      target: fc.constantFrom("worker", "devA", "devB", "stranger"),
      clock: fc.nat(40),
      len: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.constant(-1), fc.constant(2 ** 53 - 1)),
    }),
    fc.record({ k: fc.constant("clockGap" as const), gap: fc.integer({ min: 1, max: 1_000 }) }),
    fc.record({
      k: fc.constant("unknownOrigin" as const),
      of: fc.constantFrom("stranger", "devA", "worker"),
      ahead: fc.nat(100),
    }),
    fc.record({ k: fc.constant("truncated" as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
    fc.record({
      k: fc.constant("garbage" as const),
      bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }),
      wrap: fc.boolean(),
    }),
    fc.record({
      k: fc.constant("workerMap" as const),
      map: fc.constantFrom(...WORKER_MAPS),
      del: fc.boolean(),
      existing: fc.boolean(),
      value: fc.jsonValue({ maxDepth: 2 }),
    }),
    fc.record({
      k: fc.constantFrom("newRoot" as const, "nestedMap" as const, "text" as const, "rightOrigin" as const),
    }),
    fc.record({ k: fc.constant("intentMismatch" as const), enc: fc.constantFrom("any" as const, "json" as const) }),
    fc.record({
      k: fc.constant("intentRewrite" as const),
      which: fc.nat(),
      how: fc.constantFrom("set", "fresh", "delete"),
    }),
    fc.record({ k: fc.constant("serverClient" as const), map: fc.constantFrom(...DEVICE_MAPS) }),
    ...(knownBugs ? [fc.record({ k: fc.constant("resentWithUnknownOrigin" as const) })] : []),
  );
}

/** One hostile action. */
export type Hostile = ReturnType<typeof hostileArbitrary> extends fc.Arbitrary<infer T> ? T : never;

let ids = 0;
/** A fresh intent id (UUID-shaped), for hostile and honest intents alike. */
export const nextId = (): string => `0190d5e8-0000-7000-8000-${String(++ids).padStart(12, "0")}`;
let strangers = 700_000_000;

/** One run of the property: its book, its two honest devices, the worker's client id, the intents written. */
export interface Run {
  readonly book: ReturnType<typeof freshBook>;
  readonly devs: readonly [StockDevice, StockDevice];
  readonly worker: number;
  readonly intents: Map<string, unknown>;
}

/** A synced copy of what honest device A holds, for writes a stock client would send. */
function copyOf(run: Run): Y.Doc {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(run.devs[0].doc));
  return doc;
}

const clientOf = (run: Run, who: string): number =>
  who === "worker"
    ? run.worker
    : who === "devA"
      ? run.devs[0].doc.clientID
      : who === "devB"
        ? run.devs[1].doc.clientID
        : strangers++;

/** The frame of a hostile action, and whether every relay must refuse it (`null`: nothing to send). */
export function hostileFrame(run: Run, h: Hostile): { frame: Uint8Array; mustRefuse: boolean } | null {
  // A device's own clock is at least what the room holds of it; the worker's is exact.
  const state = (client: number): number => Math.max(...run.devs.map((d) => Y.getState(d.doc.store, client)));
  const one = (client: number, clock: number, s: Parameters<typeof craftUpdate>[0]["groups"][0]["structs"][0]) =>
    updateFrame(craftUpdate({ groups: [{ client, clock, structs: [s] }] }));
  switch (h.k) {
    case "deep": {
      const key = `evil-deep-${h.depth}`;
      const content =
        h.ref === "json"
          ? ({ ref: "json", texts: [deepJsonText(key, h.depth)] } as const)
          : ({ ref: "anyBytes", bytes: deepAnyBytes(key, h.depth) } as const);
      return { frame: one(strangers++, 0, { kind: "item", parent: h.map, key, content }), mustRefuse: true };
    }
    case "manyStructs":
      return {
        frame: updateFrame(
          craftUpdate({
            groups: [{ client: strangers++, clock: 0, structs: Array(h.n).fill({ kind: "gc", length: 1 }) }],
          }),
        ),
        mustRefuse: true,
      };
    case "bigString":
    case "bigValue": {
      const key = `evil-${h.k}`;
      const value =
        h.k === "bigString"
          ? { id: key, s: "x".repeat(256 * 1024 + 1) }
          : { id: key, a: "x".repeat(200_000), b: "y".repeat(200_000), c: "z".repeat(200_000) };
      return {
        frame: one(strangers++, 0, {
          kind: "item",
          parent: "interactions",
          key,
          content: { ref: "any", values: [value] },
        }),
        mustRefuse: true,
      };
    }
    case "forgedCount": {
      // A count far beyond the bytes that follow (yjs #687).
      const big = [0x80, 0x80, 0x80, 0x80, 0x01];
      const payload =
        h.at === "groups"
          ? [...big, 0]
          : h.at === "structs"
            ? [1, ...big, 5, 0]
            : h.at === "any"
              ? [1, 1, 5, 0, 0x08, 1, 1, 0x6b, ...big]
              : [0, ...big];
      return { frame: updateFrame(new Uint8Array(payload)), mustRefuse: true };
    }
    case "deleteRange": {
      const client = clientOf(run, h.target);
      const len = h.len === -1 ? Math.max(1, state(client) - h.clock) : h.len;
      return {
        frame: updateFrame(craftUpdate({ groups: [], deletes: [{ client, ranges: [[h.clock, len]] }] })),
        // Over the worker's clocks, or beyond them, it must be refused; a range over
        // already-deleted items, or a device's interactions, may pass. One beyond a device's
        // clock may be held back (it may be a stock client's delete that overtook its sync
        // step 2): never applied before those clocks exist, which the convergence check shows.
        mustRefuse: h.target === "worker" && h.clock + len > state(client),
      };
    }
    case "clockGap": {
      const key = "evil-gap";
      return {
        frame: one(strangers++, h.gap, {
          kind: "item",
          parent: "interactions",
          key,
          content: { ref: "any", values: [{ id: key }] },
        }),
        // A gap in a device's own clocks is what a stock client's edit made as its socket opens
        // looks like: the relay holds it back (a few per socket) instead of closing. It is
        // never applied, stored or forwarded, which the convergence check below shows.
        mustRefuse: false,
      };
    }
    case "unknownOrigin": {
      const of = clientOf(run, h.of);
      return {
        frame: one(strangers++, 0, {
          kind: "item",
          origin: [of, state(of) + h.ahead],
          content: { ref: "any", values: [{ id: "evil-origin" }] },
        }),
        mustRefuse: true,
      };
    }
    case "truncated": {
      const d = new Y.Doc();
      const full = updateFrame(capture(d, () => d.getMap("interactions").set("evil-tr", validInteraction("evil-tr"))));
      return { frame: full.slice(0, Math.max(1, Math.floor(h.at * (full.length - 1)))), mustRefuse: false };
    }
    case "garbage":
      return { frame: h.wrap ? updateFrame(h.bytes) : h.bytes, mustRefuse: false };
    case "workerMap": {
      const doc = copyOf(run);
      const map = doc.getMap(h.map);
      const existingKey = [...map.keys()][0];
      const key = h.existing && existingKey !== undefined ? existingKey : "evil-w";
      const update = capture(doc, () => (h.del ? map.delete(key) : map.set(key, h.value)), true);
      // Deleting a key that is not there writes nothing.
      if (update === undefined) return null;
      return { frame: updateFrame(update), mustRefuse: true };
    }
    case "newRoot":
    case "nestedMap":
    case "text":
    case "rightOrigin": {
      const doc = copyOf(run);
      let update: Uint8Array;
      if (h.k === "newRoot") update = capture(doc, () => doc.getMap("evil-root").set("evil", { id: "evil" }));
      else if (h.k === "nestedMap")
        update = capture(doc, () => doc.getMap("interactions").set("evil-nested", new Y.Map([["id", "evil-nested"]])));
      else if (h.k === "text") update = capture(doc, () => doc.getText("evil-text").insert(0, "evil"));
      else
        update = craftUpdate({
          groups: [
            {
              client: strangers++,
              clock: 0,
              structs: [
                {
                  kind: "item",
                  right: [run.devs[0].doc.clientID, 0],
                  content: { ref: "any", values: [{ id: "evil-right" }] },
                },
              ],
            },
          ],
        });
      return { frame: updateFrame(update), mustRefuse: true };
    }
    case "intentMismatch": {
      const key = `evil-mm-${nextId()}`;
      const value = validIntent("evil-other", "evil");
      if (h.enc === "any") {
        const doc = copyOf(run);
        return { frame: updateFrame(capture(doc, () => doc.getMap("intents").set(key, value))), mustRefuse: true };
      }
      return {
        frame: one(strangers++, 0, {
          kind: "item",
          parent: "intents",
          key,
          content: { ref: "json", texts: [JSON.stringify(value)] },
        }),
        mustRefuse: true,
      };
    }
    case "intentRewrite": {
      const existing = [...run.intents.keys()];
      const id = existing[h.which % Math.max(1, existing.length)];
      if (id === undefined) return null;
      const doc = h.how === "fresh" ? new Y.Doc() : copyOf(run);
      const intents = doc.getMap("intents");
      const update = capture(
        doc,
        () =>
          h.how === "delete" ? intents.delete(id) : intents.set(id, { ...validIntent(id, "evil"), kind: "cancel" }),
        true,
      );
      if (update === undefined) return null;
      return { frame: updateFrame(update), mustRefuse: true };
    }
    case "serverClient": {
      const key = `evil-sc-${nextId()}`;
      return {
        frame: one(run.worker, state(run.worker), {
          kind: "item",
          parent: h.map,
          key,
          content: { ref: "any", values: [{ id: key }] },
        }),
        mustRefuse: true,
      };
    }
    case "resentWithUnknownOrigin":
      return {
        frame: one(run.devs[0].doc.clientID, 0, {
          kind: "item",
          origin: [strangers++, 7],
          content: { ref: "any", values: [{ id: "evil-resent" }] },
        }),
        mustRefuse: true,
      };
  }
}
