/**
 * Property (issue 18, "the worker trusts nothing in the document"): whatever a device writes
 * into intents, receipts, meta, the mirror maps and interactions — random JSON, broken copies
 * of real intents, one intent under several keys, damaged receipts of sent intents — every
 * cycle completes, every valid logged activity becomes exactly one Task, every invalid intent
 * ends `failed` `INVALID_INTENT`, and the worker's maps are whole again afterwards.
 *
 * The seed is printed; `TANDEM_PROP_SEED` replays one, `TANDEM_PROP_RUNS` raises the run count.
 */
import { Exit } from "effect";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bookMaps, MIRROR_MAP_NAMES } from "../doc/layout.js";
import { validateBook } from "../doc/version.js";
import { uuidv7 } from "../model/uuid.js";
import { IDEMPOTENCY_PREFIX } from "../reconcile/idempotency.js";
import { type BookFixture, createBookFixture } from "../testing/book-fixture.js";

const RUNS = Number(process.env.TANDEM_PROP_RUNS ?? 25);
const SEED = Number(process.env.TANDEM_PROP_SEED ?? Math.floor(Math.random() * 2 ** 31));
const EVIL = "evil-device";

/** What a device may write: any JSON, and a few shapes that look almost right. */
const garbage: fc.Arbitrary<unknown> = fc
  .oneof(
    fc.constant(null),
    fc.boolean(),
    fc.double(),
    fc.string({ maxLength: 30 }),
    fc.jsonValue({ maxDepth: 3 }),
    fc.record({ status: fc.constantFrom("applied", "sending", "pending"), intentId: fc.string({ maxLength: 40 }) }),
    fc.record({ state: fc.constantFrom("idle", "error"), lastError: fc.jsonValue({ maxDepth: 2 }) }),
    fc.record({ Opportunity: fc.oneof(fc.string(), fc.constant("9999-01-01T00:00:00.000Z")) }),
    // Yjs stores plain objects only (fast-check may build them without a prototype).
  )
  .map((v) => (typeof v === "object" && v !== null ? (JSON.parse(JSON.stringify(v)) as unknown) : v));

const LOG_FIELDS = ["id", "kind", "at", "hlc", "device", "opportunityId", "contactId", "activity"] as const;

/** How a broken intent is made from a valid logActivity value. */
const mutant = fc.oneof(
  fc.record({ t: fc.constant("drop" as const), field: fc.constantFrom(...LOG_FIELDS) }),
  fc.record({ t: fc.constant("wrongType" as const), field: fc.constantFrom(...LOG_FIELDS), value: fc.integer() }),
  fc.record({
    t: fc.constant("activity" as const),
    patch: fc.oneof(
      fc.record({ type: fc.string({ maxLength: 8 }).filter((s) => !["call", "email", "meeting", "note"].includes(s)) }),
      fc.record({ occurredAt: fc.constantFrom("2999-01-01T00:00:00.000Z", "yesterday", "") }),
      fc.record({ subject: fc.constantFrom("", "   ", "s".repeat(300)) }),
    ),
  }),
  fc.record({ t: fc.constant("keyMismatch" as const) }),
  fc.record({ t: fc.constant("raw" as const), value: garbage }),
);

const SCHEMA_VERSION_GARBAGE = garbage.filter((v) => !(typeof v === "number" && Number.isInteger(v) && v > 1));

const damage = fc.oneof(
  fc.record({ t: fc.constant("receipt" as const), key: fc.string({ maxLength: 20 }), value: garbage }),
  fc.record({ t: fc.constant("receiptOfValid" as const), pick: fc.nat(), value: garbage }),
  fc.record({
    t: fc.constant("meta" as const),
    key: fc.constantFrom("watermarks", "sync", "orgId", "userId", "junk"),
    value: garbage,
  }),
  fc.record({ t: fc.constant("schemaVersion" as const), value: SCHEMA_VERSION_GARBAGE }),
  fc.record({
    t: fc.constant("mirror" as const),
    map: fc.constantFrom(...MIRROR_MAP_NAMES),
    existing: fc.boolean(),
    key: fc.string({ maxLength: 18 }),
    value: garbage,
  }),
  fc.record({ t: fc.constant("interaction" as const), key: fc.string({ maxLength: 20 }), value: garbage }),
);

type Damage = typeof damage extends fc.Arbitrary<infer D> ? D : never;

let counter = 0;
const freshKey = (f: BookFixture) =>
  uuidv7(
    f.clock.now().getTime(),
    new Uint8Array(10).map(() => ++counter % 256),
  );

function set(f: BookFixture, map: string, key: string, value: unknown): void {
  f.doc.transact(() => f.doc.getMap(map).set(key, value), EVIL);
}

