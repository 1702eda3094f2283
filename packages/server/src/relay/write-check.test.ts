/**
 * The write check over real Yjs documents: a room written by a worker (its own document's
 * client id) and devices that sync with it and send what a stock client sends, honest and not.
 */
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { decodeUpdateV1 } from "./validate-update.js";
import { checkDeviceUpdate, noteAccepted, WriteGuard } from "./write-check.js";

interface Fixture {
  room: Y.Doc;
  guard: WriteGuard;
}

/** A room whose worker wrote an opportunity (twice: the first value is deleted), a receipt and meta. */
function room(): Fixture {
  const doc = new Y.Doc();
  const guard = new WriteGuard(doc);
  doc.transact(() => {
    doc.getMap("opportunities").set("006A", { Id: "006A", Amount: 1 });
    doc.getMap("meta").set("schemaVersion", 1);
  }, "salesforce");
  doc.getMap("opportunities").set("006A", { Id: "006A", Amount: 2 });
  doc.getMap("receipts").set("i0", { intentId: "i0", status: "applied" });
  guard.noteServerClient(doc.clientID);
  return { room: doc, guard };
}

/** A device holding everything the room has. */
function device(f: Fixture): Y.Doc {
  const d = new Y.Doc();
  Y.applyUpdate(d, Y.encodeStateAsUpdate(f.room));
  return d;
}

/** What `device` sends the room as its sync step 2 (everything the room lacks, and its delete set). */
function step2(f: Fixture, d: Y.Doc): Uint8Array {
  return Y.encodeStateAsUpdate(d, Y.encodeStateVector(f.room));
}

/** Runs the check; applies the update when it passes, as the relay does. */
function send(f: Fixture, update: Uint8Array): string {
  const decoded = decodeUpdateV1(update);
  const v = checkDeviceUpdate(f.room, f.guard, decoded);
  if (!v.ok) return `${v.kind}:${v.reason}`;
  Y.applyUpdate(f.room, update);
  noteAccepted(f.guard, decoded);
  return "ok";
}

/** Sends what `write` changes on device `d`. */
function sent(f: Fixture, d: Y.Doc, write: () => void): string {
  return send(f, captured(d, write));
}

function captured(d: Y.Doc, write: () => void): Uint8Array {
  const before = Y.encodeStateVector(d);
  write();
  return Y.encodeStateAsUpdate(d, before);
}

const intent = (id: string): { id: string; kind: string } => ({ id, kind: "logActivity" });

