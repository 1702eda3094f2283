import { Schema } from "effect";
import { describe, expect, expectTypeOf, it } from "vitest";
import { ACTIVITY_SHAPE, CONTACT_ROLE_SHAPE, CONTACT_SHAPE, OPPORTUNITY_SHAPE } from "./record-shapes.js";
import type { AccountRecord, ActivityRecord, ContactRecord, ContactRoleRecord, OpportunityRecord } from "./records.js";
import { readSalesforceId, type SalesforceId } from "./salesforce-id.js";
import {
  AccountSchema,
  ActivitySchema,
  ContactRoleSchema,
  ContactSchema,
  canTransition,
  IntentSchema,
  OpportunitySchema,
  ReceiptSchema,
} from "./schemas.js";

describe("record schemas", () => {
  it("decode to the protocol v1 value types", () => {
    expectTypeOf<OpportunityRecord["Id"]>().toEqualTypeOf<SalesforceId>();
    expectTypeOf<OpportunityRecord["AccountId"]>().toEqualTypeOf<SalesforceId | null>();
    expectTypeOf<OpportunityRecord["Amount"]>().toEqualTypeOf<number | null>();
    expectTypeOf<OpportunityRecord["IsClosed"]>().toEqualTypeOf<boolean>();
    expectTypeOf<AccountRecord>().toEqualTypeOf<{ readonly Id: SalesforceId; readonly Name: string }>();
    expectTypeOf<ContactRecord["FirstName"]>().toEqualTypeOf<string | null>();
    expectTypeOf<ContactRoleRecord["IsPrimary"]>().toEqualTypeOf<boolean>();
    expectTypeOf<ActivityRecord["Type"]>().toEqualTypeOf<"Task" | "Event">();
    expectTypeOf<ActivityRecord["StartDateTime"]>().toEqualTypeOf<string | null>();
  });

  it("have exactly the fields of their shape, in order", () => {
    // Plus the optional `extra` (configured fields) and an activity's `WhoIds` (shared activities).
    expect(Object.keys(OpportunitySchema.fields)).toEqual([...Object.keys(OPPORTUNITY_SHAPE.fields), "extra"]);
    expect(Object.keys(AccountSchema.fields)).toEqual(["Id", "Name"]);
    expect(Object.keys(ContactSchema.fields)).toEqual([...Object.keys(CONTACT_SHAPE.fields), "extra"]);
    expect(Object.keys(ContactRoleSchema.fields)).toEqual(Object.keys(CONTACT_ROLE_SHAPE.fields));
    expect(Object.keys(ActivitySchema.fields)).toEqual([...Object.keys(ACTIVITY_SHAPE.fields), "WhoIds", "extra"]);
  });

  it("decode an activity's type as one of its objects and its dates by kind", () => {
    const event = {
      Id: readSalesforceId("00U000000000001"),
      Type: "Event",
      WhoId: null,
      WhatId: null,
      Subject: "Demo",
      Status: null,
      ActivityDate: "2026-01-31",
      StartDateTime: "2026-01-31T09:00:00.000Z",
      Description: null,
      TaskSubtype: null,
      IsClosed: null,
      CompletedDateTime: null,
      CreatedDate: "2026-01-20T10:00:00.000Z",
      OwnerId: readSalesforceId("005000000000001"),
      SystemModstamp: "2026-01-01T00:00:00.000Z",
    };
    expect(Schema.decodeUnknownSync(ActivitySchema)(event)).toEqual(event);
    expect(() => Schema.decodeUnknownSync(ActivitySchema)({ ...event, Type: "Note" })).toThrow();
    expect(() => Schema.decodeUnknownSync(ActivitySchema)({ ...event, ActivityDate: "2026-1-31" })).toThrow();
    expect(() => Schema.decodeUnknownSync(ActivitySchema)({ ...event, StartDateTime: "tomorrow" })).toThrow();
    expect(() => Schema.decodeUnknownSync(ActivitySchema)({ ...event, CreatedDate: "2026-01-20" })).toThrow();
    expect(() => Schema.decodeUnknownSync(AccountSchema)({ Id: event.OwnerId, Name: null })).toThrow();
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
