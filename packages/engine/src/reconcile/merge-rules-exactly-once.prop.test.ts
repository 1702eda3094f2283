/**
 * Merge rule 3 of docs/architecture.md, "Merge rules": exactly-once write-back, driven through
 * the real pieces (device API, a second replica, the runner, racing workers and the fake port
 * with faults and simulated crashes), with its shrunk counterexamples kept as regressions.
 * `TANDEM_PROP_RUNS` raises the number of runs; `TANDEM_PROP_SEED` replays a failure (fast-check
 * prints the seed and path of every failure).
 */
import { Effect, Exit } from "effect";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { exchange, LEASE, must, propParams, quiesce } from "../../test/merge-rules-harness.js";
import { bookMaps } from "../doc/layout.js";
import type { SalesforcePort } from "../port/salesforce-port.js";
import { runCycle } from "../runner/runner.js";
import { type BookFixture, createBookFixture } from "../testing/book-fixture.js";
import type { FaultKind, PortOperation } from "../testing/faulty-port.js";
import { idempotencyKeyFor } from "./idempotency.js";

const params = propParams(process.env.TANDEM_PROP_RUNS, process.env.TANDEM_PROP_SEED, 15);

describe("merge rules (docs/architecture.md)", () => {
  it("rule 3, exactly-once: each logged activity becomes exactly one Task across faults, crashes, races and expired tokens", async () => {
    const fault = fc.record({
      op: fc.constantFrom<PortOperation>("pullScope", "pullActivities", "push", "lookup"),
      kind: fc.constantFrom<FaultKind>("lost-response", "row-locked", "rate-limited", "session-expired", "unavailable"),
      count: fc.integer({ min: 1, max: 5 }),
    });
    const crash = fc.constantFrom(
      "none",
      "before-persist",
      "after-persist",
      "before-push",
      "after-push",
      "after-lookup",
      "after-pull",
    );
    const round = fc.record({ faults: fc.array(fault, { maxLength: 2 }), crash, race: fc.boolean(), log: fc.nat(2) });
    await fc.assert(
      fc.asyncProperty(fc.array(round, { minLength: 1, maxLength: 6 }), (rounds) => exactlyOnceScenario(rounds)),
      params(),
    );
  });

  // Shrunk counterexamples, kept as named regressions.
  it("regression: a crash right after a committed push is resolved by lookup, not a second Task", () =>
    exactlyOnceScenario([
      { faults: [], crash: "after-push", race: false, log: 1 },
      { faults: [], crash: "none", race: false, log: 0 },
    ]));

  it("regression: two racing workers with an expired session on push create one Task", () =>
    exactlyOnceScenario([
      { faults: [{ op: "push", kind: "session-expired", count: 1 }], crash: "none", race: true, log: 1 },
    ]));
});

function persistHookSafe(f: BookFixture) {
  return (doc: Y.Doc) =>
    Effect.sync(() => {
      f.disk = Y.encodeStateAsUpdate(doc);
    });
}

interface Round {
  readonly faults: ReadonlyArray<{ readonly op: PortOperation; readonly kind: FaultKind; readonly count: number }>;
  readonly crash: string;
  readonly race: boolean;
  readonly log: number;
}

