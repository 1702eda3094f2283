/**
 * Custom fields and field-level security through unmodified jsforce (issue 20): describe per
 * user, SOQL and record reads that do not see a hidden field, writes refused for hidden and
 * read-only fields with nothing stored, the control API that still sees and sets everything,
 * and the user's time zone.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Connection } from "jsforce";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmulator, type Emulator } from "../src/index.js";
import { caught, connectAs, loadJsforce, raw } from "./helpers.js";

let sf: Emulator;
let rep: Connection;
let admin: Connection;
let jsforce: Awaited<ReturnType<typeof loadJsforce>>;
type Row = Record<string, unknown>;

const noSuchColumn = (field: string, entity: string) =>
  `No such column '${field}' on entity '${entity}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`;

beforeAll(async () => {
  jsforce = await loadJsforce();
  sf = await createEmulator({ seed: "fields-fls" });
  rep = connectAs(jsforce, sf, sf.users[0]?.username ?? "");
  const adminUser = sf.users.find((u) => sf.control.userSetup(u.id).profile?.name === "System Administrator");
  admin = connectAs(jsforce, sf, adminUser?.username ?? "");
});
afterAll(async () => {
  await sf.close();
});

async function myOpportunity(): Promise<Row> {
  const me = sf.users[0]?.id ?? "";
  const rows = (await rep.query<Row>(`SELECT Id FROM Opportunity WHERE OwnerId = '${me}' LIMIT 1`)).records;
  const row = rows[0];
  if (!row) throw new Error("the demo user owns no opportunity");
  return row;
}

describe("custom fields (issue 20 §1)", () => {
  it("describe marks them custom with labels without __c, picklist values and checkbox defaults", async () => {
    const d = await admin.sobject("Opportunity").describe();
    const field = (n: string) => d.fields.find((f) => f.name === n);
    expect(field("Competitor__c")).toMatchObject({ custom: true, label: "Competitor", type: "picklist" });
    expect(field("Competitor__c")?.picklistValues?.map((v) => v.value)).toEqual([
      "Acme Corp",
      "Globex",
      "Initech",
      "None",
    ]);
    expect(field("Budget_Confirmed__c")).toMatchObject({
      type: "boolean",
      nillable: false,
      defaultedOnCreate: true,
      defaultValue: false,
      custom: true,
    });
    expect(field("Next_Step_Date__c")).toMatchObject({ type: "date", custom: true, label: "Next Step Date" });
    expect(field("LeadSource")?.picklistValues?.map((v) => v.value)).toEqual([
      "Web",
      "Phone Inquiry",
      "Partner Referral",
      "Purchased List",
      "Other",
    ]);
    expect(field("NextStep")?.custom).toBe(false);
    const c = await admin.sobject("Contact").describe();
    expect(c.fields.find((f) => f.name === "LinkedIn_URL__c")).toMatchObject({
      type: "url",
      length: 255,
      custom: true,
    });
    expect(c.fields.find((f) => f.name === "Preferred_Channel__c")?.picklistValues?.map((v) => v.value)).toEqual([
      "Email",
      "Phone",
      "In person",
    ]);
    for (const o of ["Task", "Event"]) {
      const a = await admin.sobject(o).describe();
      expect(a.fields.find((f) => f.name === "Outcome__c")?.picklistValues?.map((v) => v.value)).toEqual([
        "Positive",
        "Neutral",
        "Negative",
      ]);
    }
  });

  it("the seed fills them on a share of records", async () => {
    const filled = async (soql: string) => (await admin.query(soql)).totalSize;
    expect(await filled("SELECT Id FROM Opportunity WHERE Competitor__c != null")).toBeGreaterThan(10);
    expect(await filled("SELECT Id FROM Opportunity WHERE Budget_Confirmed__c = true")).toBeGreaterThan(10);
    expect(await filled("SELECT Id FROM Opportunity WHERE Next_Step_Date__c != null")).toBeGreaterThan(5);
    expect(await filled("SELECT Id FROM Contact WHERE LinkedIn_URL__c != null")).toBeGreaterThan(50);
    expect(await filled("SELECT Id FROM Task WHERE Outcome__c = 'Positive'")).toBeGreaterThan(10);
    expect(await filled("SELECT Id FROM Opportunity WHERE Budget_Confirmed__c = null")).toBe(0);
  });

  it("round-trip: create, update and query custom fields", async () => {
    const created = await rep.sobject("Contact").create({
      LastName: "Custom",
      Preferred_Channel__c: "Phone",
      LinkedIn_URL__c: "https://www.linkedin.com/in/custom",
      LeadSource: "Purchased List",
    });
    const id = created.id ?? "";
    await rep.sobject("Contact").update({ Id: id, Preferred_Channel__c: "In person" });
    const row = (
      await rep.query<Row>(`SELECT Preferred_Channel__c, LinkedIn_URL__c, LeadSource FROM Contact WHERE Id = '${id}'`)
    ).records[0];
    expect(row).toMatchObject({
      Preferred_Channel__c: "In person",
      LinkedIn_URL__c: "https://www.linkedin.com/in/custom",
      LeadSource: "Purchased List",
    });
    const opp = await rep.sobject("Opportunity").create({
      Name: "Custom fields",
      StageName: "Prospecting",
      CloseDate: "2027-03-01",
      Next_Step_Date__c: "2027-02-01",
    });
    await rep.sobject("Opportunity").update({ Id: opp.id ?? "", Next_Step_Date__c: "2027-02-15" });
    const back = (await admin.sobject("Opportunity").retrieve(opp.id ?? "")) as unknown as Row;
    expect(back).toMatchObject({ Next_Step_Date__c: "2027-02-15", Budget_Confirmed__c: false, Competitor__c: null });
  });
});

describe("field-level security per profile (issue 20 §2)", () => {
  it("describe omits the hidden field and marks the read-only one neither createable nor updateable", async () => {
    const d = await rep.sobject("Opportunity").describe();
    const names = d.fields.map((f) => f.name);
    expect(names).not.toContain("Budget_Confirmed__c");
    expect(d.fields.find((f) => f.name === "Competitor__c")).toMatchObject({ createable: false, updateable: false });
    expect(d.fields.find((f) => f.name === "Next_Step_Date__c")).toMatchObject({ createable: true, updateable: true });
    const a = await admin.sobject("Opportunity").describe();
    expect(a.fields.map((f) => f.name)).toContain("Budget_Confirmed__c");
    expect(a.fields.find((f) => f.name === "Competitor__c")).toMatchObject({ createable: true, updateable: true });
  });

  it("a hidden field in SELECT, WHERE, ORDER BY or a relationship path is INVALID_FIELD", async () => {
    for (const soql of [
      "SELECT Id, Budget_Confirmed__c FROM Opportunity",
      "SELECT Id FROM Opportunity WHERE Budget_Confirmed__c = true",
      "SELECT Id FROM Opportunity ORDER BY Budget_Confirmed__c",
    ]) {
      const e = await caught(rep.query(soql));
      expect(e.errorCode).toBe("INVALID_FIELD");
      expect(e.message).toContain(noSuchColumn("Budget_Confirmed__c", "Opportunity"));
    }
    const viaParent = await caught(
      rep.query("SELECT Id, Opportunity.Budget_Confirmed__c FROM OpportunityContactRole LIMIT 1"),
    );
    expect(viaParent.errorCode).toBe("INVALID_FIELD");
    expect(viaParent.message).toContain("No such column 'Opportunity.Budget_Confirmed__c'");
    const bulk = await caught(rep.bulk2.query("SELECT Id, Budget_Confirmed__c FROM Opportunity"));
    expect(bulk.message).toContain("No such column");
    // The read-only field reads fine.
    expect((await rep.query("SELECT Id, Competitor__c FROM Opportunity LIMIT 1")).totalSize).toBe(1);
  });

  it("record GET and collections retrieve leave the hidden field out", async () => {
    const { Id } = await myOpportunity();
    const one = (await rep.sobject("Opportunity").retrieve(String(Id))) as unknown as Row;
    expect(one).not.toHaveProperty("Budget_Confirmed__c");
    expect(one).toHaveProperty("Competitor__c");
    const many = (await rep.sobject("Opportunity").retrieve([String(Id)])) as unknown as Row[];
    expect(many[0]).not.toHaveProperty("Budget_Confirmed__c");
    const asAdmin = (await admin.sobject("Opportunity").retrieve(String(Id))) as unknown as Row;
    expect(typeof asAdmin.Budget_Confirmed__c).toBe("boolean");
    const e = await caught(
      rep.request(`/services/data/v60.0/sobjects/Opportunity/${String(Id)}?fields=Budget_Confirmed__c`),
    );
    expect(e.errorCode).toBe("INVALID_FIELD");
  });

  it("writing a read-only or hidden field is INVALID_FIELD_FOR_INSERT_UPDATE and stores nothing", async () => {
    const { Id } = await myOpportunity();
    const id = String(Id);
    const before = (await admin.sobject("Opportunity").retrieve(id)) as unknown as Row;
    for (const [field, value] of [
      ["Competitor__c", "Globex"],
      ["Budget_Confirmed__c", !before.Budget_Confirmed__c],
    ] as const) {
      const e = await caught(rep.sobject("Opportunity").update({ Id: id, NextStep: "changed", [field]: value }));
      expect(e.errorCode).toBe("INVALID_FIELD_FOR_INSERT_UPDATE");
      expect(e.message).toBe(
        `Unable to create/update fields: ${field}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
      );
    }
    const created = await caught(
      rep
        .sobject("Opportunity")
        .create({ Name: "x", StageName: "Prospecting", CloseDate: "2027-01-01", Competitor__c: "Globex" }),
    );
    expect(created.errorCode).toBe("INVALID_FIELD_FOR_INSERT_UPDATE");
    const viaCollection = (await rep.sobject("Opportunity").update([{ Id: id, Competitor__c: "Initech" }], {
      allOrNone: false,
    })) as unknown as { success: boolean; errors: { statusCode: string; fields: string[] }[] }[];
    expect(viaCollection[0]?.success).toBe(false);
    expect(viaCollection[0]?.errors[0]).toMatchObject({
      statusCode: "INVALID_FIELD_FOR_INSERT_UPDATE",
      fields: ["Competitor__c"],
    });
    const after = (await admin.sobject("Opportunity").retrieve(id)) as unknown as Row;
    expect([after.NextStep, after.Competitor__c, after.Budget_Confirmed__c, after.SystemModstamp]).toEqual([
      before.NextStep,
      before.Competitor__c,
      before.Budget_Confirmed__c,
      before.SystemModstamp,
    ]);
    // The administrator may write both.
    await admin.sobject("Opportunity").update({ Id: id, Competitor__c: "Globex", Budget_Confirmed__c: true });
    expect(((await rep.sobject("Opportunity").retrieve(id)) as unknown as Row).Competitor__c).toBe("Globex");
  });

  it("the control API reads and sets a profile's field permission; the next call follows it", async () => {
    const res = await raw(
      `${sf.url}/_emulator/field-permissions?profile=Standard%20User&object=Opportunity&field=Budget_Confirmed__c`,
    );
    expect(res.body).toMatchObject({
      object: "Opportunity",
      field: "Budget_Confirmed__c",
      readable: false,
      editable: false,
    });
    expect(sf.control.fieldPermission("Standard User", "Opportunity", "Amount")).toMatchObject({
      readable: true,
      editable: true,
    });
    const set = await raw(`${sf.url}/_emulator/field-permissions`, {
      method: "POST",
      body: JSON.stringify({
        profile: "Standard User",
        object: "Opportunity",
        field: "Amount",
        readable: true,
        editable: false,
      }),
    });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({
      profile: { name: "Standard User" },
      field: "Amount",
      readable: true,
      editable: false,
    });
    const d = await rep.request<{ fields: { name: string; updateable: boolean }[] }>(
      "/services/data/v60.0/sobjects/Opportunity/describe",
    );
    expect(d.fields.find((f) => f.name === "Amount")?.updateable).toBe(false);
    const { Id } = await myOpportunity();
    expect((await caught(rep.sobject("Opportunity").update({ Id: String(Id), Amount: 1 }))).errorCode).toBe(
      "INVALID_FIELD_FOR_INSERT_UPDATE",
    );
    sf.control.setFieldPermission({
      profile: "Standard User",
      object: "Opportunity",
      field: "Amount",
      readable: true,
      editable: true,
    });
    await rep.sobject("Opportunity").update({ Id: String(Id), Amount: 1 });
    const bad = await raw(`${sf.url}/_emulator/field-permissions`, {
      method: "POST",
      body: JSON.stringify({
        profile: "Standard User",
        object: "Opportunity",
        field: "Name",
        readable: false,
        editable: false,
      }),
    });
    expect(bad.status).toBe(400);
    const unknown = await raw(`${sf.url}/_emulator/field-permissions`, {
      method: "POST",
      body: JSON.stringify({
        profile: "Nobody",
        object: "Opportunity",
        field: "Amount",
        readable: true,
        editable: true,
      }),
    });
    expect(unknown.status).toBe(404);
  });

  it("profiles are queryable and a permission set assignment grants the fields back", async () => {
    const me = sf.users[1]?.id ?? "";
    const conn = connectAs(jsforce, sf, sf.users[1]?.username ?? "");
    const row = (await conn.query<Row>(`SELECT Profile.Name FROM User WHERE Id = '${me}'`)).records[0];
    expect(row?.Profile).toMatchObject({ Name: "Standard User" });
    const profiles = (await conn.query<Row>("SELECT Id, Name FROM Profile ORDER BY Name")).records.map((r) => r.Name);
    expect(profiles).toEqual(["Standard User", "System Administrator"]);
    expect((await caught(conn.query("SELECT Budget_Confirmed__c FROM Opportunity LIMIT 1"))).errorCode).toBe(
      "INVALID_FIELD",
    );
    const patched = await raw(`${sf.url}/_emulator/users/${me}`, {
      method: "PATCH",
      body: JSON.stringify({ assignPermissionSets: ["Sales_Insights"] }),
    });
    expect(patched.body).toMatchObject({ permissionSets: ["Sales_Insights"] });
    expect((await conn.query("SELECT Budget_Confirmed__c FROM Opportunity LIMIT 1")).totalSize).toBe(1);
    sf.control.updateUserSetup(me, { unassignPermissionSets: ["Sales_Insights"] });
    expect((await caught(conn.query("SELECT Budget_Confirmed__c FROM Opportunity LIMIT 1"))).errorCode).toBe(
      "INVALID_FIELD",
    );
  });
});

describe("user time zone (issue 20 §5)", () => {
  it("seeded users have distinct zones, the demo user Los Angeles, and a control call changes it", async () => {
    const me = sf.users[0]?.id ?? "";
    const q = await rep.query<Row>(`SELECT TimeZoneSidKey FROM User WHERE Id = '${me}'`);
    expect(q.records[0]?.TimeZoneSidKey).toBe("America/Los_Angeles");
    const all = (await rep.query<Row>("SELECT TimeZoneSidKey FROM User")).records.map((r) => r.TimeZoneSidKey);
    expect(new Set(all).size).toBe(all.length);
    const res = await raw(`${sf.url}/_emulator/users/${sf.users[0]?.username ?? ""}`, {
      method: "PATCH",
      body: JSON.stringify({ timeZoneSidKey: "Europe/Berlin" }),
    });
    expect(res.body).toMatchObject({ id: me, timeZoneSidKey: "Europe/Berlin", profile: { name: "Standard User" } });
    expect(
      (await rep.query<Row>(`SELECT TimeZoneSidKey FROM User WHERE Id = '${me}'`)).records[0]?.TimeZoneSidKey,
    ).toBe("Europe/Berlin");
    const bad = await raw(`${sf.url}/_emulator/users/${me}`, {
      method: "PATCH",
      body: JSON.stringify({ timeZoneSidKey: "Mars/Olympus" }),
    });
    expect(bad.status).toBe(400);
    sf.control.updateUserSetup(me, { timeZoneSidKey: "America/Los_Angeles" });
  });
});

describe("persistence of the setup (issue 20 §2)", () => {
  it("a field permission and a time zone set through the control API survive a restart", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sf-emulator-fls-"));
    const dataFile = join(dir, "org.json");
    try {
      const first = await createEmulator({ seed: "fls-persist", dataFile });
      first.control.setFieldPermission({
        profile: "Standard User",
        object: "Contact",
        field: "Title",
        readable: false,
        editable: false,
      });
      first.control.updateUserSetup(first.users[0]?.id ?? "", { timeZoneSidKey: "Asia/Tokyo" });
      await first.close();
      const second = await createEmulator({ dataFile });
      try {
        expect(second.control.fieldPermission("Standard User", "Contact", "Title")).toMatchObject({ readable: false });
        const conn = connectAs(jsforce, second, second.users[0]?.username ?? "");
        expect((await caught(conn.query("SELECT Title FROM Contact LIMIT 1"))).errorCode).toBe("INVALID_FIELD");
        const me = second.users[0]?.id ?? "";
        const row = (await conn.query<Row>(`SELECT TimeZoneSidKey FROM User WHERE Id = '${me}'`)).records[0];
        expect(row?.TimeZoneSidKey).toBe("Asia/Tokyo");
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
