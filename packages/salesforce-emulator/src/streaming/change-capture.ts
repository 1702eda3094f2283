/**
 * Change Data Capture of committed writes: `run(who, fn)` records the before-image of every
 * record `fn` stores (through the store's observer), and once `fn` returns, turns each net change
 * of a CDC object into change events of one transaction, appends them to the event log and hands
 * them to the Bayeux server.
 *
 * Invariants: a write that was rolled back (a failed call, `allOrNone`) leaves no net change and
 * so no event; a nested `run` joins the outer transaction; events are published only after `fn`
 * has returned, so a throwing call publishes nothing.
 */
import { randomUUID } from "node:crypto";
import type { Org } from "../store/org.js";
import type { SfRecord } from "../store/org-store.js";
import { buildEvents, diffRecord, type RecordChange, type TransactionInfo } from "./change-events.js";
import { CDC_OBJECTS } from "./channels.js";
import type { LoggedEvent } from "./event-log.js";

/** Who made a transaction's changes, and through which API. */
export interface ChangeAuthor {
  readonly userId: string;
  /** `com/salesforce/api/rest/60.0;client=X`, or empty. */
  readonly changeOrigin: string;
}

/** Publishes what a transaction produced. */
export type PublishEvents = (
  events: readonly { entityName: string; data: ReturnType<typeof buildEvents>[number] }[],
) => readonly LoggedEvent[];

/** Captures the changes of writes and publishes them as change events. */
export class ChangeCapture {
  readonly #org: Org;
  readonly #publish: PublishEvents;
  readonly #commitNumbers: () => number;
  #before: Map<string, { object: string; previous: SfRecord | undefined }> | undefined;

  constructor(org: Org, publish: PublishEvents, commitNumbers: () => number) {
    this.#org = org;
    this.#publish = publish;
    this.#commitNumbers = commitNumbers;
  }

  /** Runs `fn` as one transaction of `author`; its committed changes become change events. */
  run<T>(author: ChangeAuthor, fn: () => T): T {
    if (this.#before) return fn();
    const before = new Map<string, { object: string; previous: SfRecord | undefined }>();
    this.#before = before;
    this.#org.store.observe((object, id, previous) => {
      if (!before.has(id) && CDC_OBJECTS.includes(object)) before.set(id, { object, previous });
    });
    let result: T;
    try {
      result = fn();
    } finally {
      this.#org.store.observe(undefined);
      this.#before = undefined;
    }
    this.#commit(author, before);
    return result;
  }

  #commit(author: ChangeAuthor, before: Map<string, { object: string; previous: SfRecord | undefined }>): void {
    const changes: RecordChange[] = [];
    for (const [id, { object, previous }] of before) {
      const def = this.#org.store.schema.object(object);
      if (!def) continue;
      const change = diffRecord(def, previous, this.#org.store.get(object, id));
      if (change) changes.push(change);
    }
    if (changes.length === 0) return;
    const tx: TransactionInfo = {
      transactionKey: randomUUID(),
      commitTimestamp: this.#org.clock.nowMs(),
      commitUser: author.userId,
      commitNumber: this.#commitNumbers(),
      changeOrigin: author.changeOrigin,
    };
    const events = buildEvents(changes, tx);
    this.#publish(events.map((data) => ({ entityName: data.payload.ChangeEventHeader.entityName, data })));
  }
}
