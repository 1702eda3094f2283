/**
 * The relay's trust boundary, issue 18's relay bullets, against the real server in a child
 * process (file store, restartable): each attack is the frame a tester sent before the write
 * check existed, sent over a raw socket (or by a stock client), and each test checks what a user
 * would notice: the close code the attacker gets, that the process lives, that honest stock
 * devices in the book and in another book keep syncing, and that nothing of the attack reaches
 * another device or the stored log.
 *
 * 1. a deep value (ContentJSON and ContentAny) is refused with 4414; the book still encodes for
 *    a new device, before and after a restart; a log that already holds one (stored before the
 *    fix) is contained by the room registry (4500, then 4503), the process carries on;
 * 2. a delete-set range over the worker's clocks is refused (4412 beyond them, 4405 within);
 * 3. updates whose predecessors never arrive are refused with 4412 and /healthz stays fast;
 * 4. device writes to worker maps (a forged receipt, a changed Amount) are refused with 4405;
 * 5. an intent whose key is not its id, or whose key exists, is refused with 4405; a valid
 *    intent reaches the other devices.
 * Last, two write-check bugs these tests found, marked `.fails` until the relay is fixed.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import * as Y from "yjs";
import { connectProvider } from "./helpers.js";
import {
  ACC,
  Code,
  capture,
  craftUpdate,
  deepAnyBytes,
  deepJsonText,
  emptyStep1Frame,
  expectedWorkerMaps,
  freshBook,
  hasPending,
  LOGGED_INTENT,
  OPP,
  openRaw,
  openStockDevice,
  type RelayChild,
  replay,
  type StockDevice,
  sendOnce,
  startRelayChild,
  updateFrame,
  validIntent,
  validInteraction,
  waitUntil,
  workerMaps,
  writeWorkerBook,
} from "./trust-helpers.js";

/** A generous bound that proves "not frozen", not a performance target (ms). */
const NOT_FROZEN_MS = 5_000;

let dir: string;
let relay: RelayChild;
const restarts: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "tandem-trust-"));
  relay = await startRelayChild(join(dir, "data"));
});
afterAll(async () => {
  await relay.stop();
  rmSync(dir, { recursive: true, force: true });
});
// A test that took the process down leaves the next one a restarted server (and says so).
beforeEach(async () => {
  if (!relay.alive()) {
    restarts.push(await relay.exited);
    relay = await startRelayChild(join(dir, "data"));
  }
});

type Book = ReturnType<typeof freshBook>;
const opened: StockDevice[] = [];

async function device(book: Book, doc?: Y.Doc): Promise<StockDevice> {
  const d = await openStockDevice(relay, book, doc);
  opened.push(d);
  return d;
}

afterEach(() => {
  for (const d of opened.splice(0)) d.destroy();
});

/** A book the worker wrote, with an honest device and a second one that writes barriers. */
async function workerBook(): Promise<{ book: Book; honest: StockDevice; writer: StockDevice; worker: number[] }> {
  const book = freshBook("B");
  const worker = await writeWorkerBook(relay, book);
  const honest = await device(book);
  const writer = await device(book);
  return { book, honest, writer, worker };
}

let barriers = 0;
/**
 * A valid interaction from `writer`, awaited on every observer: whatever the relay accepted
 * before it has reached them too (one room's commits are broadcast in order).
 */
async function barrier(writer: StockDevice, observers: StockDevice[]): Promise<void> {
  const key = `barrier-${++barriers}`;
  writer.doc.getMap("interactions").set(key, validInteraction(key));
  await waitUntil(() => observers.every((o) => o.doc.getMap("interactions").has(key)), `${key} on every device`);
}

/** Another book's two devices: one writes, the other must see it. Returns the round trip (ms). */
async function otherBookSyncs(a: StockDevice, b: StockDevice): Promise<number> {
  const key = `ping-${++barriers}`;
  const started = performance.now();
  a.doc.getMap("interactions").set(key, validInteraction(key));
  await waitUntil(() => b.doc.getMap("interactions").has(key), `${key} in the other book`, NOT_FROZEN_MS);
  return performance.now() - started;
}

async function healthz(): Promise<number> {
  const res = await fetch(`${relay.url}/healthz`, { signal: AbortSignal.timeout(NOT_FROZEN_MS) });
  return res.status;
}

/** The stored log of `book`, replayed. */
async function storedDoc(book: Book): Promise<Y.Doc> {
  return replay(await relay.stored(book.room));
}