/** Logs activities and runs worker cycles under faults, crashes and races; then checks exactly-once. */
async function exactlyOnceScenario(rounds: ReadonlyArray<Round>): Promise<void> {
  const f = createBookFixture();
  must(await f.sync());
  // The device's replica: intents survive a worker crash there, as on a real device.
  const deviceDoc = new Y.Doc();
  Y.applyUpdate(deviceDoc, Y.encodeStateAsUpdate(f.doc));
  const device = f.device("phone", deviceDoc);
  const intents: string[] = [];
  const crashing = (point: string): { port: SalesforcePort; crashed: () => boolean } => {
    let crashed = false;
    const die = () => {
      crashed = true;
      return Effect.die(new Error(`simulated crash ${point}`));
    };
    const around =
      <I, A, E>(op: string, run: (i: I) => Effect.Effect<A, E>) =>
      (i: I): Effect.Effect<A, E> =>
        Effect.gen(function* () {
          if (point === `before-${op}` && !crashed) return yield* die();
          const a = yield* run(i);
          if (point === `after-${op}` && !crashed) return yield* die();
          return a;
        });
    return {
      port: {
        pullScope: around("pull", f.port.pullScope),
        pullActivities: f.port.pullActivities,
        push: around("push", f.port.push),
        lookup: around("lookup", f.port.lookup),
        usage: f.port.usage,
      },
      crashed: () => crashed,
    };
  };
  for (const r of rounds) {
    for (let i = 0; i < r.log; i++) {
      const res = device.logActivity({ opportunityId: f.ids.opp, contactId: f.ids.ada, type: "call" });
      if (res.ok) intents.push(res.value.id);
    }
    exchange(deviceDoc, f.doc);
    for (const x of r.faults) f.port.inject(x.op, x.kind, x.count);
    f.clock.advance(1000);
    const c = crashing(r.crash);
    const persistHook = (doc: Y.Doc) =>
      Effect.gen(function* () {
        if (r.crash === "before-persist") return yield* Effect.die(new Error("crash before persist"));
        f.disk = Y.encodeStateAsUpdate(doc);
        if (r.crash === "after-persist") return yield* Effect.die(new Error("crash after persist"));
      });
    if (r.race) {
      // A second worker on another replica, kept in sync with the first as a relay would.
      const other = new Y.Doc();
      Y.applyUpdate(other, Y.encodeStateAsUpdate(f.doc));
      const link = (to: Y.Doc) => (u: Uint8Array, origin: unknown) => {
        if (origin !== "link") Y.applyUpdate(to, u, "link");
      };
      const ab = link(other);
      const ba = link(f.doc);
      f.doc.on("update", ab);
      other.on("update", ba);
      const yieldy = (p: SalesforcePort): SalesforcePort => ({
        pullScope: (x) => Effect.andThen(Effect.yieldNow, p.pullScope(x)),
        pullActivities: (x) => Effect.andThen(Effect.yieldNow, p.pullActivities(x)),
        push: (x) => Effect.andThen(Effect.yieldNow, p.push(x)),
        lookup: (x) => Effect.andThen(Effect.yieldNow, p.lookup(x)),
        usage: p.usage,
      });
      const common = { userId: f.user, now: f.clock.now, random: f.random, retry: { baseMs: 0, times: 3 } };
      await Effect.runPromise(
        Effect.all(
          [
            Effect.exit(runCycle({ ...common, doc: f.doc, port: yieldy(f.port), beforeWrite: persistHookSafe(f) })),
            Effect.exit(runCycle({ ...common, doc: other, port: yieldy(f.port), beforeWrite: () => Effect.void })),
          ],
          { concurrency: 2 },
        ),
      );
      f.doc.off("update", ab);
      other.off("update", ba);
    } else {
      const exit = await f.sync({ port: c.port, beforeWrite: persistHook });
      const died = Exit.isFailure(exit) && (c.crashed() || r.crash.endsWith("persist"));
      if (died) {
        f.crash();
        f.clock.advance(LEASE + 1);
      }
    }
    exchange(deviceDoc, f.doc);
  }
  f.port.clear();
  exchange(deviceDoc, f.doc);
  await quiesce(f, 5);
  const receipts = bookMaps(f.doc).receipts;
  for (const id of intents) {
    const tasks = [...f.org.activities.values()].filter((a) => a.idempotencyKey === idempotencyKeyFor(id));
    expect(tasks).toHaveLength(1);
    expect(receipts.get(id)).toMatchObject({ status: "applied", salesforceId: tasks[0]?.Id });
  }
}
