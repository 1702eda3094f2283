/**
 * The Bulk API 2.0 query reader (`src/bulk/`) against the emulator, as a sales rep: a job read
 * in small pages returns exactly the REST query's rows, in the REST shape (so the row readers
 * give the same records), for opportunities, contacts and contact roles with relationship
 * columns; a cursor resumes in a fresh client; gone, aborted and unfinished jobs fail with
 * their typed errors; every call is counted.
 */
import type { SalesforcePortError } from "@tandem/engine";
import type { Emulator } from "@tandem/salesforce-emulator";
import { Effect } from "effect";
import type { Connection } from "jsforce";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SignedInTokens } from "../src/auth/oauth.js";
import {
  awaitBulkQuery,
  type BulkCursor,
  type BulkPage,
  bulkColumnsFor,
  isBulkJobGone,
  readBulkPage,
  startBulkQuery,
} from "../src/bulk/bulk-query.js";
import { createSalesforceClient, type SalesforceClient } from "../src/client/salesforce-client.js";
import {
  CONTACT_FIELDS,
  CONTACT_ROLE_FIELDS,
  OPPORTUNITY_FIELDS,
  toContact,
  toContactRole,
  toOpportunity,
} from "../src/pull/records.js";
import { createUsageTracker, type UsageTracker } from "../src/usage/usage-tracker.js";
import { apiCalls, startRepOrg } from "./harness.js";

type Row = Record<string, unknown>;

let sf: Emulator;
let rep: SignedInTokens;
let conn: Connection;
const TRICKY_TITLE = 'VP, Sales "EMEA"\nand APAC';
let trickyContact = "";
let loneContact = "";

function newClient(): { readonly client: SalesforceClient; readonly usage: UsageTracker } {
  const usage = createUsageTracker();
  const client = createSalesforceClient({
    tokens: rep,
    oauth: { loginUrl: sf.url, clientId: sf.clientId, clientSecret: sf.clientSecret },
    usage,
    readRetry: { maxAttempts: 2, baseDelayMs: 1 },
  });
  return { client, usage };
}

const run = <A>(effect: Effect.Effect<A, SalesforcePortError>) => Effect.runPromise(effect);
const failure = <A>(effect: Effect.Effect<A, SalesforcePortError>) => Effect.runPromise(Effect.flip(effect));

/** REST rows without `attributes` (at any depth), the shape Bulk rows have. */
function withoutAttributes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutAttributes);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== "attributes")
      .map(([key, v]) => [key, withoutAttributes(v)]),
  );
}

const byId = (rows: ReadonlyArray<Row>) => [...rows].sort((a, b) => String(a.Id).localeCompare(String(b.Id)));

async function restRows(client: SalesforceClient, soql: string): Promise<Row[]> {
  return byId((await run(client.queryAll(soql))).map((r) => withoutAttributes(r) as Row));
}

/** Every page of a new job for `soql`, `maxRecords` at a time. */
async function bulkRows(client: SalesforceClient, sobject: string, fields: ReadonlyArray<string>, maxRecords: number) {
  const soql = `SELECT ${fields.join(", ")} FROM ${sobject}`;
  const jobId = await run(startBulkQuery(client, soql));
  const { records } = await run(awaitBulkQuery(client, jobId, { pollMs: 1 }));
  const rows: Row[] = [];
  let pages = 0;
  let cursor: BulkCursor | undefined = { jobId };
  while (cursor !== undefined) {
    const page: BulkPage = await run(
      readBulkPage(client, cursor, { maxRecords, columns: bulkColumnsFor(sobject, fields) }),
    );
    expect(page.rows.length).toBeLessThanOrEqual(maxRecords);
    rows.push(...page.rows);
    pages += 1;
    cursor = page.next;
  }
  return { soql, jobId, records, rows, pages };
}

beforeAll(async () => {
  const org = await startRepOrg("bulk-query");
  ({ sf, rep, conn } = org);
  const [opp] = (
    await conn.query<{ Id: string; AccountId: string }>(
      `SELECT Id, AccountId FROM Opportunity WHERE OwnerId = '${rep.userId}' AND AccountId != null LIMIT 1`,
    )
  ).records;
  if (opp === undefined) throw new Error("the rep owns an opportunity");
  await conn.sobject("Opportunity").update({ Id: opp.Id, Description: 'Line one, with a comma\nline "two"' });
  trickyContact = await org.create("Contact", { LastName: "Quoted", AccountId: opp.AccountId, Title: TRICKY_TITLE });
  loneContact = await org.create("Contact", { LastName: "Lone" });
});