function applyDamage(f: BookFixture, d: Damage, valid: ReadonlyArray<string>): void {
  switch (d.t) {
    case "receipt":
      set(f, "receipts", d.key, d.value);
      break;
    case "receiptOfValid": {
      const key = valid[d.pick % Math.max(1, valid.length)];
      if (key !== undefined) set(f, "receipts", key, d.value);
      break;
    }
    case "meta":
      set(f, "meta", d.key, d.value);
      break;
    case "schemaVersion":
      set(f, "meta", "schemaVersion", d.value);
      break;
    case "mirror": {
      const keys = [...bookMaps(f.doc)[d.map].keys()];
      const key = d.existing && keys.length > 0 ? (keys[d.key.length % keys.length] ?? d.key) : d.key;
      set(f, d.map, key, d.value);
      break;
    }
    case "interaction":
      set(f, "interactions", d.key, d.value);
      break;
  }
}

describe("worker trust (issue 18)", () => {
  it("garbage anywhere in the document: every cycle completes, valid intents become one Task each, invalid ones fail INVALID_INTENT", async () => {
    console.log(`runner-trust: seed ${SEED}, ${RUNS} runs`);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3 }),
        fc.array(mutant, { maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 2 }),
        fc.array(damage, { maxLength: 8 }),
        fc.array(damage, { maxLength: 6 }),
        async (validCount, mutants, duplicates, before, after) => {
          const f = createBookFixture();
          const cycle = async () => {
            f.clock.advance(61_000);
            const exit = await f.sync();
            if (Exit.isFailure(exit)) throw new Error(`the cycle failed: ${String(exit.cause)}`);
          };
          await cycle();

          const device = f.device("phone");
          const valid: string[] = [];
          const template = () => {
            const logged = device.logActivity({ opportunityId: f.ids.opp, contactId: f.ids.bob, type: "call" });
            if (!logged.ok) throw logged.error;
            return logged.value;
          };
          for (let i = 0; i < validCount; i++) valid.push(template().id);
          const invalid: string[] = [];
          for (const m of mutants) {
            // A broken copy of a real intent, which the doc never holds under its own id.
            const base: Record<string, unknown> = { ...template() };
            bookMaps(f.doc).intents.delete(base.id as string);
            let key = base.id as string;
            if (m.t === "drop") delete base[m.field];
            else if (m.t === "wrongType") base[m.field] = m.value;
            else if (m.t === "activity") base.activity = { ...(base.activity as object), ...m.patch };
            else if (m.t === "keyMismatch") key = freshKey(f);
            if (m.t === "raw") {
              key = freshKey(f);
              set(f, "intents", key, m.value);
            } else set(f, "intents", key, base);
            invalid.push(key);
          }
          for (const pick of duplicates) {
            const of = valid[pick % valid.length] ?? "";
            const key = freshKey(f);
            set(f, "intents", key, bookMaps(f.doc).intents.get(of));
            invalid.push(key);
          }
          for (const d of before) applyDamage(f, d, valid);
          for (let i = 0; i < 3; i++) await cycle();
          // Damage after the sends: a lost receipt must not send again.
          for (const d of after) applyDamage(f, d, valid);
          for (let i = 0; i < 2; i++) await cycle();

          const maps = bookMaps(f.doc);
          for (const id of valid) {
            const tasks = [...f.org.activities.values()].filter(
              (a) => a.idempotencyKey === `${IDEMPOTENCY_PREFIX}${id}`,
            );
            expect(tasks, `intent ${id}`).toHaveLength(1);
            expect(maps.receipts.get(id)).toMatchObject({ status: "applied", salesforceId: tasks[0]?.Id });
          }
          expect([...f.org.activities.values()].filter((a) => a.idempotencyKey !== null)).toHaveLength(valid.length);
          for (const key of invalid) {
            expect(maps.receipts.get(key), `key ${key}`).toMatchObject({
              intentId: key,
              status: "failed",
              error: { code: "INVALID_INTENT" },
            });
          }
          // The worker's maps are whole again: the mirror decodes, the meta is current.
          const issues = validateBook(f.doc, 1000).filter(
            (i) => (MIRROR_MAP_NAMES as ReadonlyArray<string>).includes(i.map) || i.map === "meta",
          );
          expect(issues).toEqual([]);
          expect([...maps.opportunities.keys()].sort()).toEqual([f.ids.opp, f.ids.opp2].sort());
          expect(maps.contacts.size).toBe(3);
          expect(maps.meta.get("schemaVersion")).toBe(1);
          expect(maps.meta.get("userId")).toBe(f.user);
          expect(maps.meta.get("sync")).toMatchObject({ state: "idle", lastError: null });
        },
      ),
      { numRuns: RUNS, seed: SEED },
    );
  }, 120_000);
});
