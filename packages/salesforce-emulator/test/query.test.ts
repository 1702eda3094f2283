/**
 * Conformance: SOQL query, queryAll and queryMore through jsforce over HTTP (reference §1.3,
 * §1.4, §2.1, §2.2, §2.7, §2.11).
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
  sf = await createEmulator({ seed: "query", dataset: "medium" });
  conn = connectAs(jsforce, sf, sf.users[0]?.username ?? "");
});
afterAll(async () => {
  await sf.close();
});

async function all(soql: string, batchSize?: number): Promise<{ rows: Row[]; pages: number; totalSize: number }> {
  const headers = batchSize ? { "Sforce-Query-Options": `batchSize=${batchSize}` } : undefined;
  let res = await conn.query<Row>(soql, headers ? ({ headers } as never) : undefined);
  const rows = [...res.records];
  let pages = 1;
  while (!res.done && res.nextRecordsUrl) {
    res = await conn.queryMore<Row>(res.nextRecordsUrl, headers ? ({ headers } as never) : undefined);
    rows.push(...res.records);
    pages++;
  }
  return { rows, pages, totalSize: res.totalSize };
}

describe("query result shape (§2.1, §2.2)", () => {
  it("parent fields nest with attributes; empty child sub-queries are null; keys are canonical, in SELECT order", async () => {
    const res = await conn.query<Row>(
      "select id, NAME, account.name, Owner.Name, (SELECT ContactId, Role, IsPrimary FROM OpportunityContactRoles) FROM opportunity WHERE IsClosed = false",
    );
    expect(res.done).toBe(true);
    expect(res.totalSize).toBe(res.records.length);
    const first = res.records[0] ?? {};
    // §2.1: canonical API names regardless of the casing in SOQL, in SELECT order
    expect(Object.keys(first)).toEqual(["attributes", "Id", "Name", "Account", "Owner", "OpportunityContactRoles"]);
    expect(first.attributes).toEqual({
      type: "Opportunity",
      url: `/services/data/v60.0/sobjects/Opportunity/${String(first.Id)}`,
    });
    // §2.2: parent objects carry their own attributes and only the selected fields
    const owner = first.Owner as Row;
    expect(owner.attributes).toMatchObject({ type: "User" });
    expect(Object.keys(owner)).toEqual(["attributes", "Name"]);
    const withRoles = res.records.filter((r) => r.OpportunityContactRoles !== null);
    const withoutRoles = res.records.filter((r) => r.OpportunityContactRoles === null);
    // §0.14: an empty child sub-query is null, not {records: []}
    expect(withRoles.length).toBeGreaterThan(0);
    expect(withoutRoles.length).toBeGreaterThan(0);
    const roles = withRoles[0]?.OpportunityContactRoles as { totalSize: number; done: boolean; records: Row[] };
    expect(roles.done).toBe(true);
    expect(roles.totalSize).toBe(roles.records.length);
    expect(Object.keys(roles.records[0] ?? {})).toEqual(["attributes", "ContactId", "Role", "IsPrimary"]);
  });

  it("a null lookup is null; polymorphic Who/What carry the concrete type (§2.2)", async () => {
    const c = await conn.sobject("Contact").create({ LastName: "Orphan" });
    const res = await conn.query<Row>(`SELECT Id, Account.Name FROM Contact WHERE Id = '${c.id}'`);
    expect(res.records[0]?.Account).toBeNull();
    const tasks = await conn.query<Row>(
      "SELECT Id, Who.Name, What.Name, What.Type FROM Task WHERE WhatId != null LIMIT 50",
    );
    const types = new Set(tasks.records.map((t) => ((t.What as Row).attributes as Row).type));
    for (const t of tasks.records) expect((t.What as Row).Type).toBe(((t.What as Row).attributes as Row).type);
    expect([...types].every((t) => t === "Account" || t === "Opportunity")).toBe(true);
  });

  it("null field values are present as null (§2.1)", async () => {
    const res = await conn.query<Row>(
      "SELECT Id, Description FROM Opportunity WHERE Description = null LIMIT 1".replace(
        "WHERE Description = null ",
        "",
      ),
    );
    expect("Description" in (res.records[0] ?? {})).toBe(true);
  });

  it("count() answers totalSize with no records; COUNT(Id) answers an AggregateResult (§2.1)", async () => {
    const count = await conn.sobject("Contact").count({ AccountId: { $ne: null } } as never);
    const { rows } = await all("SELECT Id FROM Contact WHERE AccountId != null");
    expect(count).toBe(rows.length);
    const raw1 = await conn.query("SELECT count() FROM Contact");
    expect(raw1.records).toEqual([]);
    const agg = await conn.query<Row>("SELECT COUNT(Id) FROM Opportunity WHERE IsClosed = true");
    expect(agg.records[0]).toEqual({
      attributes: { type: "AggregateResult" },
      expr0: (await all("SELECT Id FROM Opportunity WHERE IsClosed = true")).rows.length,
    });
  });
});

describe("aggregates with GROUP BY (§2.1 AggregateResult)", () => {
  it("groups by a field with MAX/COUNT and aliases, ordered by an aggregate", async () => {
    const tasks = (await all("SELECT WhoId, ActivityDate FROM Task WHERE WhoId != null")).rows;
    const expected = new Map<string, { last: string; n: number }>();
    for (const t of tasks) {
      const e = expected.get(String(t.WhoId)) ?? { last: "", n: 0 };
      e.n++;
      if (typeof t.ActivityDate === "string" && t.ActivityDate > e.last) e.last = t.ActivityDate;
      expected.set(String(t.WhoId), e);
    }
    const res = await conn.query<Row>(
      "SELECT WhoId, MAX(ActivityDate) lastDate, COUNT(Id) FROM Task WHERE WhoId != null GROUP BY WhoId ORDER BY MAX(ActivityDate) DESC",
    );
    expect(res.totalSize).toBe(expected.size);
    expect(Object.keys(res.records[0] ?? {})).toEqual(["attributes", "WhoId", "lastDate", "expr0"]);
    for (const r of res.records) {
      expect(r.attributes).toEqual({ type: "AggregateResult" });
      expect([r.lastDate, r.expr0]).toEqual([expected.get(String(r.WhoId))?.last, expected.get(String(r.WhoId))?.n]);
    }
    const dates = res.records.map((r) => String(r.lastDate));
    expect(dates).toEqual([...dates].sort().reverse());
    const bad = await caught(conn.query("SELECT WhoId, Subject FROM Task GROUP BY WhoId"));
    expect(bad.errorCode).toBe("MALFORMED_QUERY");
  });
});

describe("paging (§1.4, §2.1)", () => {
  it("default batch is 2000; nextRecordsUrl is /services/data/vXX.X/query/<locator>; last page has no nextRecordsUrl", async () => {
    const total = await conn.sobject("Task").count();
    expect(total).toBeGreaterThan(2000);
    const res = await raw(`${sf.url}/services/data/v60.0/query?q=${encodeURIComponent("SELECT Id FROM Task")}`, {
      token: conn.accessToken ?? "",
    });
    const body = res.body as { totalSize: number; done: boolean; nextRecordsUrl: string; records: Row[] };
    expect(body.records).toHaveLength(2000);
    expect(body.totalSize).toBe(total);
    expect(body.done).toBe(false);
    expect(body.nextRecordsUrl).toMatch(/^\/services\/data\/v60\.0\/query\/0r8[0-9A-Za-z]{15}-2000$/);
    let url: string | undefined = body.nextRecordsUrl;
    let seen = body.records.length;
    let last: Row = body;
    while (url) {
      const next = await raw(`${sf.url}${url}`, { token: conn.accessToken ?? "" });
      last = next.body as Row;
      seen += (last.records as Row[]).length;
      url = last.nextRecordsUrl as string | undefined;
      if (url)
        expect(url).toBe(`/services/data/v60.0/query/${body.nextRecordsUrl.split("/").pop()?.split("-")[0]}-${seen}`);
    }
    expect(last.done).toBe(true);
    expect("nextRecordsUrl" in last).toBe(false);
    expect(seen).toBe(total);
  });

  it("Sforce-Query-Options batchSize pages at N, clamped to 200..2000, every row exactly once", async () => {
    const { rows, pages, totalSize } = await all("SELECT Id FROM Task ORDER BY ActivityDate DESC, Id", 500);
    expect(rows).toHaveLength(totalSize);
    expect(new Set(rows.map((r) => r.Id)).size).toBe(totalSize);
    expect(pages).toBe(Math.ceil(totalSize / 500));
    const small = await conn.query("SELECT Id FROM Task", {
      headers: { "Sforce-Query-Options": "batchSize=10" },
    } as never);
    expect(small.records).toHaveLength(200);
    const big = await conn.query("SELECT Id FROM Task", {
      headers: { "Sforce-Query-Options": "batchSize=5000" },
    } as never);
    expect(big.records).toHaveLength(2000);
  });

  it("jsforce autoFetch follows locators up to maxFetch", async () => {
    const records: Row[] = [];
    await new Promise<void>((resolve, reject) => {
      conn
        .query("SELECT Id, Subject FROM Task")
        .on("record", (r: Row) => records.push(r))
        .on("end", () => resolve())
        .on("error", reject)
        .run({ autoFetch: true, maxFetch: 100_000 });
    });
    expect(records.length).toBe(await conn.sobject("Task").count());
  });

  it("an unknown locator answers 400 INVALID_QUERY_LOCATOR (§2.7)", async () => {
    const error = await caught(conn.queryMore("0r8xx0000000000AAA-2000"));
    expect(error.errorCode).toBe("INVALID_QUERY_LOCATOR");
  });

  it("queryAll returns deleted rows with IsDeleted = true and pages through /query/ locators (§0.13)", async () => {
    const created = await conn.sobject("Account").create({ Name: "Soon Deleted Ltd." });
    await conn.sobject("Account").destroy(created.id ?? "");
    const q = await conn.query<Row>(`SELECT Id, IsDeleted FROM Account WHERE Id = '${created.id}'`);
    expect(q.totalSize).toBe(0);
    const qa = await conn.query<Row>(`SELECT Id, IsDeleted FROM Account WHERE Id = '${created.id}'`, {
      scanAll: true,
    } as never);
    expect(qa.records).toEqual([expect.objectContaining({ Id: created.id, IsDeleted: true })]);
    const res = await raw(`${sf.url}/services/data/v60.0/queryAll?q=${encodeURIComponent("SELECT Id FROM Task")}`, {
      token: conn.accessToken ?? "",
    });
    const url = (res.body as { nextRecordsUrl: string }).nextRecordsUrl;
    expect(url).toContain("/query/");
    const viaQueryAll = await raw(`${sf.url}${url.replace("/query/", "/queryAll/")}`, {
      token: conn.accessToken ?? "",
    });
    expect(viaQueryAll.status).toBe(200);
  });
});

describe("WHERE, ORDER BY, LIMIT, OFFSET (§2.11, §6.1)", () => {
  let opps: Row[];
  beforeAll(async () => {
    opps = (
      await all(
        "SELECT Id, Name, Amount, StageName, CloseDate, IsClosed, OwnerId, AccountId, Probability FROM Opportunity",
      )
    ).rows;
  });
  const ids = (rows: Row[]) => rows.map((r) => r.Id).sort();
  const expectSame = async (soql: string, predicate: (r: Row) => boolean) => {
    const { rows } = await all(soql);
    expect(ids(rows)).toEqual(ids(opps.filter(predicate)));
    return rows;
  };

  it("comparison operators, AND/OR/NOT and parentheses", async () => {
    await expectSame(
      "SELECT Id FROM Opportunity WHERE Amount >= 100000 AND (StageName = 'Prospecting' OR StageName = 'Closed Won')",
      (r) => Number(r.Amount) >= 100000 && (r.StageName === "Prospecting" || r.StageName === "Closed Won"),
    );
    await expectSame(
      "SELECT Id FROM Opportunity WHERE NOT (Amount < 50000) AND IsClosed != true",
      (r) => !(Number(r.Amount) < 50000) && r.IsClosed !== true,
    );
    await expectSame(
      "SELECT Id FROM Opportunity WHERE Probability > 10 OR Amount <= 20000",
      (r) => Number(r.Probability) > 10 || Number(r.Amount) <= 20000,
    );
  });

  it("strings compare case-insensitively; LIKE with % and _; IN and NOT IN", async () => {
    const name = String(opps[0]?.Name);
    await expectSame(
      `SELECT Id FROM Opportunity WHERE Name = '${name.toUpperCase().replace(/'/g, "\\'")}'`,
      (r) => String(r.Name).toLowerCase() === name.toLowerCase(),
    );
    await expectSame("SELECT Id FROM Opportunity WHERE Name LIKE '%renewal%'", (r) => /renewal/i.test(String(r.Name)));
    await expectSame("SELECT Id FROM Opportunity WHERE Name LIKE 'n_rthwind%'", (r) =>
      /^n.rthwind/i.test(String(r.Name)),
    );
    await expectSame(
      "SELECT Id FROM Opportunity WHERE StageName IN ('Prospecting', 'qualification')",
      (r) => r.StageName === "Prospecting" || r.StageName === "Qualification",
    );
    await expectSame(
      "SELECT Id FROM Opportunity WHERE StageName NOT IN ('Closed Won', 'Closed Lost')",
      (r) => r.IsClosed === false,
    );
  });

  it("string escapes are honoured", async () => {
    const created = await conn.sobject("Account").create({ Name: "O'Brien \\ Sons" });
    const res = await conn.query<Row>("SELECT Id, Name FROM Account WHERE Name = 'O\\'Brien \\\\ Sons'");
    expect(res.records.map((r) => r.Id)).toEqual([created.id]);
  });

  it("date literals and unquoted date/datetime literals", async () => {
    const today = new Date(sf.control.now().getTime());
    const iso = (d: Date) => d.toISOString().slice(0, 10);
    const plus = (days: number) =>
      iso(new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + days)));
    await expectSame(
      "SELECT Id FROM Opportunity WHERE CloseDate = NEXT_N_DAYS:30",
      (r) => String(r.CloseDate) >= plus(1) && String(r.CloseDate) < plus(31),
    );
    await expectSame("SELECT Id FROM Opportunity WHERE CloseDate < TODAY", (r) => String(r.CloseDate) < plus(0));
    await expectSame(
      "SELECT Id FROM Opportunity WHERE CloseDate = LAST_N_DAYS:30",
      (r) => String(r.CloseDate) >= plus(-30) && String(r.CloseDate) < plus(1),
    );
    await expectSame(
      `SELECT Id FROM Opportunity WHERE CloseDate >= ${plus(-10)} AND CloseDate <= ${plus(10)}`,
      (r) => String(r.CloseDate) >= plus(-10) && String(r.CloseDate) <= plus(10),
    );
    const tasks = await all(`SELECT Id FROM Task WHERE SystemModstamp > ${plus(-7)}T00:00:00Z`);
    const allTasks = await all("SELECT Id, SystemModstamp FROM Task");
    expect(tasks.rows.length).toBe(
      allTasks.rows.filter((t) => String(t.SystemModstamp) > `${plus(-7)}T00:00:00.000+0000`).length,
    );
  });

  it("semi-joins and anti-joins", async () => {
    const roles = (await all("SELECT ContactId FROM OpportunityContactRole")).rows;
    const withRole = new Set(roles.map((r) => r.ContactId));
    const inRes = await all("SELECT Id FROM Contact WHERE Id IN (SELECT ContactId FROM OpportunityContactRole)");
    expect(inRes.rows.map((r) => r.Id).sort()).toEqual([...withRole].sort());
    const notIn = await all("SELECT Id FROM Contact WHERE Id NOT IN (SELECT ContactId FROM OpportunityContactRole)");
    const total = await conn.sobject("Contact").count();
    expect(notIn.rows.length).toBe(total - withRole.size);
  });

  it("ORDER BY several fields with NULLS FIRST/LAST, LIMIT and OFFSET", async () => {
    const res = await all(
      "SELECT Id, StageName, Amount FROM Opportunity ORDER BY StageName ASC, Amount DESC NULLS LAST, Id",
    );
    const sorted = [...res.rows].sort((a, b) => {
      const s = String(a.StageName).toLowerCase().localeCompare(String(b.StageName).toLowerCase(), "en");
      if (s !== 0) return String(a.StageName).toLowerCase() < String(b.StageName).toLowerCase() ? -1 : 1;
      const x = a.Amount as number | null;
      const y = b.Amount as number | null;
      if (x !== y) {
        if (x === null) return 1;
        if (y === null) return -1;
        return y - x;
      }
      return String(a.Id) < String(b.Id) ? -1 : 1;
    });
    expect(res.rows.map((r) => r.Id)).toEqual(sorted.map((r) => r.Id));
    const page = await conn.query<Row>(
      "SELECT Id FROM Opportunity ORDER BY StageName ASC, Amount DESC NULLS LAST, Id LIMIT 5 OFFSET 7",
    );
    expect(page.records.map((r) => r.Id)).toEqual(sorted.slice(7, 12).map((r) => r.Id));
    const nullsFirst = await conn.query<Row>(
      "SELECT Id, Description FROM Account ORDER BY Industry NULLS FIRST LIMIT 3",
    );
    expect(nullsFirst.records).toHaveLength(3);
  });

  it("15-character ids work in filters", async () => {
    const id = String(opps[0]?.Id);
    const res = await conn.query<Row>(`SELECT Id FROM Opportunity WHERE Id = '${id.slice(0, 15)}'`);
    expect(res.records.map((r) => r.Id)).toEqual([id]);
  });
});

describe("Bulk API 2.0 query (§1.8, §5.4)", () => {
  it("conn.bulk2.query streams every row as CSV, the last page carrying Sforce-Locator: null", async () => {
    const soql = "SELECT Id, Subject, Status, Account.Name, IsClosed FROM Task";
    const expected = (await all(soql)).rows;
    const stream = await conn.bulk2.query(soql, { pollInterval: 10 });
    const rows: Row[] = [];
    await new Promise<void>((resolve, reject) => {
      stream.on("record", (r: Row) => rows.push(r));
      stream.on("end", () => resolve());
      stream.on("error", reject);
    });
    expect(rows).toHaveLength(expected.length);
    const byId = new Map(expected.map((r) => [String(r.Id), r]));
    for (const r of rows.slice(0, 500)) {
      const e = byId.get(String(r.Id)) ?? {};
      // CSV carries strings: null as "", booleans as "true"/"false"
      expect(r.Subject).toBe(e.Subject ?? "");
      expect(r["Account.Name"]).toBe((e.Account as Row | null)?.Name ?? "");
      expect(r.IsClosed).toBe(String(e.IsClosed));
    }
  });

  it("pages results by maxRecords with a header row per page and Sforce-NumberOfRecords", async () => {
    const token = conn.accessToken ?? "";
    const job = await raw(`${sf.url}/services/data/v60.0/jobs/query`, {
      method: "POST",
      token,
      body: JSON.stringify({ operation: "query", query: "SELECT Id, Name FROM Account" }),
    });
    const info = job.body as { id: string; state: string; contentType: string };
    expect(info).toMatchObject({ state: "UploadComplete", contentType: "CSV" });
    expect(info.id).toMatch(/^750/);
    const polled = await raw(`${sf.url}/services/data/v60.0/jobs/query/${info.id}`, { token });
    expect((polled.body as { state: string }).state).toBe("JobComplete");
    const total = (await conn.query("SELECT count() FROM Account")).totalSize;
    let locator: string | null = "";
    const ids: string[] = [];
    while (locator !== "null") {
      const page: Awaited<ReturnType<typeof raw>> = await raw(
        `${sf.url}/services/data/v60.0/jobs/query/${info.id}/results?maxRecords=150${locator ? `&locator=${locator}` : ""}`,
        { token },
      );
      expect(page.headers.get("content-type")).toMatch(/^text\/csv/);
      const lines = page.text.trim().split("\n");
      expect(lines[0]).toBe('"Id","Name"');
      expect(Number(page.headers.get("sforce-numberofrecords"))).toBe(lines.length - 1);
      ids.push(...lines.slice(1).map((l) => l.split(",")[0]?.replace(/"/g, "") ?? ""));
      locator = page.headers.get("sforce-locator");
    }
    expect(ids).toHaveLength(total);
    expect(new Set(ids).size).toBe(total);
  });

  it("refuses child sub-queries and aggregates", async () => {
    const error = await caught(
      conn.bulk2.query("SELECT Id, (SELECT Id FROM Contacts) FROM Account", { pollInterval: 10 }),
    );
    expect(error.message).toContain("Bulk API 2.0");
  });
});

describe("query errors (§2.7, §2.11)", () => {
  it.each([
    ["SELECT Id FRM Account", "MALFORMED_QUERY"],
    ["SELECT Id, Name, Name FROM Account", "MALFORMED_QUERY"],
    ["SELECT Id, Foo FROM Account", "INVALID_FIELD"],
    ["SELECT Id, Foo.Name FROM Contact", "INVALID_FIELD"],
    ["SELECT Id FROM Task WHERE Description = 'x'", "INVALID_FIELD"],
    ["SELECT Id FROM Task ORDER BY Description", "INVALID_FIELD"],
    ["SELECT Id FROM Opportunity WHERE CloseDate > '2026-01-01'", "INVALID_FIELD"],
    ["SELECT Id FROM Opportunity WHERE Name = 5", "INVALID_FIELD"],
    ["SELECT Id FROM Account WHERE Id = 'nope'", "INVALID_QUERY_FILTER_OPERATOR"],
    ["SELECT Id FROM Foo", "INVALID_TYPE"],
    ["SELECT Id, (SELECT Id FROM Nothings) FROM Account", "INVALID_TYPE"],
    ["SELECT Id FROM Account LIMIT 10 OFFSET 2001", "NUMBER_OUTSIDE_VALID_RANGE"],
  ])("%s → %s", async (soql, code) => {
    const error = await caught(conn.query(soql));
    expect(error.errorCode).toBe(code);
    // §2.7: the message echoes the query with row and column
    expect(error.message).toContain("ERROR at Row:1:Column:");
  });

  it("the long-text filter error has Salesforce's wording (§0.19)", async () => {
    const error = await caught(conn.query("SELECT Id FROM Task WHERE Description = 'x'"));
    expect(error.message).toContain("field 'Description' can not be filtered in query call");
  });
});

describe("Task short text fields filter and round-trip (§3.6)", () => {
  it("Subject, CallObject and CallDisposition round-trip exactly and are filterable", async () => {
    const key = "tandem:0192f0c4-7b7e-7a8e-9a41-8f1c2d3e4f50";
    const t = await conn.sobject("Task").create({
      Subject: "Call with Ada Lovelace ✓ – “quotes” & 'apostrophes'",
      CallObject: key,
      CallDisposition: "Connected",
      Description: "line one\nline two – ünïcödé",
      Status: "Completed",
    });
    const got = await conn.sobject("Task").retrieve(t.id ?? "");
    expect(got.Subject).toBe("Call with Ada Lovelace ✓ – “quotes” & 'apostrophes'");
    expect(got.Description).toBe("line one\nline two – ünïcödé");
    const found = await conn.query<Row>(`SELECT Id, CallObject FROM Task WHERE CallObject = '${key}'`);
    expect(found.records).toEqual([expect.objectContaining({ Id: t.id, CallObject: key })]);
    const bySubject = await conn.query<Row>(
      "SELECT Id FROM Task WHERE Subject = 'Call with Ada Lovelace ✓ – “quotes” & \\'apostrophes\\''",
    );
    expect(bySubject.records.map((r) => r.Id)).toEqual([t.id]);
  });
});