afterAll(async () => {
  await sf.close();
});

const CASES = [
  { sobject: "Opportunity", fields: [...OPPORTUNITY_FIELDS, "Account.Name"], read: toOpportunity },
  { sobject: "Contact", fields: [...CONTACT_FIELDS, "Account.Name", "Account.Id"], read: toContact },
  {
    sobject: "OpportunityContactRole",
    fields: [...CONTACT_ROLE_FIELDS, "Contact.Email", "Opportunity.Amount", "Opportunity.IsClosed"],
    read: toContactRole,
  },
] as const;

describe("a Bulk 2.0 query read in pages equals the REST query (issue 23)", () => {
  it.each(CASES)("$sobject: same rows, same records after the row readers, every call counted", async (c) => {
    const { client, usage } = newClient();
    const statsBefore = await apiCalls(sf.url);
    const bulk = await bulkRows(client, c.sobject, c.fields, 40);
    const bulkCalls = usage.snapshot().callsMade;
    expect(await apiCalls(sf.url)).toBe(statsBefore + bulkCalls);
    // One call creates the job, one poll finds it complete, then one call per page.
    expect(bulkCalls).toBe(2 + bulk.pages);
    expect(bulk.pages).toBe(Math.max(1, Math.ceil(bulk.records / 40)));
    expect(bulk.pages).toBeGreaterThan(1);

    const rest = await restRows(client, bulk.soql);
    expect(bulk.rows).toHaveLength(bulk.records);
    expect(byId(bulk.rows)).toEqual(rest);
    expect(byId(bulk.rows).map((r) => c.read(r))).toEqual(rest.map((r) => c.read(r)));
  });

  it("covers nulls, booleans, numbers, nested relationships and quoted commas, quotes and line breaks", async () => {
    const { client } = newClient();
    const contacts = new Map((await bulkRows(client, "Contact", CASES[1].fields, 1_000)).rows.map((r) => [r.Id, r]));
    expect(contacts.get(trickyContact)).toMatchObject({ Title: TRICKY_TITLE, FirstName: null, Email: null });
    expect(contacts.get(trickyContact)?.Account).toEqual({ Name: expect.any(String), Id: expect.any(String) });
    expect(contacts.get(loneContact)).toMatchObject({ AccountId: null, Account: null });
    const opps = (await bulkRows(client, "Opportunity", CASES[0].fields, 1_000)).rows;
    expect(
      opps.some(
        (o) => typeof o.Description === "string" && o.Description.includes(",") && o.Description.includes("\n"),
      ),
    ).toBe(true);
    expect(opps.every((o) => typeof o.IsClosed === "boolean")).toBe(true);
    expect(opps.some((o) => typeof o.Amount === "number")).toBe(true);
    const roles = (await bulkRows(client, "OpportunityContactRole", CASES[2].fields, 1_000)).rows;
    expect(roles.some((r) => typeof (r.Opportunity as Row | null)?.Amount === "number")).toBe(true);
    expect(roles.every((r) => typeof r.IsPrimary === "boolean")).toBe(true);
  });
});

