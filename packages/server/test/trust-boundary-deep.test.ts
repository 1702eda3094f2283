/**
 * The relay's trust boundary, issue 18's relay bullet 1, against the real server in a child
 * process (file store, restartable; `trust-suite.ts`): a deep value (ContentJSON and
 * ContentAny), the frame that took the server down before the write check existed, sent over a
 * raw socket. Each test checks what a user would notice: the attacker's socket is closed with
 * 4414, the process lives, honest stock devices in the book and in another book keep syncing,
 * the book still encodes for a new device, before and after a restart, and nothing of the
 * attack reaches another device or the stored log. A log that already holds one (stored before
 * the fix) is contained by the room registry (4500, then 4503), and the process carries on.
 *
 * The other bullets: trust-boundary-writes.test.ts (2, 4, 5) and
 * trust-boundary-pending.test.ts (3, and two write-check bugs these tests found).
 */
import { describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { Code, emptyStep1Frame, freshBook, sendOnce, updateFrame } from "./trust-clients.js";
import { expectedWorkerMaps, replay, workerMaps } from "./trust-fixtures.js";
import { NOT_FROZEN_MS, useTrustSuite } from "./trust-suite.js";
import { craftUpdate, deepAnyBytes, deepJsonText } from "./trust-updates.js";

const suite = useTrustSuite();
const { device, workerBook, barrier, otherBookSyncs, healthz, newClient } = suite;

/** An update that writes a 10,000-deep JSON value as an interaction (what crashed the server). */
function deepInteraction(): Uint8Array {
  const structs = [
    {
      kind: "item",
      parent: "interactions",
      key: "x-deep",
      content: { ref: "json", texts: [deepJsonText("x-deep", 10_000)] },
    },
  ] as const;
  return craftUpdate({ groups: [{ client: newClient(), clock: 0, structs: [...structs] }] });
}

describe("bullet 1: a deep value cannot take the server down", () => {
  const cases: { name: string; content: () => Parameters<typeof craftUpdate>[0]["groups"][0]["structs"][0] }[] = [
    {
      name: "ContentJSON (ref 2), 10,000 nested arrays",
      content: () => ({
        kind: "item",
        parent: "interactions",
        key: "x-deep",
        content: { ref: "json", texts: [deepJsonText("x-deep", 10_000)] },
      }),
    },
    {
      name: "ContentAny (ref 8), 10,000 nested arrays",
      content: () => ({
        kind: "item",
        parent: "interactions",
        key: "x-deep",
        content: { ref: "anyBytes", bytes: deepAnyBytes("x-deep", 10_000) },
      }),
    },
    {
      name: "ContentAny (ref 8), 1,000 nested arrays (within what lib0 decodes)",
      content: () => ({
        kind: "item",
        parent: "interactions",
        key: "x-deep",
        content: { ref: "anyBytes", bytes: deepAnyBytes("x-deep", 1_000) },
      }),
    },
  ];
  for (const c of cases) {
    it(`refuses ${c.name} with 4414; the book still syncs to a new device, other books sync, nothing is stored`, async () => {
      const { book, honest, writer } = await workerBook();
      const other = freshBook("O");
      const o1 = await device(other);
      const o2 = await device(other);
      const storedBefore = (await suite.relay.stored(book.room)).length;
      const frame = updateFrame(craftUpdate({ groups: [{ client: newClient(), clock: 0, structs: [c.content()] }] }));
      const outcome = await sendOnce(suite.relay, book, frame);
      // A new device's sync step 1 re-encodes the room: what threw outside any handler before.
      const late = await device(book);
      expect(suite.relay.alive(), `process alive (stderr: ${suite.relay.stderr().slice(-400)})`).toBe(true);
      expect(await healthz()).toBe(200);
      expect(late.doc.getMap("interactions").has("x-deep")).toBe(false);
      expect(workerMaps(late.doc)).toEqual(expectedWorkerMaps(book));
      await barrier(writer, [honest, late]);
      expect(honest.doc.getMap("interactions").has("x-deep")).toBe(false);
      expect(await otherBookSyncs(o1, o2)).toBeLessThan(NOT_FROZEN_MS);
      const stored = await suite.relay.stored(book.room);
      expect(replay(stored).getMap("interactions").has("x-deep")).toBe(false);
      // Only the barrier was stored after the refused frame.
      expect(stored.length).toBe(storedBefore + 1);
      expect(outcome).toEqual({ closed: Code.updateTooLarge });
      expect([...honest.closeCodes, ...late.closeCodes, ...o1.closeCodes]).toEqual([]);
    });
  }

  it("after a restart, a book that was sent a deep value loads and syncs (nothing of it was stored)", async () => {
    const { book } = await workerBook();
    await sendOnce(suite.relay, book, updateFrame(deepInteraction()));
    await suite.restart();
    const late = await device(book);
    expect(suite.relay.alive(), `process alive (stderr: ${suite.relay.stderr().slice(-400)})`).toBe(true);
    expect(workerMaps(late.doc)).toEqual(expectedWorkerMaps(book));
    expect(late.doc.getMap("interactions").has("x-deep")).toBe(false);
    expect(await healthz()).toBe(200);
  });
});

describe("bullet 1, a log written before the fix (depends on the registry's containment)", () => {
  it("contains a book whose stored log already holds a deep value: its sockets close with 4500, then 4503; the process and other books carry on", async () => {
    const book = freshBook("Q");
    const other = freshBook("O");
    const o1 = await device(other);
    const o2 = await device(other);
    const poisoned = deepInteraction();
    await suite.relay.appendStored(book.room, [poisoned]);
    const codes: number[] = [];
    // A device that has nothing: the relay must encode the whole room for it, which throws.
    for (let attempt = 0; attempt < 5 && codes.at(-1) !== Code.roomQuarantined; attempt++) {
      const ws = new WebSocket(
        `${suite.relay.url.replace(/^http/, "ws")}/sync/${book.room}?ticket=${await suite.relay.ticket(book.orgId, book.userId)}`,
      );
      ws.on("error", () => undefined);
      ws.on("open", () => ws.send(emptyStep1Frame()));
      codes.push(await new Promise<number>((resolve) => ws.once("close", (code) => resolve(code))));
    }
    expect(suite.relay.alive(), `process alive (stderr: ${suite.relay.stderr().slice(-400)})`).toBe(true);
    expect(await healthz()).toBe(200);
    expect(await otherBookSyncs(o1, o2)).toBeLessThan(NOT_FROZEN_MS);
    expect(codes[0]).toBe(Code.roomFailure);
    expect(codes.at(-1)).toBe(Code.roomQuarantined);
    expect(codes.every((c) => c === Code.roomFailure || c === Code.roomQuarantined)).toBe(true);
    // The log is kept as it was, for inspection.
    expect(await suite.relay.stored(book.room)).toEqual([poisoned]);
  });
});
