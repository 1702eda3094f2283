/**
 * The shape of a plan (what one reconcile step changes) and the builder every planning step
 * writes into.
 *
 * Invariants: `transition` moves a receipt only forward (`canTransition`); each intent gets
 * at most one receipt value per plan (a later transition replaces the earlier one); a
 * `sending` transition counts one more attempt; `statusOf` reads the plan's own transitions
 * before the book's receipts, so the steps of one plan see each other's outcomes.
 */

import type { MetaKey, MirrorMapName } from "../doc/layout.js";
import type { Receipt, ReceiptStatus } from "../model/schemas.js";
import { canTransition } from "../model/schemas.js";
import type { IdempotencyKey, SalesforceWrite } from "../port/salesforce-port.js";
import type { BookState } from "./state.js";

/** One mirror upsert. */
export interface MirrorUpsert {
  readonly map: MirrorMapName;
  readonly id: string;
  readonly value: object;
}

/** One mirror delete. */
export interface MirrorDelete {
  readonly map: MirrorMapName;
  readonly id: string;
}

/** A createTask whose earlier attempt may have committed: look its key up before pushing. */
export interface PlannedLookup {
  readonly intentId: string;
  readonly key: IdempotencyKey;
}

/** Everything one reconcile step changes. */
export interface Plan {
  readonly upserts: ReadonlyArray<MirrorUpsert>;
  readonly deletes: ReadonlyArray<MirrorDelete>;
  /** New receipt values (each a forward transition). */
  readonly receipts: ReadonlyArray<Receipt>;
  /** Writes to push, in order, after the `sending` receipts are durable. */
  readonly writes: ReadonlyArray<SalesforceWrite>;
  /** Keys to look up before pushing the createTask writes of the same intents. */
  readonly lookups: ReadonlyArray<PlannedLookup>;
  readonly meta: ReadonlyArray<{ readonly key: MetaKey; readonly value: unknown }>;
}

/** An empty plan. */
export const EMPTY_PLAN: Plan = { upserts: [], deletes: [], receipts: [], writes: [], lookups: [], meta: [] };

/** True when applying the plan would change nothing and push nothing. */
export function isEmptyPlan(p: Plan): boolean {
  return (
    p.upserts.length === 0 &&
    p.deletes.length === 0 &&
    p.receipts.length === 0 &&
    p.writes.length === 0 &&
    p.lookups.length === 0 &&
    p.meta.length === 0
  );
}

/** Collects one plan; internal to the reconcile folder. */
export class PlanBuilder {
  readonly upserts: MirrorUpsert[] = [];
  readonly deletes: MirrorDelete[] = [];
  readonly receipts = new Map<string, Receipt>();
  readonly writes: SalesforceWrite[] = [];
  readonly lookups: PlannedLookup[] = [];
  readonly meta: Array<{ key: MetaKey; value: unknown }> = [];

  constructor(
    private readonly state: BookState,
    private readonly now: string,
  ) {}

  statusOf(intentId: string): ReceiptStatus {
    return this.receipts.get(intentId)?.status ?? this.state.receipts.get(intentId)?.status ?? "pending";
  }

  transition(intentId: string, status: ReceiptStatus, extra: Partial<Omit<Receipt, "intentId" | "status">> = {}): void {
    const current = this.receipts.get(intentId) ?? this.state.receipts.get(intentId);
    if (!canTransition(current?.status, status)) return;
    const attempts = (current?.attempts ?? 0) + (status === "sending" ? 1 : 0);
    const next: Receipt = {
      intentId,
      status,
      attempts,
      updatedAt: this.now,
      ...(current?.salesforceId !== undefined ? { salesforceId: current.salesforceId } : {}),
      ...extra,
    };
    this.receipts.set(intentId, next);
  }

  build(): Plan {
    return {
      upserts: this.upserts,
      deletes: this.deletes,
      receipts: [...this.receipts.values()],
      writes: this.writes,
      lookups: this.lookups,
      meta: this.meta,
    };
  }
}
