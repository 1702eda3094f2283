/**
 * Property test of the relay's trust boundary: random and crafted hostile updates (deep values,
 * huge counts, oversized strings and values, delete ranges over other clients, missing
 * predecessors, truncated and garbage bytes, writes to worker maps, new roots and nested types,
 * intents with mismatched or existing ids, the worker's client id) thrown at the real relay
 * (real server in a child process, real websockets), mixed with valid traffic from stock
 * y-websocket clients (intents, interactions written, overwritten and deleted, offline edits
 * synced on reconnect).
 *
 * Rules, checked after every run:
 * - "the process never exits": the child is alive and /healthz answers;
 * - "other books keep syncing": a stock client in another book keeps getting its partner's
 *   edits throughout (round trip measured, bounded only generously) and the server's
 *   event-loop delay (`monitorEventLoopDelay` in the server process) stays below the same bound;
 * - "the worker's writes stand": every map the worker wrote through a lease before the run is
 *   unchanged on both honest devices, on a fresh device and in the stored log;
 * - "valid updates converge": the honest devices, a fresh device and the stored log hold the
 *   same intents and interactions, including every intent an honest device wrote, nothing
 *   pending, no key a hostile frame wrote and no root beyond the book's maps;
 * - "honest clients are never refused": no stock client got a close code;
 * - "hostile frames are refused": every frame that breaks a rule is closed with 4405, 4412,
 *   4414 or 4422 (delete ranges, truncations and garbage may be harmless; the rules above hold).
 *
 * The seed is printed; TANDEM_PROP_SEED replays one, TANDEM_PROP_RUNS raises the run count.
 * TANDEM_PROP_KNOWN_BUGS=1 adds the generators of the two reported write-check bugs (a struct
 * the room holds re-sent with an unknown origin; a stock client editing while its first sync is
 * in flight), which broke the rules until the relay was fixed: see the "found while testing"
 * tests in trust-boundary-pending.test.ts and the last two regressions below (they pass now;
 * the flag is still not the default). The hostile generators and the frames they become are
 * in relay-hostile-frames.ts.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { type Hostile, hostileArbitrary, hostileFrame, nextId, type Run } from "./relay-hostile-frames.js";
import {
  Code,
  freshBook,
  type Outcome,
  openStockDevice,
  type StockDevice,
  sendOnce,
  updateFrame,
  waitUntil,
} from "./trust-clients.js";
import {
  DEVICE_MAPS,
  deviceMaps,
  expectedWorkerMaps,
  hasPending,
  replay,
  validIntent,
  validInteraction,
  WORKER_MAPS,
  workerMaps,
  writeWorkerBook,
} from "./trust-fixtures.js";
import { type RelayChild, startRelayChild } from "./trust-relay-child.js";

const numRuns = Number(process.env.TANDEM_PROP_RUNS ?? "20");
const seed = Number(process.env.TANDEM_PROP_SEED ?? Math.floor(Math.random() * 2 ** 31));
const knownBugs = process.env.TANDEM_PROP_KNOWN_BUGS === "1";
/** A generous bound that proves "not frozen", not a performance target (ms). */
const NOT_FROZEN_MS = 5_000;
const REFUSED = [Code.writeForbidden, Code.missingPredecessors, Code.updateTooLarge, Code.malformedFrame];

type Dev = 0 | 1;

const hostile = hostileArbitrary(knownBugs);

const action = fc.oneof(
  { weight: 3, arbitrary: fc.record({ t: fc.constant("hostile" as const), h: hostile }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("intent" as const), dev: fc.constantFrom<Dev>(0, 1) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant("interaction" as const),
      dev: fc.constantFrom<Dev>(0, 1),
      key: fc.nat(3),
      del: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ t: fc.constant("offline" as const), dev: fc.constantFrom<Dev>(0, 1), writes: fc.nat(3) }),
  },
  // Both devices write at once, the same interaction keys included: concurrent valid updates.
  { weight: 1, arbitrary: fc.record({ t: fc.constant("burst" as const), writes: fc.integer({ min: 1, max: 4 }) }) },
  // Offline edits, and one more edit as the socket opens, before the first sync (a known bug).
  ...(knownBugs
    ? [
        {
          weight: 1,
          arbitrary: fc.record({ t: fc.constant("racyReconnect" as const), dev: fc.constantFrom<Dev>(0, 1) }),
        },
      ]
    : []),
);
type Action = typeof action extends fc.Arbitrary<infer T> ? T : never;

