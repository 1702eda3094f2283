/**
 * The relay's trust boundary, issue 18's relay bullets 2, 4 and 5, against the real server in
 * a child process (file store, restartable; `trust-suite.ts`): device writes that would change
 * what the worker wrote or what an intent says, each sent over a raw socket (or by a stock
 * client) as a tester sent it before the write check existed. Each test checks what a user
 * would notice: the close code the attacker gets, that honest stock devices keep syncing, and
 * that nothing of the attack reaches another device or the stored log.
 *
 * 2. a delete-set range over the worker's clocks is refused (4412 beyond them, 4405 within);
 * 4. device writes to worker maps (a forged receipt, a changed Amount) are refused with 4405;
 * 5. an intent whose key is not its id, or whose key exists, is refused with 4405; a valid
 *    intent reaches the other devices.
 *
 * The other bullets: trust-boundary-deep.test.ts (1) and trust-boundary-pending.test.ts (3).
 */
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { Code, sendOnce, updateFrame, waitUntil } from "./trust-clients.js";
import { ACC, expectedWorkerMaps, LOGGED_INTENT, OPP, validIntent, workerMaps } from "./trust-fixtures.js";
import { useTrustSuite } from "./trust-suite.js";
import { capture, craftUpdate } from "./trust-updates.js";

const suite = useTrustSuite();
const { device, workerBook, barrier, storedDoc, newClient } = suite;

describe("bullet 2: a delete range cannot wipe what the worker wrote", () => {
  for (const variant of [
    { name: "(worker, 0, 2^53-1): beyond its clock", len: () => 2 ** 53 - 1, code: Code.missingPredecessors },
    { name: "(worker, 0, its exact clock)", len: (state: number) => state, code: Code.writeForbidden },
  ]) {
    it(`refuses the delete range ${variant.name} and every device and the log keep the book`, async () => {
      const { book, honest, writer } = await workerBook();
      // The attacker is a device of the same user: its synced copy names the worker's client id.
      const attacker = await device(book);
      const item = (attacker.doc.getMap("opportunities") as unknown as { _map: Map<string, Y.Item> })._map.get(OPP);
      const workerClient = item?.id.client ?? -1;
      const state = Y.getState(attacker.doc.store, workerClient);
      const frame = updateFrame(
        craftUpdate({ groups: [], deletes: [{ client: workerClient, ranges: [[0, variant.len(state)]] }] }),
      );
      const outcome = await sendOnce(suite.relay, book, frame);
      await barrier(writer, [honest, attacker]);
      const expected = expectedWorkerMaps(book);
      expect(workerMaps(honest.doc)).toEqual(expected);
      expect(workerMaps((await device(book)).doc)).toEqual(expected);
      expect(workerMaps(await storedDoc(book))).toEqual(expected);
      expect(outcome).toEqual({ closed: variant.code });
      expect(frame.length).toBeLessThanOrEqual(24);
      expect(honest.closeCodes).toEqual([]);
    });
  }
});

describe("bullet 4: device writes to worker maps do not stick", () => {
  const forgeries: { name: string; write: (doc: Y.Doc) => void }[] = [
    {
      name: "a forged receipts[id] = {status: 'applied'}",
      write: (doc) =>
        doc.getMap("receipts").set(LOGGED_INTENT, {
          intentId: LOGGED_INTENT,
          status: "applied",
          attempts: 1,
          updatedAt: "2026-12-07T10:00:00.000Z",
          salesforceId: "00T000000000099AAA",
        }),
    },
    {
      name: "a changed opportunities[Id].Amount",
      write: (doc) =>
        doc
          .getMap("opportunities")
          .set(OPP, { ...(doc.getMap("opportunities").get(OPP) as Record<string, unknown>), Amount: 1 }),
    },
    { name: "a deleted opportunity", write: (doc) => doc.getMap("opportunities").delete(OPP) },
    { name: "a new account", write: (doc) => doc.getMap("accounts").set(ACC.replace("1AAA", "9AAA"), { Name: "x" }) },
    { name: "meta.schemaVersion = 99", write: (doc) => doc.getMap("meta").set("schemaVersion", 99) },
  ];
  for (const f of forgeries) {
    it(`refuses ${f.name} with 4405; other devices and the log keep the worker's value`, async () => {
      const { book, honest, writer } = await workerBook();
      const attacker = await device(book);
      attacker.provider.disconnect();
      // What the attacker's stock client would send for the write, over a raw socket.
      const update = capture(attacker.doc, () => f.write(attacker.doc));
      const outcome = await sendOnce(suite.relay, book, updateFrame(update));
      await barrier(writer, [honest]);
      const expected = expectedWorkerMaps(book);
      expect(workerMaps(honest.doc)).toEqual(expected);
      expect(workerMaps((await device(book)).doc)).toEqual(expected);
      expect(workerMaps(await storedDoc(book))).toEqual(expected);
      expect(outcome).toEqual({ closed: Code.writeForbidden });
      expect(honest.closeCodes).toEqual([]);
    });
  }

  it("closes a stock client that writes a forged receipt with 4405, and the receipt stays the worker's", async () => {
    const { book, honest, writer } = await workerBook();
    const attacker = await device(book);
    forgeries[0]?.write(attacker.doc);
    // A relay that took it sends no close: give it a moment, then look at what others see.
    await waitUntil(() => attacker.closeCodes.length > 0, "the attacker's close", 2_000).catch(() => undefined);
    await barrier(writer, [honest]);
    const receipt = (m: Record<string, unknown>): unknown => (m.receipts as Record<string, unknown>)[LOGGED_INTENT];
    expect(receipt(workerMaps(honest.doc))).toEqual(receipt(expectedWorkerMaps(book)));
    expect(receipt(workerMaps(await storedDoc(book)))).toEqual(receipt(expectedWorkerMaps(book)));
    expect(attacker.closeCodes).toEqual([Code.writeForbidden]);
  });
});

