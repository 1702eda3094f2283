/**
 * What the relay's write check costs per update, beside what applying the same update costs:
 * decoding (`decodeUpdateV1`) plus `checkDeviceUpdate` against the room, and `Y.applyUpdate`
 * of the same bytes to a copy of the room, in one process, each the median of
 * TANDEM_BENCH_CHECK_REPEAT (default 9) runs after a warm-up. Two updates a device sends:
 * a new intent (what every logged call is), and a device's sync step 2 to a book of
 * TANDEM_BENCH_RECORDS (default 50,000) records that the worker wrote three times, so its
 * delete set covers 100,000 deleted records the check walks. The relay-level cost (fan-out
 * and 500 rooms, with and without the check) is in `bench/run.ts` (peer `tandem-unchecked`).
 * Prints `BENCH {…}` lines.
 */
import * as Y from "yjs";
import { decodeUpdateV1 } from "../src/relay/validate-update.js";
import { checkDeviceUpdate, WriteGuard } from "../src/relay/write-check.js";

const RECORDS = Number(process.env.TANDEM_BENCH_RECORDS ?? "50000");
const REPEAT = Number(process.env.TANDEM_BENCH_CHECK_REPEAT ?? "9");

function bench(name: string, value: number, unit: string, peer: string, note: string): void {
  const row = { suite: "relay write check", name, value: Number(value.toPrecision(4)), unit, peer, note };
  console.log(`BENCH ${JSON.stringify(row)}`);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

/** A book room: `records` opportunities the worker wrote three times (two values each deleted). */
function bookRoom(records: number): Y.Doc {
  const room = new Y.Doc();
  const opps = room.getMap("opportunities");
  for (let round = 0; round < 3; round++) {
    room.transact(() => {
      for (let i = 0; i < records; i++) {
        const Id = `006${String(i).padStart(15, "0")}`;
        opps.set(Id, { Id, Name: `Opportunity ${i}`, Amount: 1000 * round + i, StageName: "Prospecting" });
      }
    }, "salesforce");
  }
  return room;
}

/** Times the check and the apply of each update in turn (medians, after a warm-up of one). */
function measure(label: string, room: Y.Doc, updates: readonly Uint8Array[], target: () => Y.Doc): void {
  const guard = new WriteGuard(room);
  guard.noteServerClient(room.clientID);
  const checks: number[] = [];
  const applies: number[] = [];
  for (const update of updates) {
    let t = performance.now();
    const v = checkDeviceUpdate(room, guard, decodeUpdateV1(update));
    checks.push(performance.now() - t);
    if (!v.ok) throw new Error(`${label}: the check refused an honest update (${v.reason})`);
    const doc = target();
    t = performance.now();
    Y.applyUpdate(doc, update);
    applies.push(performance.now() - t);
  }
  const note = `${updates[0]?.length ?? 0} bytes; median of ${updates.length - 1} after a warm-up, one process`;
  bench(`${label}: decode + check`, median(checks.slice(1)) * 1000, "µs", "tandem", note);
  bench(`${label}: Y.applyUpdate of the same update`, median(applies.slice(1)) * 1000, "µs", "tandem-unchecked", note);
}

const room = bookRoom(RECORDS);
const base = Y.encodeStateAsUpdate(room);
const copy = (): Y.Doc => {
  const d = new Y.Doc();
  Y.applyUpdate(d, base);
  return d;
};

// Every logged call: one new intent, each from a device of its own (so each applies anew).
const intents = Array.from({ length: REPEAT * 100 + 1 }, (_, i) => {
  const device = new Y.Doc();
  const id = `0190a0b0-0000-7000-8000-${String(i).padStart(12, "0")}`;
  device.getMap("intents").set(id, {
    id,
    kind: "logActivity",
    at: "2026-12-07T10:00:00.000Z",
    hlc: "0000001733565600000-0000-dev",
    device: "dev",
    opportunityId: "006000000000000001",
    contactId: "003000000000000001",
    activity: { type: "call", description: "Talked about the renewal.", occurredAt: "2026-12-07T09:30:00.000Z" },
  });
  return Y.encodeStateAsUpdate(device);
});
const shared = copy();
measure("one new intent", room, intents, () => shared);

// A device that holds the whole book reconnects with two intents of its own.
const device = copy();
device.getMap("intents").set("i1", { id: "i1", kind: "cancel", intentId: "x" });
device.getMap("intents").set("i2", { id: "i2", kind: "cancel", intentId: "y" });
const step2 = Y.encodeStateAsUpdate(device, Y.encodeStateVector(room));
measure(
  `sync step 2 to a book of ${RECORDS.toLocaleString("en-US")} records written 3 times`,
  room,
  Array.from({ length: REPEAT + 1 }, () => step2),
  copy,
);
