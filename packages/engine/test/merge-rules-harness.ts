/**
 * What the merge-rules property tests (`merge-rules-*.prop.test.ts`) share: run parameters
 * from `TANDEM_PROP_RUNS` / `TANDEM_PROP_SEED`, the receipt lease they wait out, and driving a
 * book fixture until it is quiet. Test support only: it lives in `test/`, outside the built
 * package.
 *
 * Invariants: the environment is read by the test files and passed in here, so this module
 * reads nothing at import time; a book fixture is taken by its shape.
 */
import { Exit } from "effect";
import * as Y from "yjs";

/** fast-check's run parameters: how many runs, and the seed to replay when one is given. */
export interface PropParams {
  readonly numRuns: number;
  readonly seed?: number;
}

/**
 * The parameters of a property scaled from `runs` (`TANDEM_PROP_RUNS`, default `defaultRuns`);
 * `seed` (`TANDEM_PROP_SEED`) replays a failure whose seed fast-check printed.
 */
export function propParams(
  runs: string | undefined,
  seed: string | undefined,
  defaultRuns: number,
): (scale?: number) => PropParams {
  const total = Number(runs ?? defaultRuns);
  return (scale = 1) => ({
    numRuns: Math.max(1, Math.round(total * scale)),
    ...(seed === undefined ? {} : { seed: Number(seed) }),
  });
}

/** The `sending` lease of the runner (its default): waiting past it ends an attempt in flight. */
export const LEASE = 60_000;

/** The value of a cycle that must succeed. */
export const must = <A, E>(exit: Exit.Exit<A, E>): A => {
  if (Exit.isSuccess(exit)) return exit.value;
  throw new Error(`cycle failed: ${String(exit.cause)}`);
};

/** The part of a `BookFixture` that {@link quiesce} drives. */
export interface SyncedBook {
  readonly clock: { advance(ms: number): void };
  sync(): Promise<Exit.Exit<unknown, unknown>>;
}

/** Syncs until nothing is left to do (no faults queued by then). */
export async function quiesce(f: SyncedBook, cycles = 4): Promise<void> {
  for (let i = 0; i < cycles; i++) {
    f.clock.advance(LEASE + 1);
    must(await f.sync());
  }
}

/** Brings two replicas up to date with each other, as one round trip of a relay would. */
export function exchange(a: Y.Doc, b: Y.Doc): void {
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)));
}
