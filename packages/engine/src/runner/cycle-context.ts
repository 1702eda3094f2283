/**
 * What the steps of one sync cycle share: the doc and port, the clock, the retry policy,
 * fresh reads of the book's state, applying a plan, and the cycle's running counts.
 *
 * Invariants: every read of the doc sees its current content (decoded intents and receipts
 * are shared through one decode cache per cycle); every doc write is a plan applied with
 * origin `salesforce` (`applyPlan`); the counts belong to one cycle and die with it.
 */
import type * as Y from "yjs";
import { type BookDecodeCache, createBookDecodeCache } from "../doc/book-decode.js";
import type { SalesforcePort } from "../port/salesforce-port.js";
import { applyPlan } from "../reconcile/apply.js";
import type { Plan } from "../reconcile/plan-builder.js";
import { type BookState, readBookState } from "../reconcile/state.js";
import type { Retry } from "./retry.js";

/** The receipts and calls one cycle has counted so far. */
export interface CycleCounts {
  applied: number;
  failed: number;
  conflicts: number;
  pushed: number;
  lookups: number;
  foundByLookup: number;
}

/** The shared part of one cycle. */
export interface CycleContext {
  readonly doc: Y.Doc;
  readonly port: SalesforcePort;
  readonly now: () => Date;
  readonly retry: Retry;
  readonly counts: CycleCounts;
  /** The book's state as the doc holds it now. */
  readonly state: () => BookState;
  /** Applies a plan to the doc (one transaction, origin `salesforce`). */
  readonly apply: (p: Plan) => void;
  /** Counts the final receipts of a plan. */
  readonly tally: (p: Plan) => void;
}

/** A fresh context for one cycle over `doc` and `port`. */
export function createCycleContext(doc: Y.Doc, port: SalesforcePort, now: () => Date, retry: Retry): CycleContext {
  const cache: BookDecodeCache = createBookDecodeCache();
  const counts: CycleCounts = { applied: 0, failed: 0, conflicts: 0, pushed: 0, lookups: 0, foundByLookup: 0 };
  return {
    doc,
    port,
    now,
    retry,
    counts,
    state: () => readBookState(doc, { cache }),
    apply: (p) => applyPlan(doc, p),
    tally: (p) => {
      for (const r of p.receipts) {
        if (r.status === "applied") counts.applied++;
        else if (r.status === "failed") counts.failed++;
        else if (r.status === "conflict") counts.conflicts++;
      }
    },
  };
}