let dir: string;
let relay: RelayChild;
/** The other book's ping loop, running for the whole file. */
const pinger = { running: true, count: 0, maxMs: 0, error: undefined as unknown, done: Promise.resolve() };
let loopMaxMs = 0;
/** What the relay did with each kind of hostile frame, over the whole file: kind → outcome → count. */
const seen = new Map<string, Map<string, number>>();
let other: StockDevice[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "tandem-hostile-"));
  relay = await startRelayChild(join(dir, "data"));
  const book = freshBook("P");
  other = [await openStockDevice(relay, book), await openStockDevice(relay, book)];
  const [a, b] = other as [StockDevice, StockDevice];
  pinger.done = (async () => {
    try {
      while (pinger.running) {
        const key = `ping-${pinger.count}`;
        const t0 = performance.now();
        a.doc.getMap("interactions").set(key, validInteraction(key));
        await waitUntil(() => b.doc.getMap("interactions").has(key), `${key} in the other book`, NOT_FROZEN_MS);
        pinger.maxMs = Math.max(pinger.maxMs, performance.now() - t0);
        pinger.count++;
        await new Promise((r) => setTimeout(r, 20));
      }
    } catch (e) {
      pinger.error = e;
    }
  })();
  await relay.loopDelay();
});
afterAll(async () => {
  pinger.running = false;
  await pinger.done;
  for (const d of other) d.destroy();
  console.log(
    `relay-hostile: seed ${seed}, ${numRuns} runs; other book round trip max ${pinger.maxMs.toFixed(1)} ms over ` +
      `${pinger.count} pings; server event-loop delay max ${loopMaxMs.toFixed(1)} ms; hostile outcomes ` +
      JSON.stringify(Object.fromEntries([...seen].map(([k, m]) => [k, Object.fromEntries(m)]))),
  );
  await relay.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function honest(run: Run, a: Exclude<Action, { t: "hostile" }>): Promise<void> {
  const n: Dev = "dev" in a ? a.dev : 0;
  const dev = run.devs[n];
  const writeIntent = (): void => {
    const id = nextId();
    const value = validIntent(id, `dev-${n}`);
    dev.doc.getMap("intents").set(id, value);
    run.intents.set(id, value);
  };
  switch (a.t) {
    case "intent":
      writeIntent();
      return;
    case "interaction": {
      const key = `x-${a.key}`;
      const m = dev.doc.getMap("interactions");
      if (a.del) m.delete(key);
      else m.set(key, { ...validInteraction(key), subject: `from ${a.dev}` });
      return;
    }
    case "burst":
      for (let i = 0; i < a.writes; i++)
        for (const [n, d] of run.devs.entries()) {
          if (i === 0) {
            const id = nextId();
            const value = validIntent(id, `dev-${n}`);
            d.doc.getMap("intents").set(id, value);
            run.intents.set(id, value);
          } else d.doc.getMap("interactions").set(`x-${i}`, { ...validInteraction(`x-${i}`), subject: `burst ${n}` });
        }
      return;
    case "racyReconnect": {
      const onStatus = (e: { status: string }): void => {
        if (e.status === "connected") dev.doc.getMap("interactions").set("x-racy", validInteraction("x-racy"));
      };
      dev.provider.on("status", onStatus);
      try {
        await dev.reconnect(() => dev.doc.getMap("interactions").set("x-offline", validInteraction("x-offline")));
      } finally {
        dev.provider.off("status", onStatus);
      }
      return;
    }
    case "offline":
      await dev.reconnect(() => {
        for (let i = 0; i < a.writes; i++) {
          if (i % 2 === 0) writeIntent();
          else dev.doc.getMap("interactions").set(`x-${i}`, validInteraction(`x-${i}`));
        }
      });
      return;
  }
}

const evilKeys = (doc: Y.Doc): string[] =>
  DEVICE_MAPS.flatMap((m) => [...doc.getMap(m).keys()].filter((k) => k.startsWith("evil")));

let barriers = 0;

async function checkRun(actions: Action[]): Promise<void> {
  const book = freshBook("H");
  const [worker] = await writeWorkerBook(relay, book);
  const devs = [await openStockDevice(relay, book), await openStockDevice(relay, book)] as const;
  const run: Run = { book, devs, worker: worker ?? -1, intents: new Map() };
  const extra: StockDevice[] = [];
  const pingsBefore = pinger.count;
  const refusals: { h: Hostile; out: Outcome }[] = [];
  try {
    for (const a of actions) {
      if (a.t !== "hostile") {
        await honest(run, a);
        // The relay has it once the other device does: a hostile frame after it meets it there.
        const [x, y] = devs;
        await waitUntil(() => isDeepStrictEqual(deviceMaps(x.doc), deviceMaps(y.doc)), `honest ${a.t} on both devices`);
        continue;
      }
      const made = hostileFrame(run, a.h);
      if (made === null) continue;
      const out = await sendOnce(relay, book, made.frame);
      const byKind = seen.get(a.h.k) ?? new Map<string, number>();
      const label = "closed" in out ? String(out.closed) : "accepted";
      byKind.set(label, (byKind.get(label) ?? 0) + 1);
      seen.set(a.h.k, byKind);
      if (made.mustRefuse) refusals.push({ h: a.h, out });
    }
    // Both honest devices' edits are in, and each saw the other's.
    for (const [i, d] of devs.entries()) {
      const key = `barrier-${++barriers}`;
      d.doc.getMap("interactions").set(key, validInteraction(key));
      await waitUntil(
        () => devs.every((o) => o.doc.getMap("interactions").has(key)),
        `device ${i}'s barrier on both devices`,
      );
    }

    // "the process never exits"
    expect(relay.alive(), `relay child alive (stderr: ${relay.stderr().slice(-400)})`).toBe(true);
    expect((await fetch(`${relay.url}/healthz`, { signal: AbortSignal.timeout(NOT_FROZEN_MS) })).status).toBe(200);
    // "honest clients are never refused"
    expect(devs.map((d) => d.closeCodes)).toEqual([[], []]);
    // "hostile frames are refused"
    for (const r of refusals)
      expect({
        h: r.h,
        refused: "closed" in r.out && REFUSED.includes(r.out.closed as (typeof REFUSED)[number]),
      }).toEqual({
        h: r.h,
        refused: true,
      });

    const fresh = await openStockDevice(relay, book);
    extra.push(fresh);
    const stored = replay(await relay.stored(book.room));
    const docs = { a: devs[0].doc, b: devs[1].doc, fresh: fresh.doc, stored };
    // "the worker's writes stand"
    const expected = expectedWorkerMaps(book);
    for (const [name, doc] of Object.entries(docs)) expect({ [name]: workerMaps(doc) }).toEqual({ [name]: expected });
    // "valid updates converge"
    const reference = deviceMaps(devs[0].doc);
    for (const [name, doc] of Object.entries(docs)) {
      expect({ [name]: deviceMaps(doc) }).toEqual({ [name]: reference });
      expect({ [name]: evilKeys(doc) }).toEqual({ [name]: [] });
      expect({ [name]: hasPending(doc) }).toEqual({ [name]: false });
    }
    expect(doc9(stored)).toEqual([]);
    for (const [id, value] of run.intents) expect(devs[0].doc.getMap("intents").get(id)).toEqual(value);

    // "other books keep syncing"
    expect(pinger.error).toBeUndefined();
    expect(other.map((d) => d.closeCodes)).toEqual([[], []]);
    await waitUntil(() => pinger.count > pingsBefore, "a ping in the other book during the run", NOT_FROZEN_MS);
    expect(pinger.maxMs).toBeLessThan(NOT_FROZEN_MS);
    const loop = await relay.loopDelay();
    loopMaxMs = Math.max(loopMaxMs, loop.maxMs);
    expect(loop.maxMs).toBeLessThan(NOT_FROZEN_MS);
  } finally {
    for (const d of [...devs, ...extra]) d.destroy();
  }
}

/** Root types of a document beyond the nine maps of a book. */
function doc9(doc: Y.Doc): string[] {
  const book = new Set([...WORKER_MAPS, ...DEVICE_MAPS]);
  return [...doc.share.keys()].filter((k) => !book.has(k));
}

describe("relay under hostile updates (properties)", () => {
  it("never exits, keeps other books syncing, keeps the worker's writes, converges valid updates and refuses hostile frames", async () => {
    console.log(`relay-hostile: seed ${seed}, numRuns ${numRuns}${knownBugs ? ", known bugs included" : ""}`);
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 10 }), async (actions) => {
        await checkRun(actions);
      }),
      { numRuns, seed, endOnFailure: false, interruptAfterTimeLimit: 120_000, markInterruptAsFailure: true },
    );
  }, 180_000);
});

