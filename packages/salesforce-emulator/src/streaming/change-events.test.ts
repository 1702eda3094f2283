import { describe, expect, it } from "vitest";
import { createOrgSchema } from "../schema/objects.js";
import type { SfRecord } from "../store/org-store.js";
import { buildEvents, diffRecord } from "./change-events.js";

const def = createOrgSchema([]).object("Account");
if (!def) throw new Error("no Account");
const blank = Object.fromEntries(def.fields.map((f) => [f.name, null]));
const rec = (fields: Record<string, unknown>): SfRecord => ({ ...blank, IsDeleted: false, ...fields }) as SfRecord;
const tx = { transactionKey: "t", commitTimestamp: 5, commitUser: "005", commitNumber: 9, changeOrigin: "o" };

describe("diffRecord", () => {
  const before = rec({ Id: "001A", Name: "Acme", Phone: "1", LastModifiedDate: "a", SystemModstamp: "a" });
  it("an update lists the changed fields with LastModifiedDate, never SystemModstamp or Id", () => {
    const after = rec({ Id: "001A", Name: "Acme", Phone: null, LastModifiedDate: "b", SystemModstamp: "b" });
    expect(diffRecord(def, before, after)).toEqual({
      object: "Account",
      id: "001A",
      changeType: "UPDATE",
      fields: { Phone: null, LastModifiedDate: "b" },
      changedFields: ["Phone", "LastModifiedDate"],
    });
  });
  it("create and undelete carry the non-null fields; delete none; no change is no event", () => {
    expect(diffRecord(def, undefined, before)?.fields).toEqual({ Name: "Acme", Phone: "1", LastModifiedDate: "a" });
    const deleted = rec({ ...before, IsDeleted: true });
    expect(diffRecord(def, before, deleted)).toMatchObject({ changeType: "DELETE", fields: {} });
    expect(diffRecord(def, deleted, before)?.changeType).toBe("UNDELETE");
    expect(diffRecord(def, before, before)).toBeUndefined();
    expect(diffRecord(def, undefined, deleted)).toBeUndefined();
  });
});

describe("buildEvents", () => {
  it("merges the same update of several records, never creates, and numbers events in order", () => {
    const same = { changeType: "UPDATE" as const, fields: { Phone: "2" }, changedFields: ["Phone"] };
    const events = buildEvents(
      [
        { object: "Account", id: "001A", changeType: "CREATE", fields: { Name: "X" }, changedFields: [] },
        { object: "Account", id: "001B", changeType: "CREATE", fields: { Name: "X" }, changedFields: [] },
        { object: "Account", id: "001C", ...same },
        { object: "Account", id: "001D", ...same },
      ],
      tx,
    );
    expect(
      events.map((e) => [e.payload.ChangeEventHeader.recordIds, e.payload.ChangeEventHeader.sequenceNumber]),
    ).toEqual([
      [["001A"], 1],
      [["001B"], 2],
      [["001C", "001D"], 3],
    ]);
    expect(events[2]?.payload.ChangeEventHeader).toMatchObject({
      transactionKey: "t",
      commitNumber: 9,
      commitUser: "005",
    });
  });
});
