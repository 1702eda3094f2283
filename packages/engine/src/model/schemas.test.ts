import { Schema } from "effect";
import { describe, expect, expectTypeOf, it } from "vitest";
import type { AccountRecord, ActivityRecord, ContactRecord, ContactRoleRecord, OpportunityRecord } from "./records.js";
import {
  type AccountSchema,
  type ActivitySchema,
  type ContactRoleSchema,
  type ContactSchema,
  canTransition,
  IntentSchema,
  OpportunitySchema,
  ReceiptSchema,
} from "./schemas.js";

describe("record schemas", () => {
  it("decode to exactly the record interfaces", () => {
    expectTypeOf<typeof OpportunitySchema.Type>().toEqualTypeOf<OpportunityRecord>();
    expectTypeOf<typeof AccountSchema.Type>().toEqualTypeOf<AccountRecord>();
    expectTypeOf<typeof ContactSchema.Type>().toEqualTypeOf<ContactRecord>();
    expectTypeOf<typeof ContactRoleSchema.Type>().toEqualTypeOf<ContactRoleRecord>();
    expectTypeOf<typeof ActivitySchema.Type>().toEqualTypeOf<ActivityRecord>();
  });

  it("canonicalises ids and rejects bad formats", () => {
    const opp = {
      Id: "0066s000002YyiJ",
      Name: "Deal",
      AccountId: null,
      Amount: 10,
      StageName: "Prospecting",
      CloseDate: "2026-01-31",
      Probability: 10,
      Description: null,
      ForecastCategoryName: "Pipeline",
      IsClosed: false,
      OwnerId: "005000000000001AAA",
      SystemModstamp: "2026-01-01T00:00:00.000Z",
    };
    expect(Schema.decodeUnknownSync(OpportunitySchema)(opp).Id).toBe("0066s000002YyiJAAS");
    expect(() => Schema.decodeUnknownSync(OpportunitySchema)({ ...opp, CloseDate: "31/01/2026" })).toThrow();
    expect(() => Schema.decodeUnknownSync(OpportunitySchema)({ ...opp, Amount: "10" })).toThrow();
  });

  it("decodes each intent kind and rejects an unknown one", () => {
    const common = { id: "x", at: "2026-01-01T00:00:00.000Z", hlc: "h", device: "d" };
    const cancel = Schema.decodeUnknownSync(IntentSchema)({ ...common, kind: "cancel", intentId: "y" });
    expect(cancel.kind).toBe("cancel");
    expect(() => Schema.decodeUnknownSync(IntentSchema)({ ...common, kind: "explode" })).toThrow();
    const receipt = { intentId: "x", status: "sending", attempts: 1, updatedAt: common.at };
    expect(Schema.decodeUnknownSync(ReceiptSchema)(receipt).status).toBe("sending");
    expect(() => Schema.decodeUnknownSync(ReceiptSchema)({ ...receipt, status: "lost" })).toThrow();
  });

  it("receipts move forward only", () => {
    expect(canTransition(undefined, "sending")).toBe(true);
    expect(canTransition("pending", "sending")).toBe(true);
    expect(canTransition("sending", "sending")).toBe(true);
    expect(canTransition("sending", "pending")).toBe(false);
    expect(canTransition("applied", "failed")).toBe(false);
    expect(canTransition("conflict", "applied")).toBe(false);
  });
});
