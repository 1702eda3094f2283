/**
 * Conformance: single-record CRUD, upsert, derived fields, validation, describe, getUpdated /
 * getDeleted, limits and resources through jsforce over HTTP (reference §1.3, §2.3–§2.9,
 * §2.12, §3).
 */
import type { Connection } from "jsforce";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmulator, type Emulator } from "../src/index.js";
import { caught, connectAs, loadJsforce, raw } from "./helpers.js";

let sf: Emulator;
let conn: Connection;
let jsforce: Awaited<ReturnType<typeof loadJsforce>>;
type Row = Record<string, unknown>;

beforeAll(async () => {
  jsforce = await loadJsforce();
  sf = await createEmulator({ seed: "records", externalIdFields: [{ object: "Task", name: "Tandem_Key__c" }] });
  conn = connectAs(jsforce, sf, sf.users[0]?.username ?? "");
});
afterAll(async () => {
  await sf.close();
});

async function anAccountId(): Promise<string> {
  const res = await conn.query<Row>("SELECT Id FROM Account ORDER BY Name LIMIT 1");
  return String(res.records[0]?.Id);
}

describe("single-record CRUD (§2.4, §0.6)", () => {
  it("create answers 201 {id, success, errors}; retrieve has every field incl. system fields; update/delete answer 204", async () => {
    const accountId = await anAccountId();
    const res = await raw(`${sf.url}/services/data/v60.0/sobjects/Contact`, {
      method: "POST",
      token: conn.accessToken ?? "",
      body: JSON.stringify({ FirstName: "Ada", LastName: "Lovelace", AccountId: accountId, Email: "ada@example.com" }),
    });
    expect(res.status).toBe(201);
    const created = res.body as { id: string; success: boolean; errors: unknown[] };
    expect(created).toEqual({ id: expect.stringMatching(/^003[0-9A-Za-z]{15}$/), success: true, errors: [] });
    expect(res.headers.get("sforce-limit-info")).toMatch(/^api-usage=\d+\/100000$/);

    const rec = await conn.sobject("Contact").retrieve(created.id);
    // §3.4 derived Name; §2.3 datetime format; system fields present
    expect(rec.Name).toBe("Ada Lovelace");
    expect(rec.CreatedDate).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/);
    expect(rec.SystemModstamp).toBe(rec.CreatedDate);
    expect(rec.IsDeleted).toBe(false);
    expect(rec.OwnerId).toBe(sf.users[0]?.id);
    const some = await conn.sobject("Contact").retrieve(created.id, { fields: ["Id", "Email"] } as never);
    expect(Object.keys(some)).toEqual(["attributes", "Id", "Email"]);

    const patch = await raw(`${sf.url}/services/data/v60.0/sobjects/Contact/${created.id}`, {
      method: "PATCH",
      token: conn.accessToken ?? "",
      body: JSON.stringify({ Title: "Analyst" }),
    });
    expect(patch.status).toBe(204);
    expect(patch.text).toBe("");
    const upd = await conn.sobject("Contact").update({ Id: created.id, FirstName: "Augusta" });
    expect(upd).toEqual({ id: created.id, success: true, errors: [] });
    expect((await conn.sobject("Contact").retrieve(created.id)).Name).toBe("Augusta Lovelace");

    const del = await conn.sobject("Contact").destroy(created.id);
    expect(del).toEqual({ id: created.id, success: true, errors: [] });
    // §2.7: deleted records answer ENTITY_IS_DELETED
    expect((await caught(conn.sobject("Contact").retrieve(created.id))).errorCode).toBe("ENTITY_IS_DELETED");
    expect((await caught(conn.sobject("Contact").update({ Id: created.id, Title: "x" }))).errorCode).toBe(
      "ENTITY_IS_DELETED",
    );
  });

  it("15-character and case-insensitive 18-character ids are accepted (§3.8)", async () => {
    const id = await anAccountId();
    expect((await conn.sobject("Account").retrieve(id.slice(0, 15))).Id).toBe(id);
    expect((await conn.sobject("Account").retrieve(id.toLowerCase())).Id).toBe(id);
  });

  it("errors: unknown field, missing required field, wrong id type, unknown record, unknown object (§2.4, §2.7)", async () => {
    const unknownField = await caught(conn.sobject("Account").create({ Name: "X", Foo: 1 }));
    expect(unknownField.errorCode).toBe("INVALID_FIELD");
    expect(unknownField.message).toBe("No such column 'Foo' on sobject of type Account");
    const required = await caught(conn.sobject("Contact").create({ FirstName: "No" }));
    expect(required.errorCode).toBe("REQUIRED_FIELD_MISSING");
    expect((required.data as { fields: string[] }).fields).toEqual(["LastName"]);
    const oppMissing = await caught(conn.sobject("Opportunity").create({ Name: "X" }));
    expect(oppMissing.message).toBe("Required fields are missing: [StageName, CloseDate]");
    const contactId = (await conn.query<Row>("SELECT Id FROM Contact LIMIT 1")).records[0]?.Id;
    const wrongType = await caught(conn.sobject("Account").retrieve(String(contactId)));
    expect(wrongType.errorCode).toBe("MALFORMED_ID");
    const missing = await caught(conn.sobject("Account").retrieve("001000000000000AAA"));
    expect(missing.errorCode).toBe("NOT_FOUND");
    const badObject = await raw(`${sf.url}/services/data/v60.0/sobjects/Foo/describe`, {
      token: conn.accessToken ?? "",
    });
    expect(badObject.status).toBe(404);
    expect(badObject.body).toEqual([{ message: "The requested resource does not exist", errorCode: "NOT_FOUND" }]);
    const notAnId = await raw(`${sf.url}/services/data/v60.0/sobjects/Account/xyz`, { token: conn.accessToken ?? "" });
    expect(notAnId.body).toEqual([
      { message: "Provided external ID field does not exist or is not accessible: xyz", errorCode: "NOT_FOUND" },
    ]);
    const picklist = await caught(
      conn.sobject("Opportunity").create({ Name: "X", StageName: "Nope", CloseDate: "2026-12-01" }),
    );
    expect(picklist.errorCode).toBe("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST");
    const readOnly = await caught(
      conn.sobject("Opportunity").create({ Name: "X", StageName: "Prospecting", CloseDate: "2026-12-01", IsWon: true }),
    );
    expect(readOnly.errorCode).toBe("INVALID_FIELD_FOR_INSERT_UPDATE");
    const badDate = await caught(
      conn.sobject("Opportunity").create({ Name: "X", StageName: "Prospecting", CloseDate: "soon" }),
    );
    expect(badDate.errorCode).toBe("JSON_PARSER_ERROR");
  });

  it("If-Unmodified-Since: 412 when the record changed since, 204 otherwise (§0 lessons, §2.4)", async () => {
    const id = (await conn.sobject("Account").create({ Name: "Precondition Inc." })).id ?? "";
    const before = await conn.sobject("Account").retrieve(id);
    const stamp = String(before.LastModifiedDate);
    const ok = await raw(`${sf.url}/services/data/v60.0/sobjects/Account/${id}`, {
      method: "PATCH",
      token: conn.accessToken ?? "",
      headers: { "If-Unmodified-Since": new Date(Date.parse(stamp.replace("+0000", "Z")) + 1000).toUTCString() },
      body: JSON.stringify({ Phone: "(415) 555-0100" }),
    });
    expect(ok.status).toBe(204);
    sf.control.advanceClock(2000);
    await conn.sobject("Account").update({ Id: id, Phone: "(415) 555-0101" });
    const stale = await raw(`${sf.url}/services/data/v60.0/sobjects/Account/${id}`, {
      method: "PATCH",
      token: conn.accessToken ?? "",
      headers: { "If-Unmodified-Since": new Date(Date.parse(stamp.replace("+0000", "Z"))).toUTCString() },
      body: JSON.stringify({ Phone: "(415) 555-0199" }),
    });
    expect(stale.status).toBe(412);
    expect((stale.body as { errorCode: string }[])[0]?.errorCode).toBe("PRECONDITION_FAILED");
    expect((await conn.sobject("Account").retrieve(id)).Phone).toBe("(415) 555-0101");
  });
});

