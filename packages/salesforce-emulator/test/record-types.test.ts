/**
 * Opportunity record types through unmodified jsforce (issue 20 §3): the RecordType rows, the
 * RecordTypeId field only on Opportunity, describe's recordTypeInfos with Master, the default
 * record type of a new record, and the UI API picklist values per record type.
 */
import type { Connection } from "jsforce";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmulator, type Emulator, MASTER_RECORD_TYPE_ID } from "../src/index.js";
import { caught, connectAs, loadJsforce } from "./helpers.js";

let sf: Emulator;
let conn: Connection;
type Row = Record<string, unknown>;
interface PicklistValues {
  eTag: string;
  picklistFieldValues: Record<
    string,
    {
      controllerValues: object;
      defaultValue: null;
      eTag: string;
      url: string;
      values: { label: string; value: string; validFor: unknown[]; attributes: null }[];
    }
  >;
}
const rt: Record<string, string> = {};

beforeAll(async () => {
  const jsforce = await loadJsforce();
  sf = await createEmulator({ seed: "record-types" });
  conn = connectAs(jsforce, sf, sf.users[0]?.username ?? "");
  for (const r of (await conn.query<Row>("SELECT Id, DeveloperName FROM RecordType")).records) {
    rt[String(r.DeveloperName)] = String(r.Id);
  }
});
afterAll(async () => {
  await sf.close();
});