/** A fresh client id for a hand-made update (not one the room has seen). */
let nextClient = 900_000;
const newClient = (): number => nextClient++;

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
      const storedBefore = (await relay.stored(book.room)).length;
      const frame = updateFrame(craftUpdate({ groups: [{ client: newClient(), clock: 0, structs: [c.content()] }] }));
      const outcome = await sendOnce(relay, book, frame);
      // A new device's sync step 1 re-encodes the room: what threw outside any handler before.
      const late = await device(book);
      expect(relay.alive(), `process alive (stderr: ${relay.stderr().slice(-400)})`).toBe(true);
      expect(await healthz()).toBe(200);
      expect(late.doc.getMap("interactions").has("x-deep")).toBe(false);
      expect(workerMaps(late.doc)).toEqual(expectedWorkerMaps(book));
      await barrier(writer, [honest, late]);
      expect(honest.doc.getMap("interactions").has("x-deep")).toBe(false);
      expect(await otherBookSyncs(o1, o2)).toBeLessThan(NOT_FROZEN_MS);
      const stored = await relay.stored(book.room);
      expect(replay(stored).getMap("interactions").has("x-deep")).toBe(false);
      // Only the barrier was stored after the refused frame.
      expect(stored.length).toBe(storedBefore + 1);
      expect(outcome).toEqual({ closed: Code.updateTooLarge });
      expect([...honest.closeCodes, ...late.closeCodes, ...o1.closeCodes]).toEqual([]);
    });
  }

  it("after a restart, a book that was sent a deep value loads and syncs (nothing of it was stored)", async () => {
    const { book } = await workerBook();
    await sendOnce(relay, book, updateFrame(deepInteraction()));
    for (const d of opened.splice(0)) d.destroy();
    await relay.stop();
    relay = await startRelayChild(join(dir, "data"));
    const late = await device(book);
    expect(relay.alive(), `process alive (stderr: ${relay.stderr().slice(-400)})`).toBe(true);
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
    await relay.appendStored(book.room, [poisoned]);
    const codes: number[] = [];
    // A device that has nothing: the relay must encode the whole room for it, which throws.
    for (let attempt = 0; attempt < 5 && codes.at(-1) !== Code.roomQuarantined; attempt++) {
      const ws = new WebSocket(
        `${relay.url.replace(/^http/, "ws")}/sync/${book.room}?ticket=${await relay.ticket(book.orgId, book.userId)}`,
      );
      ws.on("error", () => undefined);
      ws.on("open", () => ws.send(emptyStep1Frame()));
      codes.push(await new Promise<number>((resolve) => ws.once("close", (code) => resolve(code))));
    }
    expect(relay.alive(), `process alive (stderr: ${relay.stderr().slice(-400)})`).toBe(true);
    expect(await healthz()).toBe(200);
    expect(await otherBookSyncs(o1, o2)).toBeLessThan(NOT_FROZEN_MS);
    expect(codes[0]).toBe(Code.roomFailure);
    expect(codes.at(-1)).toBe(Code.roomQuarantined);
    expect(codes.every((c) => c === Code.roomFailure || c === Code.roomQuarantined)).toBe(true);
    // The log is kept as it was, for inspection.
    expect(await relay.stored(book.room)).toEqual([poisoned]);
  });
});

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
      const outcome = await sendOnce(relay, book, frame);
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