describe("derived fields (§3.1, §3.2, §3.6, §3.7)", () => {
  it("Opportunity IsClosed/IsWon/ForecastCategoryName/Probability follow the stage", async () => {
    const id =
      (
        await conn
          .sobject("Opportunity")
          .create({ Name: "Stage test", StageName: "Value Proposition", CloseDate: "2026-12-31" })
      ).id ?? "";
    let opp = await conn.sobject("Opportunity").retrieve(id);
    // §0.16: Value Proposition defaults to 50
    expect([opp.Probability, opp.IsClosed, opp.IsWon, opp.ForecastCategoryName, opp.ForecastCategory]).toEqual([
      50,
      false,
      false,
      "Pipeline",
      "Pipeline",
    ]);
    await conn.sobject("Opportunity").update({ Id: id, StageName: "Closed Won" });
    opp = await conn.sobject("Opportunity").retrieve(id);
    expect([opp.Probability, opp.IsClosed, opp.IsWon, opp.ForecastCategoryName]).toEqual([100, true, true, "Closed"]);
    await conn.sobject("Opportunity").update({ Id: id, StageName: "Negotiation/Review", Probability: 85 });
    opp = await conn.sobject("Opportunity").retrieve(id);
    expect([opp.Probability, opp.IsClosed]).toEqual([85, false]);
  });

  it("Task IsClosed and CompletedDateTime follow the status; AccountId derives from What", async () => {
    const opp =
      (await conn.query<Row>("SELECT Id, AccountId FROM Opportunity WHERE AccountId != null LIMIT 1")).records[0] ?? {};
    const id = (await conn.sobject("Task").create({ Subject: "Call", WhatId: opp.Id, Status: "Not Started" })).id ?? "";
    let t = await conn.sobject("Task").retrieve(id);
    expect([t.IsClosed, t.CompletedDateTime, t.Priority, t.AccountId, t.TaskSubtype]).toEqual([
      false,
      null,
      "Normal",
      opp.AccountId,
      "Task",
    ]);
    await conn.sobject("Task").update({ Id: id, Status: "Completed" });
    t = await conn.sobject("Task").retrieve(id);
    expect(t.IsClosed).toBe(true);
    expect(t.CompletedDateTime).toMatch(/\+0000$/);
  });

  it("Event EndDateTime derives from StartDateTime and DurationInMinutes; missing duration is required", async () => {
    const id =
      (
        await conn
          .sobject("Event")
          .create({ Subject: "Demo", StartDateTime: "2026-12-01T15:00:00Z", DurationInMinutes: 45 })
      ).id ?? "";
    const e = await conn.sobject("Event").retrieve(id);
    expect([e.StartDateTime, e.EndDateTime, e.ActivityDate, e.ActivityDateTime]).toEqual([
      "2026-12-01T15:00:00.000+0000",
      "2026-12-01T15:45:00.000+0000",
      "2026-12-01",
      "2026-12-01T15:00:00.000+0000",
    ]);
    const error = await caught(
      conn.sobject("Event").create({ Subject: "No end", StartDateTime: "2026-12-01T15:00:00Z" }),
    );
    expect(error.errorCode).toBe("REQUIRED_FIELD_MISSING");
  });

  it("one primary contact role per opportunity (§3.3)", async () => {
    const opp =
      (
        await conn.query<Row>(
          "SELECT Id, AccountId FROM Opportunity WHERE AccountId != null AND OwnerId = '" +
            sf.users[0]?.id +
            "' LIMIT 1",
        )
      ).records[0] ?? {};
    const contacts = (
      await conn.query<Row>(`SELECT Id FROM Contact WHERE AccountId = '${String(opp.AccountId)}' LIMIT 2`)
    ).records;
    const a = await conn
      .sobject("OpportunityContactRole")
      .create({ OpportunityId: opp.Id, ContactId: contacts[0]?.Id, Role: "Decision Maker", IsPrimary: true });
    await conn
      .sobject("OpportunityContactRole")
      .create({ OpportunityId: opp.Id, ContactId: contacts[1]?.Id, Role: "Influencer", IsPrimary: true });
    const primaries = await conn.query<Row>(
      `SELECT Id FROM OpportunityContactRole WHERE OpportunityId = '${String(opp.Id)}' AND IsPrimary = true`,
    );
    expect(primaries.totalSize).toBe(1);
    expect(primaries.records[0]?.Id).not.toBe(a.id);
  });
});