describe("bullet 5: one intent, one key", () => {
  it("refuses an intent whose key is not its id (the same intent under three keys) with 4405", async () => {
    const { book, honest, writer } = await workerBook();
    const d = new Y.Doc();
    Y.applyUpdate(d, Y.encodeStateAsUpdate(honest.doc));
    const id = "0190d5e8-0000-7000-8000-0000000000a1";
    const update = capture(d, () => {
      d.getMap("intents").set(id, validIntent(id, "dev-a"));
      d.getMap("intents").set(`${id}-2`, validIntent(id, "dev-a"));
      d.getMap("intents").set(`${id}-3`, validIntent(id, "dev-a"));
    });
    const outcome = await sendOnce(suite.relay, book, updateFrame(update));
    await barrier(writer, [honest]);
    expect(honest.doc.getMap("intents").toJSON()).toEqual({});
    expect((await storedDoc(book)).getMap("intents").toJSON()).toEqual({});
    expect(outcome).toEqual({ closed: Code.writeForbidden });
  });

  it("refuses mismatched ids however they are encoded (ContentJSON, a repeated `id` key) with 4405", async () => {
    const { book, honest, writer } = await workerBook();
    const key = "0190d5e8-0000-7000-8000-0000000000b1";
    // lib0 `writeAny` of {id: key, id: "other"}: the decoded object keeps the last one.
    const e = new Y.Doc();
    const repeated = craftUpdate({
      groups: [
        {
          client: newClient(),
          clock: 0,
          structs: [
            {
              kind: "item",
              parent: "intents",
              key,
              content: {
                ref: "anyBytes",
                bytes: new Uint8Array([
                  118,
                  2,
                  2,
                  0x69,
                  0x64,
                  119,
                  key.length,
                  ...Buffer.from(key),
                  2,
                  0x69,
                  0x64,
                  119,
                  5,
                  ...Buffer.from("other"),
                ]),
              },
            },
          ],
        },
      ],
    });
    Y.applyUpdate(e, repeated);
    expect((e.getMap("intents").get(key) as { id: string }).id).toBe("other");
    const json = craftUpdate({
      groups: [
        {
          client: newClient(),
          clock: 0,
          structs: [
            {
              kind: "item",
              parent: "intents",
              key,
              content: { ref: "json", texts: [JSON.stringify(validIntent("other", "d"))] },
            },
          ],
        },
      ],
    });
    expect(await sendOnce(suite.relay, book, updateFrame(repeated))).toEqual({ closed: Code.writeForbidden });
    expect(await sendOnce(suite.relay, book, updateFrame(json))).toEqual({ closed: Code.writeForbidden });
    await barrier(writer, [honest]);
    expect(honest.doc.getMap("intents").toJSON()).toEqual({});
    expect((await storedDoc(book)).getMap("intents").toJSON()).toEqual({});
  });

  it("accepts a valid intent, which reaches another device; its key cannot be rewritten, written again or deleted (4405)", async () => {
    const { book, honest, writer } = await workerBook();
    const id = "0190d5e8-0000-7000-8000-0000000000c1";
    const original = validIntent(id, "dev-w");
    writer.doc.getMap("intents").set(id, original);
    await waitUntil(() => honest.doc.getMap("intents").has(id), "the valid intent on the other device");
    expect(honest.doc.getMap("intents").get(id)).toEqual(original);

    // A synced device rewrites it; a device that never saw it writes the same key; one deletes it.
    const synced = new Y.Doc();
    Y.applyUpdate(synced, Y.encodeStateAsUpdate(honest.doc));
    const rewrite = capture(synced, () => synced.getMap("intents").set(id, { ...original, kind: "cancel" }));
    const unsynced = new Y.Doc();
    const again = capture(unsynced, () => unsynced.getMap("intents").set(id, validIntent(id, "dev-x")));
    const deleter = new Y.Doc();
    Y.applyUpdate(deleter, Y.encodeStateAsUpdate(honest.doc));
    const del = capture(deleter, () => deleter.getMap("intents").delete(id));
    const outcomes = [];
    for (const u of [rewrite, again, del]) outcomes.push(await sendOnce(suite.relay, book, updateFrame(u)));
    await barrier(writer, [honest]);
    expect(honest.doc.getMap("intents").toJSON()).toEqual({ [id]: original });
    expect((await device(book)).doc.getMap("intents").toJSON()).toEqual({ [id]: original });
    expect((await storedDoc(book)).getMap("intents").toJSON()).toEqual({ [id]: original });
    expect(outcomes).toEqual([
      { closed: Code.writeForbidden },
      { closed: Code.writeForbidden },
      { closed: Code.writeForbidden },
    ]);
    expect([...honest.closeCodes, ...writer.closeCodes]).toEqual([]);
  });
});
