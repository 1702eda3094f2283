/**
 * The worker does not trust a device's clock check (issue 20, "Bad dates are accepted"): a
 * logged activity written straight into the document with an `occurredAt` beyond the clock
 * skew ends `failed` `INVALID_INTENT` and creates no Task; one within the skew is sent.
 */
import { describe, expect, it } from "vitest";
import { bookMaps } from "../doc/layout.js";
import type { LogActivityIntent } from "../model/schemas.js";
import { type BookFixture, createBookFixture } from "../testing/book-fixture.js";
import { DEFAULT_CLOCK_SKEW_MS } from "./intent-validation.js";
import { RECEIPT_CODES } from "./receipt-errors.js";

/**
 * Logs a call through a device, then rewrites its `occurredAt` as a device that skips the
 * device API's check would have written it.
 */
function hostile(f: BookFixture, occurredAtMs: number): LogActivityIntent {
  const r = f.device("phone").logActivity({ opportunityId: f.ids.opp, contactId: f.ids.ada, type: "call" });
  if (!r.ok) throw r.error;
  const intent: LogActivityIntent = {
    ...r.value,
    activity: { ...r.value.activity, occurredAt: new Date(occurredAtMs).toISOString() },
  };
  f.doc.transact(() => bookMaps(f.doc).intents.set(intent.id, intent), "phone");
  return intent;
}

describe("intent validation: occurredAt in the future", () => {
  it("a hostile device's future-dated logActivity fails INVALID_INTENT; one within the skew is sent", async () => {
    const f = createBookFixture();
    expect((await f.sync())._tag).toBe("Success");
    const m = bookMaps(f.doc);
    const now = f.clock.now().getTime();
    const future = hostile(f, now + 7 * 86_400_000);
    const nearlyNow = hostile(f, now + DEFAULT_CLOCK_SKEW_MS - 1000);
    const tasksBefore = m.activities.size;
    expect((await f.sync())._tag).toBe("Success");
    expect(m.receipts.get(future.id)).toMatchObject({
      status: "failed",
      error: { code: RECEIPT_CODES.invalidIntent, message: expect.stringContaining("occurredAt is in the future") },
    });
    expect(m.receipts.get(future.id)?.salesforceId).toBeUndefined();
    expect(m.receipts.get(nearlyNow.id)?.status).toBe("applied");
    expect(m.activities.size).toBe(tasksBefore + 1);
  });

  it("honours the worker's configured skew", async () => {
    const f = createBookFixture();
    expect((await f.sync())._tag).toBe("Success");
    const m = bookMaps(f.doc);
    const ahead = hostile(f, f.clock.now().getTime() + 60_000);
    expect((await f.sync({ clockSkewMs: 0 }))._tag).toBe("Success");
    expect(m.receipts.get(ahead.id)).toMatchObject({ status: "failed", error: { code: RECEIPT_CODES.invalidIntent } });
  });
});