describe("resuming a Bulk 2.0 query from its cursor", () => {
  it("continues in a fresh client where the first stopped, with no row twice or missing", async () => {
    const fields = CASES[1].fields;
    const columns = bulkColumnsFor("Contact", fields);
    const first = newClient();
    const jobId = await run(startBulkQuery(first.client, `SELECT ${fields.join(", ")} FROM Contact`));
    await run(awaitBulkQuery(first.client, jobId));
    const page1 = await run(readBulkPage(first.client, { jobId }, { maxRecords: 100, columns }));
    expect(page1.next?.jobId).toBe(jobId);

    // A restarted worker: a new client, the cursor as it was checkpointed.
    const checkpoint = JSON.parse(JSON.stringify(page1.next)) as BulkCursor;
    const second = newClient();
    const rest: Row[] = [];
    let cursor: BulkCursor | undefined = checkpoint;
    while (cursor !== undefined) {
      const page: BulkPage = await run(readBulkPage(second.client, cursor, { maxRecords: 100, columns }));
      rest.push(...page.rows);
      cursor = page.next;
    }
    // The second client only read pages: no new job, no poll.
    expect(second.usage.snapshot().callsMade).toBe(Math.ceil(rest.length / 100));
    const ids = [...page1.rows, ...rest].map((r) => r.Id);
    expect(new Set(ids).size).toBe(ids.length);
    const expected = (await restRows(second.client, `SELECT ${fields.join(", ")} FROM Contact`)).map((r) => r.Id);
    expect([...ids].sort()).toEqual(expected.sort());
    // A locator can be read again: the same page comes back.
    const again = await run(readBulkPage(second.client, checkpoint, { maxRecords: 100, columns }));
    expect(again.rows[0]).toEqual(rest[0]);
  });
});

describe("Bulk 2.0 failures are typed", () => {
  const columns = { Id: "string" } as const;

  it("an unknown job id is gone, for polls and pages", async () => {
    const { client } = newClient();
    const unknown = "750000000000000AAA";
    const polled = await failure(awaitBulkQuery(client, unknown));
    expect(polled._tag).toBe("NotFound");
    expect(isBulkJobGone(polled)).toBe(true);
    expect(isBulkJobGone(await failure(readBulkPage(client, { jobId: unknown }, { maxRecords: 10, columns })))).toBe(
      true,
    );
  });

  it("a deleted job is gone, and a malformed cursor is gone without a call", async () => {
    const { client, usage } = newClient();
    const jobId = await run(startBulkQuery(client, "SELECT Id FROM Account"));
    await run(awaitBulkQuery(client, jobId));
    await run(client.send({ method: "DELETE", url: `${client.apiBase}/jobs/query/${jobId}` }));
    expect(isBulkJobGone(await failure(readBulkPage(client, { jobId }, { maxRecords: 10, columns })))).toBe(true);
    const calls = usage.snapshot().callsMade;
    expect(
      isBulkJobGone(await failure(readBulkPage(client, { jobId: "../../sobjects" }, { maxRecords: 10, columns }))),
    ).toBe(true);
    expect(
      isBulkJobGone(await failure(readBulkPage(client, { jobId, locator: "a&b=c" }, { maxRecords: 10, columns }))),
    ).toBe(true);
    expect(isBulkJobGone(await failure(awaitBulkQuery(client, "not-a-job")))).toBe(true);
    expect(usage.snapshot().callsMade).toBe(calls);
  });

  it("an aborted job fails with its own code, not as gone", async () => {
    const { client } = newClient();
    const jobId = await run(startBulkQuery(client, "SELECT Id FROM Account"));
    await run(
      client.send({ method: "PATCH", url: `${client.apiBase}/jobs/query/${jobId}`, body: { state: "Aborted" } }),
    );
    const error = await failure(awaitBulkQuery(client, jobId));
    expect(error).toMatchObject({ _tag: "ValidationFailed", code: "BULK_JOB_ABORTED" });
    expect(isBulkJobGone(error)).toBe(false);
  });

  it("results of a job not yet complete keep Salesforce's code", async () => {
    const { client } = newClient();
    const jobId = await run(startBulkQuery(client, "SELECT Id FROM Account"));
    const error = await failure(readBulkPage(client, { jobId }, { maxRecords: 10, columns }));
    expect(error).toMatchObject({ _tag: "ValidationFailed", code: "JOB_NOT_COMPLETE" });
  });

  it("a child sub-query or a bad field is refused when the job is created", async () => {
    const { client } = newClient();
    const sub = await failure(startBulkQuery(client, "SELECT Id, (SELECT Id FROM Contacts) FROM Account"));
    expect(sub._tag).toBe("ValidationFailed");
    expect(sub.message).toContain("Bulk API 2.0");
    const bad = await failure(startBulkQuery(client, "SELECT Id, NoSuchField__c FROM Account"));
    expect(bad).toMatchObject({ _tag: "ValidationFailed", code: "INVALID_FIELD" });
  });
});