describe("upsert by external id (§2.4)", () => {
  it("creates (201 created:true), then updates (200 created:false), and rejects non-external fields", async () => {
    const first = await conn.sobject("Task").upsert({ Tandem_Key__c: "K-1", Subject: "Upserted" }, "Tandem_Key__c");
    expect(first).toMatchObject({ success: true, created: true });
    const second = await conn
      .sobject("Task")
      .upsert({ Tandem_Key__c: "k-1", Subject: "Upserted again" }, "Tandem_Key__c");
    expect(second).toMatchObject({ success: true, created: false, id: (first as { id: string }).id });
    const found = await conn.query<Row>("SELECT Id, Subject FROM Task WHERE Tandem_Key__c = 'K-1'");
    expect(found.records.map((r) => r.Subject)).toEqual(["Upserted again"]);
    const error = await caught(conn.sobject("Task").upsert({ Subject: "x" }, "Subject"));
    expect(error.errorCode).toBe("NOT_FOUND");
    // the external id is unique (case-insensitive)
    const dup = await caught(conn.sobject("Task").create({ Subject: "dup", Tandem_Key__c: "k-1" }));
    expect(dup.errorCode).toBe("DUPLICATE_VALUE");
  });
});

describe("describe (§2.12)", () => {
  it("describeGlobal lists every served object with key prefixes", async () => {
    const global = await conn.describeGlobal();
    const byName = new Map(global.sobjects.map((o) => [o.name, o]));
    expect(byName.get("OpportunityContactRole")?.keyPrefix).toBe("00K");
    expect(byName.get("Task")?.keyPrefix).toBe("00T");
    expect([...byName.keys()].sort()).toEqual([
      "Account",
      "Contact",
      "Event",
      "EventRelation",
      "FieldPermissions",
      "Opportunity",
      "OpportunityContactRole",
      "OpportunityStage",
      "PermissionSet",
      "PermissionSetAssignment",
      "Profile",
      "RecordType",
      "Task",
      "TaskRelation",
      "TaskStatus",
      "User",
    ]);
  });

  it("describe carries field flags and relationships; long text is not filterable", async () => {
    const d = await conn.sobject("Task").describe();
    const field = (n: string) => d.fields.find((f) => f.name === n);
    expect(field("Description")).toMatchObject({ type: "textarea", filterable: false, sortable: false, length: 32000 });
    expect(field("Subject")).toMatchObject({ filterable: true, nillable: true, createable: true, updateable: true });
    expect(field("IsClosed")).toMatchObject({ createable: false, updateable: false });
    expect(field("WhatId")).toMatchObject({
      referenceTo: ["Account", "Opportunity"],
      relationshipName: "What",
      polymorphicForeignKey: true,
    });
    const opp = await conn.sobject("Opportunity").describe();
    expect(opp.childRelationships).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          childSObject: "OpportunityContactRole",
          field: "OpportunityId",
          relationshipName: "OpportunityContactRoles",
        }),
      ]),
    );
  });

  it("jsforce find('*') uses describe to expand every field (§0.11)", async () => {
    const recs = await conn.sobject("OpportunityStage").find({}, "*").sort({ SortOrder: 1 });
    expect(recs.map((r) => [r.MasterLabel, r.DefaultProbability])).toEqual([
      ["Prospecting", 10],
      ["Qualification", 10],
      ["Needs Analysis", 20],
      ["Value Proposition", 50],
      ["Id. Decision Makers", 60],
      ["Perception Analysis", 70],
      ["Proposal/Price Quote", 75],
      ["Negotiation/Review", 90],
      ["Closed Won", 100],
      ["Closed Lost", 0],
    ]);
  });
});