describe("bullet 3: updates that can never integrate cannot freeze the server", () => {
  it("refuses ~2 MB of updates whose first part is withheld with 4412 while /healthz and another book stay responsive", async () => {
    const { book, honest, writer } = await workerBook();
    const other = freshBook("O");
    const o1 = await device(other);
    const o2 = await device(other);
    // A device whose first write never reaches the relay; each later write depends on it. Many
    // small updates: a relay that holds them pending re-merges the growing pending set with each.
    const d = new Y.Doc();
    capture(d, () => d.getMap("interactions").set("p-0", validInteraction("p-0")));
    const updates: Uint8Array[] = [];
    d.on("update", (u: Uint8Array) => updates.push(u));
    const padding = "x".repeat(120);
    for (let k = 1; k <= 10_000; k++) {
      const key = `p-${k}`;
      d.getMap("interactions").set(key, { ...validInteraction(key), subject: padding });
    }
    const bytes = updates.reduce((n, u) => n + u.length, 0);
    expect(bytes).toBeGreaterThan(2_000_000);

    let attacking = true;
    let healthMax = 0;
    let syncMax = 0;
    let probes = 0;
    let frozen: unknown;
    const probe = (async () => {
      try {
        while (attacking) {
          const t0 = performance.now();
          expect(await healthz()).toBe(200);
          healthMax = Math.max(healthMax, performance.now() - t0);
          syncMax = Math.max(syncMax, await otherBookSyncs(o1, o2));
          probes++;
        }
      } catch (e) {
        frozen = e;
      }
    })();
    const outcomes = new Map<string, number>();
    try {
      // 500 updates per socket (within the per-connection burst): a relay that refuses closes
      // the socket after the first, so the rest never reach it.
      for (let i = 0; i < updates.length && frozen === undefined; i += 500) {
        const raw = await openRaw(relay, book);
        const out = await Promise.race([
          raw.send(...updates.slice(i, i + 500).map(updateFrame)),
          probe.then(() => ({ frozen: true }) as const),
        ]);
        const label = "closed" in out ? String(out.closed) : "accepted" in out ? "accepted" : "frozen";
        outcomes.set(label, (outcomes.get(label) ?? 0) + 1);
        raw.close();
      }
    } finally {
      attacking = false;
    }
    await probe;
    console.log(
      `bullet 3: ${bytes} bytes in ${updates.length} updates; /healthz max ${healthMax.toFixed(1)} ms, ` +
        `other book round trip max ${syncMax.toFixed(1)} ms over ${probes} probes; outcomes per socket ${JSON.stringify([...outcomes])}`,
    );
    if (frozen !== undefined) {
      // Frozen: leave the next test a fresh server rather than one still grinding.
      relay.child.kill("SIGKILL");
      throw new Error(`the server froze under the attack: ${String(frozen)}`);
    }
    expect(probes).toBeGreaterThan(0);
    expect(relay.alive()).toBe(true);
    await barrier(writer, [honest]);
    const pKeys = (doc: Y.Doc): string[] => [...doc.getMap("interactions").keys()].filter((k) => k.startsWith("p-"));
    expect(pKeys(honest.doc)).toEqual([]);
    expect(hasPending(honest.doc)).toBe(false);
    const stored = await storedDoc(book);
    expect(pKeys(stored)).toEqual([]);
    expect(hasPending(stored)).toBe(false);
    expect([...outcomes]).toEqual([[String(Code.missingPredecessors), updates.length / 500]]);
    expect(honest.closeCodes).toEqual([]);
  });
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
      const outcome = await sendOnce(relay, book, updateFrame(update));
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
    const outcome = await sendOnce(relay, book, updateFrame(update));
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
    expect(await sendOnce(relay, book, updateFrame(repeated))).toEqual({ closed: Code.writeForbidden });
    expect(await sendOnce(relay, book, updateFrame(json))).toEqual({ closed: Code.writeForbidden });
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
    for (const u of [rewrite, again, del]) outcomes.push(await sendOnce(relay, book, updateFrame(u)));
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

/**
 * Write-check bugs found by these tests, reported (src is not changed here). Each test states
 * the behaviour a user needs and is marked `.fails` while the bug stands: once the relay is
 * fixed it starts failing, and `.fails` comes off.
 */
describe("found while testing: reported write-check bugs", () => {
  it("a struct the room holds, re-sent with an origin it never saw, is refused (4412) and reaches no device", async () => {
    const { book, honest, writer } = await workerBook();
    await barrier(writer, [honest]);
    // The writer's first struct (clock 0) is in the room; Yjs still resolves the origin of a
    // struct it already has before skipping it, so an unknown origin leaves the update pending.
    const frame = updateFrame(
      craftUpdate({
        groups: [
          {
            client: writer.doc.clientID,
            clock: 0,
            structs: [{ kind: "item", origin: [424_242, 7], content: { ref: "any", values: [{ id: "evil" }] } }],
          },
        ],
      }),
    );
    const storedBefore = (await relay.stored(book.room)).length;
    const outcome = await sendOnce(relay, book, frame);
    await barrier(writer, [honest]);
    expect(hasPending(honest.doc), "the honest device holds the update pending").toBe(false);
    expect((await relay.stored(book.room)).length, "only the barrier was stored").toBe(storedBefore + 1);
    expect(outcome).toEqual({ closed: Code.missingPredecessors });
  });

  it("a stock client with offline edits that edits again while its first sync is in flight is not refused", async () => {
    const { book, honest } = await workerBook();
    const doc = new Y.Doc();
    doc.getMap("interactions").set("offline-1", validInteraction("offline-1"));
    const provider = connectProvider(relay.url, book.room, doc, await relay.ticket(book.orgId, book.userId));
    const codes: number[] = [];
    provider.on("connection-close", (e) => {
      if (e) codes.push(e.code);
    });
    // The socket is open, the relay's sync step 1 not yet answered: the stock client sends the
    // new edit as an update whose clock follows the offline edits its step 2 will carry.
    provider.on("status", (e) => {
      if (e.status === "connected") doc.getMap("interactions").set("online-1", validInteraction("online-1"));
    });
    try {
      await waitUntil(
        () => honest.doc.getMap("interactions").has("online-1") || codes.length > 0,
        "the edits on the other device, or a close",
      );
      expect(codes, "close codes the honest stock client got").toEqual([]);
      await waitUntil(() => honest.doc.getMap("interactions").has("offline-1"), "the offline edit on the other device");
    } finally {
      provider.destroy();
    }
  });
});

afterAll(() => {
  if (restarts.length > 0) console.log(`relay child restarted after: ${restarts.join(", ")}`);
});