describe("record types on Opportunity (issue 20 §3)", () => {
  it("RecordType rows are queryable and seeded opportunities carry one of the two", async () => {
    const rows = (
      await conn.query<Row>(
        "SELECT Id, Name, DeveloperName, SobjectType, IsActive, Description FROM RecordType ORDER BY Name",
      )
    ).records;
    expect(rows.map((r) => [r.Name, r.DeveloperName, r.SobjectType, r.IsActive])).toEqual([
      ["New Business", "New_Business", "Opportunity", true],
      ["Renewal", "Renewal", "Opportunity", true],
    ]);
    expect(String(rows[0]?.Id)).toMatch(/^012/);
    const counts = await conn.query<Row>(
      "SELECT RecordType.DeveloperName, COUNT(Id) n FROM Opportunity GROUP BY RecordType.DeveloperName",
    );
    expect(counts.records.length).toBeGreaterThan(0);
    const none = await conn.query("SELECT Id FROM Opportunity WHERE RecordTypeId = null");
    expect(none.totalSize).toBe(0);
    const renewals = (
      await conn.query<Row>("SELECT StageName, Type FROM Opportunity WHERE RecordType.DeveloperName = 'Renewal'")
    ).records;
    expect(renewals.length).toBeGreaterThan(0);
    for (const r of renewals) expect(r.Type).toBe("Existing Business");
  });

  it("only Opportunity has RecordTypeId; describe lists recordTypeInfos with Master", async () => {
    const d = (await conn.request("/services/data/v62.0/sobjects/Opportunity/describe")) as {
      fields: { name: string; relationshipName: string | null; referenceTo: string[]; picklistValues: Row[] }[];
      recordTypeInfos: Row[];
    };
    expect(d.fields.find((f) => f.name === "RecordTypeId")).toMatchObject({
      relationshipName: "RecordType",
      referenceTo: ["RecordType"],
    });
    expect(d.recordTypeInfos).toEqual([
      {
        active: true,
        available: true,
        defaultRecordTypeMapping: true,
        developerName: "New_Business",
        master: false,
        name: "New Business",
        recordTypeId: rt.New_Business,
        urls: { layout: `/services/data/v62.0/sobjects/Opportunity/describe/layouts/${rt.New_Business}` },
      },
      expect.objectContaining({ developerName: "Renewal", defaultRecordTypeMapping: false, master: false }),
      expect.objectContaining({ developerName: "Master", master: true, recordTypeId: MASTER_RECORD_TYPE_ID }),
    ]);
    const stage = d.fields.find((f) => f.name === "StageName");
    expect(stage?.picklistValues).toHaveLength(10);
    expect(stage?.picklistValues[0]).toEqual({
      active: true,
      defaultValue: false,
      label: "Prospecting",
      validFor: null,
      value: "Prospecting",
    });
    for (const o of ["Account", "Contact", "Task", "Event"]) {
      const other = await conn.sobject(o).describe();
      expect(other.fields.some((f) => f.name === "RecordTypeId")).toBe(false);
      expect(other.recordTypeInfos.map((i) => i.master)).toEqual([true]);
    }
    expect((await caught(conn.query("SELECT RecordTypeId FROM Account"))).errorCode).toBe("INVALID_FIELD");
  });

  it("a new opportunity gets the default record type; a record type of the wrong kind is refused", async () => {
    const id =
      (
        await conn
          .sobject("Opportunity")
          .create({ Name: "RT default", StageName: "Prospecting", CloseDate: "2027-01-01" })
      ).id ?? "";
    const row = (await conn.query<Row>(`SELECT RecordTypeId, RecordType.Name FROM Opportunity WHERE Id = '${id}'`))
      .records[0];
    expect(row?.RecordTypeId).toBe(rt.New_Business);
    await conn.sobject("Opportunity").update({ Id: id, RecordTypeId: rt.Renewal });
    expect(((await conn.sobject("Opportunity").retrieve(id)) as unknown as Row).RecordTypeId).toBe(rt.Renewal);
    const bad = await caught(conn.sobject("Opportunity").update({ Id: id, RecordTypeId: MASTER_RECORD_TYPE_ID }));
    expect(bad.errorCode).toBe("INVALID_CROSS_REFERENCE_KEY");
    // Not enforced (as the issue asks): a stage outside the record type's sales process is stored.
    await conn.sobject("Opportunity").update({ Id: id, StageName: "Prospecting" });
  });

  it("UI API picklist values follow the record type's sales process", async () => {
    const renewal = (await conn.request(
      `/services/data/v62.0/ui-api/object-info/Opportunity/picklist-values/${rt.Renewal}`,
    )) as PicklistValues;
    const stage = renewal.picklistFieldValues.StageName;
    expect(stage?.values.map((v) => v.value)).toEqual([
      "Needs Analysis",
      "Proposal/Price Quote",
      "Negotiation/Review",
      "Closed Won",
      "Closed Lost",
    ]);
    expect(stage).toMatchObject({ controllerValues: {}, defaultValue: null });
    expect(stage?.values[0]).toEqual({
      attributes: null,
      label: "Needs Analysis",
      validFor: [],
      value: "Needs Analysis",
    });
    expect(stage?.url).toBe(
      `/services/data/v62.0/ui-api/object-info/Opportunity/picklist-values/${rt.Renewal}/StageName`,
    );
    expect(renewal.picklistFieldValues.Type?.values.map((v) => v.value)).toEqual(["Existing Business"]);
    expect(Object.keys(renewal.picklistFieldValues)).toEqual(
      expect.arrayContaining(["StageName", "Type", "LeadSource", "ForecastCategoryName", "Competitor__c"]),
    );
    // A picklist field the user cannot read is left out.
    const business = (await conn.request(
      `/services/data/v62.0/ui-api/object-info/Opportunity/picklist-values/${rt.New_Business}`,
    )) as PicklistValues;
    expect(business.picklistFieldValues.StageName?.values).toHaveLength(10);
    expect(business.eTag).not.toBe(renewal.eTag);
    sf.control.setFieldPermission({
      profile: "Standard User",
      object: "Opportunity",
      field: "LeadSource",
      readable: false,
      editable: false,
    });
    const hidden = (await conn.request(
      `/services/data/v62.0/ui-api/object-info/Opportunity/picklist-values/${rt.New_Business}`,
    )) as PicklistValues;
    expect(hidden.picklistFieldValues).not.toHaveProperty("LeadSource");
    sf.control.setFieldPermission({
      profile: "Standard User",
      object: "Opportunity",
      field: "LeadSource",
      readable: true,
      editable: true,
    });
    const master = (await conn.request(
      `/services/data/v62.0/ui-api/object-info/Opportunity/picklist-values/${MASTER_RECORD_TYPE_ID}`,
    )) as PicklistValues;
    expect(master.picklistFieldValues.StageName?.values).toHaveLength(10);
    const unknown = await caught(
      conn.request("/services/data/v62.0/ui-api/object-info/Opportunity/picklist-values/012000000000001AAA"),
    );
    expect(unknown.errorCode).toBe("NOT_FOUND");
    const stats = sf.control.stats() as unknown as { routes: Record<string, number> };
    expect(JSON.stringify(stats)).toContain("/ui-api/object-info/Opportunity/picklist-values/:recordTypeId");
  });
});