describe("getUpdated / getDeleted (§2.6, §0.17)", () => {
  it("lists updated and deleted ids in the window, with latestDateCovered", async () => {
    const start = new Date(sf.control.now().getTime() - 60_000);
    const id = (await conn.sobject("Account").create({ Name: "Replicated Ltd." })).id ?? "";
    await conn.sobject("Account").destroy(id);
    const id2 = (await conn.sobject("Account").create({ Name: "Updated Ltd." })).id ?? "";
    sf.control.advanceClock(120_000);
    const end = sf.control.now();
    const updated = await conn.sobject("Account").updated(start.toISOString(), end.toISOString());
    expect(updated.ids).toContain(id2);
    expect(updated.ids).not.toContain(id);
    expect(updated.latestDateCovered).toMatch(/:00\.000\+0000$/);
    const deleted = await conn.sobject("Account").deleted(start.toISOString(), end.toISOString());
    expect(deleted.deletedRecords.map((d) => d.id)).toEqual([id]);
    expect(deleted.earliestDateAvailable).toMatch(/\+0000$/);
  });

  it("start after end and a start beyond 30 days answer INVALID_REPLICATION_DATE", async () => {
    const now = sf.control.now().getTime();
    const e1 = await caught(
      conn.sobject("Account").updated(new Date(now).toISOString(), new Date(now - 3600_000).toISOString()),
    );
    expect(e1.errorCode).toBe("INVALID_REPLICATION_DATE");
    const e2 = await caught(
      conn.sobject("Account").updated(new Date(now - 31 * 86_400_000).toISOString(), new Date(now).toISOString()),
    );
    expect(e2.errorCode).toBe("INVALID_REPLICATION_DATE");
  });
});