describe("the write check", () => {
  it("accepts a new intent and an interaction whose id is the key", () => {
    const f = room();
    const d = device(f);
    expect(sent(f, d, () => d.getMap("intents").set("i1", intent("i1")))).toBe("ok");
    expect(sent(f, d, () => d.getMap("interactions").set("x1", { id: "x1", email: "a@b" }))).toBe("ok");
    expect(f.room.getMap("intents").get("i1")).toEqual(intent("i1"));
  });

  it("accepts a device's whole sync step 2 after the worker overwrote records (its delete set included)", () => {
    const f = room();
    const d = device(f);
    f.room.getMap("opportunities").set("006A", { Id: "006A", Amount: 3 });
    f.room.getMap("opportunities").delete("006A");
    Y.applyUpdate(d, Y.encodeStateAsUpdate(f.room, Y.encodeStateVector(d)));
    d.getMap("intents").set("i1", intent("i1"));
    d.getMap("interactions").set("x1", { id: "x1" });
    d.getMap("interactions").set("x1", { id: "x1", subject: "again" });
    d.getMap("interactions").delete("x1");
    expect(send(f, step2(f, d))).toBe("ok");
    // and again once in sync: all of it is known, only the delete set remains
    expect(send(f, step2(f, d))).toBe("ok");
  });

  it("refuses an intent whose id is not its key, an existing key, and a key written twice", () => {
    const f = room();
    const d = device(f);
    expect(sent(f, d, () => d.getMap("intents").set("k", intent("other")))).toBe("forbidden:intent-id-mismatch");
    const e = device(f);
    expect(sent(f, e, () => e.getMap("intents").set("i1", intent("i1")))).toBe("ok");
    const g = device(f);
    expect(sent(f, g, () => g.getMap("intents").set("i1", intent("i1")))).toBe("forbidden:intent-exists");
    const h = device(f);
    const first = captured(h, () => h.getMap("intents").set("i2", intent("i2")));
    const second = captured(h, () => h.getMap("intents").set("i2", { ...intent("i2"), kind: "cancel" }));
    expect(send(f, Y.mergeUpdates([first, second]))).toBe("forbidden:intent-key-repeated");
  });

  it("refuses overwriting or deleting an intent", () => {
    const f = room();
    const d = device(f);
    expect(sent(f, d, () => d.getMap("intents").set("i1", intent("i1")))).toBe("ok");
    expect(sent(f, d, () => d.getMap("intents").set("i1", { ...intent("i1"), kind: "x" }))).toBe(
      "forbidden:intent-exists",
    );
    const e = device(f);
    expect(sent(f, e, () => e.getMap("intents").delete("i1"))).toBe("forbidden:deletes-intent");
  });

  it("refuses every write to a map only the worker writes", () => {
    for (const map of ["opportunities", "receipts", "meta", "contacts"]) {
      const f = room();
      const d = device(f);
      expect(sent(f, d, () => d.getMap(map).set("006A", { Id: "006A", Amount: 9 }))).toBe(
        `forbidden:map-not-writable:${map}`,
      );
    }
    const f = room();
    const d = device(f);
    expect(sent(f, d, () => d.getMap("opportunities").delete("006A"))).toBe("forbidden:deletes-server-item");
    expect(sent(f, d, () => d.getMap("elsewhere").set("k", 1))).toBe("forbidden:unknown-root");
  });

  it("refuses texts, arrays and nested types, even inside a map devices write", () => {
    const f = room();
    const fresh = (write: (d: Y.Doc) => void): string => {
      const d = device(f);
      return sent(f, d, () => write(d));
    };
    expect(fresh((d) => d.getText("t").insert(0, "hi"))).toBe("forbidden:content-kind");
    expect(fresh((d) => d.getArray("intents").push([1]))).toBe("forbidden:not-a-map-entry");
    expect(fresh((d) => d.getMap("interactions").set("n", new Y.Map()))).toBe("forbidden:content-kind");
  });

  it("refuses a delete range over the worker's clock, and beyond it", () => {
    const f = room();
    const worker = f.room.clientID;
    const wipe = (clock: number, len: number): Uint8Array => {
      // No structs; a delete set of one range (what the 20-byte attack sends).
      const enc = [0, 1, ...varuint(worker), 1, ...varuint(clock), ...varuint(len)];
      return new Uint8Array(enc);
    };
    expect(send(f, wipe(0, Number.MAX_SAFE_INTEGER))).toBe("missing:delete-beyond-clock");
    expect(send(f, wipe(0, 2))).toBe("forbidden:deletes-server-item");
    // the first value of 006A is deleted already: deleting it again is harmless
    expect(send(f, wipe(0, 1))).toBe("ok");
  });

  it("refuses structs under the server's client ids", () => {
    const f = room();
    const d = device(f);
    d.clientID = f.room.clientID;
    expect(sent(f, d, () => d.getMap("intents").set("i1", intent("i1")))).toBe("forbidden:server-client-id");
  });

  it("refuses updates whose predecessors the room has never seen", () => {
    const f = room();
    const d = device(f);
    d.getMap("intents").set("i1", intent("i1"));
    const later = captured(d, () => d.getMap("intents").set("i2", intent("i2")));
    expect(send(f, later)).toBe("missing:clock-gap");
  });

  it("refuses overwriting an interaction the worker wrote", () => {
    const f = room();
    f.room.getMap("interactions").set("x1", { id: "x1", source: "importer" });
    const d = device(f);
    expect(sent(f, d, () => d.getMap("interactions").set("x1", { id: "x1" }))).toBe("forbidden:overwrites-server-item");
  });
});

function varuint(n: number): number[] {
  const out: number[] = [];
  let rest = n;
  while (rest >= 0x80) {
    out.push((rest % 128) | 0x80);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return out;
}