/**
 * Shrunk counterexamples, as named regressions. The first two were faults of this test's own
 * model (found and fixed here, the relay was right); the last two are the reported write-check
 * bugs, fixed in the relay.
 */
describe("relay under hostile updates (regressions)", () => {
  it("seed 1943392990: an update that only repeats the worker's past deletions, as a stock client's delete set does, is accepted", async () => {
    const book = freshBook("R");
    await writeWorkerBook(relay, book);
    const a = await openStockDevice(relay, book);
    try {
      // No structs; the delete set of everything the device saw deleted: the worker's overwrites.
      const update = Y.encodeStateAsUpdate(a.doc, Y.encodeStateVector(a.doc));
      expect(Y.decodeUpdate(update).ds.clients.size).toBeGreaterThan(0);
      expect(await sendOnce(relay, book, updateFrame(update))).toEqual({ accepted: true });
      expect(workerMaps(replay(await relay.stored(book.room)))).toEqual(expectedWorkerMaps(book));
    } finally {
      a.destroy();
    }
  });

  it("seed 1237650214: both devices writing an intent at once, then an interaction, converge", async () => {
    await checkRun([
      { t: "burst", writes: 1 },
      { t: "interaction", dev: 0, key: 0, del: false },
    ]);
  });

  it("seed 864574687: a struct the room holds, re-sent with an unknown origin, is refused", async () => {
    await checkRun([
      { t: "burst", writes: 1 },
      { t: "hostile", h: { k: "resentWithUnknownOrigin" } },
    ]);
  });

  it("seed 5: a stock client's edit as its socket opens, after offline edits, is not refused", async () => {
    await checkRun([{ t: "racyReconnect", dev: 0 }]);
  });
});
