/**
 * Conformance: sObject Collections and composite through jsforce over HTTP (reference §1.3,
 * §2.5, §0.9, §5.1).
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
  sf = await createEmulator({ seed: "collections", externalIdFields: [{ object: "Task", name: "Tandem_Key__c" }] });
  conn = connectAs(jsforce, sf, sf.users[0]?.username ?? "");
});
afterAll(async () => {
  await sf.close();
});

async function count(soql: string): Promise<number> {
  return (await conn.query(soql)).totalSize;
}

describe("sObject Collections (§2.5)", () => {
  it("create: one result per record in order; item errors use statusCode (§0.9); allOrNone=false keeps the good ones", async () => {
    const before = await count("SELECT count() FROM Account");
    const results = await conn
      .sobject("Account")
      .create([{ Name: "Batch A" }, { Phone: "no name" }, { Name: "Batch C" }]);
    expect(results).toHaveLength(3);
    expect(results[0]).toEqual({ id: expect.stringMatching(/^001/), success: true, errors: [] });
    expect(results[1]).toEqual({
      success: false,
      errors: [
        { statusCode: "REQUIRED_FIELD_MISSING", message: "Required fields are missing: [Name]", fields: ["Name"] },
      ],
    });
    expect(results[2]?.success).toBe(true);
    expect(await count("SELECT count() FROM Account")).toBe(before + 2);
  });

  it("allOrNone=true rolls back the good ones with ALL_OR_NONE_OPERATION_ROLLED_BACK", async () => {
    const before = await count("SELECT count() FROM Account");
    const results = await conn
      .sobject("Account")
      .create([{ Name: "Atomic A" }, { Phone: "no name" }], { allOrNone: true });
    expect(results[0]).toMatchObject({ success: false, errors: [{ statusCode: "ALL_OR_NONE_OPERATION_ROLLED_BACK" }] });
    expect(results[1]).toMatchObject({ success: false, errors: [{ statusCode: "REQUIRED_FIELD_MISSING" }] });
    expect(await count("SELECT count() FROM Account")).toBe(before);
    expect(await count("SELECT count() FROM Account WHERE Name = 'Atomic A'")).toBe(0);
  });

  it("update and delete by collection; a malformed id fails only its item", async () => {
    const created = await conn.sobject("Task").create([{ Subject: "C1" }, { Subject: "C2" }]);
    const ids = created.map((r) => String(r.id));
    const updated = await conn.sobject("Task").update([
      { Id: ids[0] ?? "", Status: "Completed" },
      { Id: "00Tnotanid", Status: "Completed" },
    ]);
    expect(updated[0]).toEqual({ id: ids[0], success: true, errors: [] });
    expect(updated[1]).toMatchObject({ success: false, errors: [{ statusCode: "MALFORMED_ID", fields: ["Id"] }] });
    const t = await conn.sobject("Task").retrieve(ids[0] ?? "");
    expect(t.IsClosed).toBe(true);
    const deleted = await conn.sobject("Task").destroy(ids);
    expect(deleted.map((d) => d.success)).toEqual([true, true]);
    expect(await count(`SELECT count() FROM Task WHERE Id IN ('${ids.join("','")}')`)).toBe(0);
  });

  it("more than 200 records is rejected as a whole and stores nothing", async () => {
    const before = await count("SELECT count() FROM Task");
    const records = Array.from({ length: 201 }, (_, i) => ({ Subject: `Too many ${i}` }));
    const error = await caught(conn.sobject("Task").create(records));
    expect(error.errorCode).toBe("EXCEEDED_ID_LIMIT");
    expect(await count("SELECT count() FROM Task")).toBe(before);
  });

  it("allowRecursive splits 450 records into calls of 200 (§1.3)", async () => {
    sf.control.resetStats();
    const records = Array.from({ length: 450 }, (_, i) => ({ Subject: `Bulk ${i}`, CallObject: `bulk-${i}` }));
    const results = await conn.sobject("Task").create(records, { allowRecursive: true });
    expect(results.every((r) => r.success)).toBe(true);
    expect(sf.control.stats().apiCalls.byRoute["POST /composite/sobjects"]).toBe(3);
    expect(await count("SELECT count() FROM Task WHERE CallObject LIKE 'bulk-%'")).toBe(450);
  });

  it("retrieve by collection answers records in order and null for unknown ids (§2.5)", async () => {
    const ids = (await conn.query<Row>("SELECT Id FROM Account LIMIT 2")).records.map((r) => String(r.Id));
    const res = await raw(`${sf.url}/services/data/v60.0/composite/sobjects/Account`, {
      method: "POST",
      token: conn.accessToken ?? "",
      body: JSON.stringify({ ids: [ids[0], "001000000000000AAA", ids[1]], fields: ["Id", "Name"] }),
    });
    const body = res.body as (Row | null)[];
    expect(body.map((r) => (r ? r.Id : null))).toEqual([ids[0], null, ids[1]]);
  });
});

describe("jsforce array helpers over collections (§1.3)", () => {
  it("retrieve([ids]) describes, then POSTs composite/sobjects/X; upsert([...]) PATCHes composite/sobjects/X/Field", async () => {
    const ids = (await conn.query<Row>("SELECT Id FROM Contact LIMIT 3")).records.map((r) => String(r.Id));
    const recs = await conn.sobject("Contact").retrieve(ids);
    expect(recs.map((r) => r?.Id)).toEqual(ids);
    expect(recs[0]).toHaveProperty("Email");
    const upserted = await conn.sobject("Task").upsert(
      [
        { Tandem_Key__c: "U-1", Subject: "first" },
        { Tandem_Key__c: "U-2", Subject: "second" },
      ],
      "Tandem_Key__c",
    );
    expect(upserted.map((r) => [r.success, (r as { created?: boolean }).created])).toEqual([
      [true, true],
      [true, true],
    ]);
    const again = await conn
      .sobject("Task")
      .upsert([{ Tandem_Key__c: "u-1", Subject: "first, updated" }], "Tandem_Key__c");
    expect(again.map((r) => [r.success, (r as { created?: boolean }).created])).toEqual([[true, false]]);
  });
});

describe("composite (§5.1: ≤ 25 subrequests, one API call)", () => {
  it("runs subrequests in order with @{ref} references and counts as one call", async () => {
    sf.control.resetStats();
    const res = await conn.requestPost<{
      compositeResponse: { httpStatusCode: number; referenceId: string; body: Row }[];
    }>("/services/data/v60.0/composite", {
      allOrNone: true,
      compositeRequest: [
        {
          method: "POST",
          url: "/services/data/v60.0/sobjects/Account",
          referenceId: "acct",
          body: { Name: "Composite Co." },
        },
        {
          method: "POST",
          url: "/services/data/v60.0/sobjects/Contact",
          referenceId: "ct",
          body: { LastName: "Ref", AccountId: "@{acct.id}" },
        },
        {
          method: "GET",
          url: "/services/data/v60.0/sobjects/Contact/@{ct.id}?fields=Id,AccountId,Name",
          referenceId: "read",
        },
        {
          method: "GET",
          url: "/services/data/v60.0/query?q=SELECT+Id+FROM+Contact+WHERE+AccountId+=+'@{acct.id}'",
          referenceId: "q",
        },
      ],
    });
    const [acct, ct, read, q] = res.compositeResponse;
    expect(acct?.httpStatusCode).toBe(201);
    expect(ct?.httpStatusCode).toBe(201);
    expect(read?.body.AccountId).toBe(acct?.body.id);
    expect(read?.body.Name).toBe("Ref");
    expect((q?.body as { totalSize: number } | undefined)?.totalSize).toBe(1);
    expect(sf.control.stats().apiCalls.total).toBe(1);
    expect(sf.control.stats().apiCalls.byRoute["POST /composite"]).toBe(1);
  });

  it("allOrNone rolls everything back and halts the rest with PROCESSING_HALTED", async () => {
    const before = await count("SELECT count() FROM Account");
    const res = await conn.requestPost<{
      compositeResponse: { httpStatusCode: number; body: { errorCode: string }[] }[];
    }>("/services/data/v60.0/composite", {
      allOrNone: true,
      compositeRequest: [
        {
          method: "POST",
          url: "/services/data/v60.0/sobjects/Account",
          referenceId: "a",
          body: { Name: "Rolled back" },
        },
        { method: "POST", url: "/services/data/v60.0/sobjects/Account", referenceId: "b", body: { Phone: "x" } },
        { method: "POST", url: "/services/data/v60.0/sobjects/Account", referenceId: "c", body: { Name: "Never" } },
      ],
    });
    expect(res.compositeResponse.map((r) => r.body[0]?.errorCode)).toEqual([
      "PROCESSING_HALTED",
      "REQUIRED_FIELD_MISSING",
      "PROCESSING_HALTED",
    ]);
    expect(await count("SELECT count() FROM Account")).toBe(before);
  });

  it("more than 25 subrequests is refused", async () => {
    const compositeRequest = Array.from({ length: 26 }, (_, i) => ({
      method: "GET",
      url: "/services/data/v60.0/limits",
      referenceId: `r${i}`,
    }));
    const error = await caught(conn.requestPost("/services/data/v60.0/composite", { compositeRequest }));
    expect(error.errorCode).toBe("LIMIT_EXCEEDED");
  });
});