describe("versions, resources, limits (§2.8, §2.9)", () => {
  it("GET /services/data needs no auth and lists versions from 50.0", async () => {
    const res = await raw(`${sf.url}/services/data`);
    expect(res.status).toBe(200);
    const list = res.body as { version: string; label: string; url: string }[];
    expect(list[0]).toEqual({ label: "Winter '21", url: "/services/data/v50.0", version: "50.0" });
    expect(list.find((v) => v.version === "62.0")?.label).toBe("Winter '25");
  });

  it("resources carry the identity URL; any version ≥ 50 works, lower ones 404", async () => {
    const res = await raw(`${sf.url}/services/data/v62.0`, { token: conn.accessToken ?? "" });
    expect((res.body as { identity: string }).identity).toBe(`${sf.url}/id/${sf.orgId}/${sf.users[0]?.id}`);
    expect((await raw(`${sf.url}/services/data/v99.0/limits`, { token: conn.accessToken ?? "" })).status).toBe(200);
    expect((await raw(`${sf.url}/services/data/v49.0/limits`, { token: conn.accessToken ?? "" })).status).toBe(404);
  });

  it("limits report DailyApiRequests and jsforce reads Sforce-Limit-Info into limitInfo", async () => {
    const limits = await conn.limits();
    const used = sf.control.stats().apiUsage.used;
    expect(limits.DailyApiRequests).toEqual({ Max: 100000, Remaining: 100000 - used });
    expect(conn.limitInfo.apiUsage).toEqual({ used, limit: 100000 });
  });
});
