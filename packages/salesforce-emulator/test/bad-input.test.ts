/**
 * Bad input: malformed JSON, unknown objects and fields, invalid ids, batches over 200 and
 * wrong methods each get a Salesforce-style JSON error array (reference §2.7); the server keeps
 * serving and no stored data changes.
 */
import fc from "fast-check";
import type { Connection } from "jsforce";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmulator, type Emulator } from "../src/index.js";
import { connectAs, loadJsforce, raw } from "./helpers.js";

const numRuns = Number(process.env.TANDEM_PROP_RUNS ?? 60);
let sf: Emulator;
let conn: Connection;
let token: string;
let fingerprint: () => Promise<string>;

beforeAll(async () => {
  const jsforce = await loadJsforce();
  sf = await createEmulator({ seed: "bad-input" });
  conn = connectAs(jsforce, sf, sf.users[0]?.username ?? "");
  token = conn.accessToken ?? "";
  // Any insert, update or delete changes a count or the latest SystemModstamp of some object.
  fingerprint = async () => {
    const parts: string[] = [];
    for (const o of ["Account", "Contact", "Opportunity", "OpportunityContactRole", "Task", "Event"]) {
      for (const scanAll of [false, true]) {
        const res = await conn.query(`SELECT COUNT(Id), MAX(SystemModstamp) FROM ${o}`, { scanAll } as never);
        parts.push(`${o}:${JSON.stringify(res.records[0])}`);
      }
    }
    return parts.join("|");
  };
});
afterAll(async () => {
  await sf.close();
});

const B = "/services/data/v60.0";

function expectErrorArray(body: unknown, code: string): void {
  expect(Array.isArray(body)).toBe(true);
  const first = (body as { errorCode: string; message: string }[])[0];
  expect(first?.errorCode).toBe(code);
  expect(typeof first?.message).toBe("string");
}

describe("bad input gets Salesforce errors and changes nothing", () => {
  it.each([
    ["POST", `${B}/sobjects/Account`, "{ not json", 400, "JSON_PARSER_ERROR"],
    ["POST", `${B}/sobjects/Account`, "[1,2]", 400, "JSON_PARSER_ERROR"],
    ["POST", `${B}/sobjects/Account`, "", 400, "JSON_PARSER_ERROR"],
    ["PATCH", `${B}/composite/sobjects`, '{"records": "nope"}', 400, "INVALID_FIELD"],
    ["POST", `${B}/sobjects/Nope`, '{"Name":"x"}', 404, "NOT_FOUND"],
    ["POST", `${B}/sobjects/Account`, '{"Name":"x","Nope":1}', 400, "INVALID_FIELD"],
    ["POST", `${B}/sobjects/Account`, '{"Name":"x","NumberOfEmployees":"many"}', 400, "JSON_PARSER_ERROR"],
    ["POST", `${B}/sobjects/Account`, '{"Name":"x","OwnerId":"not-an-id"}', 400, "MALFORMED_ID"],
    [
      "POST",
      `${B}/sobjects/Contact`,
      '{"LastName":"x","AccountId":"001000000000000AAA"}',
      400,
      "INVALID_CROSS_REFERENCE_KEY",
    ],
    ["POST", `${B}/sobjects/User`, '{"LastName":"x"}', 400, "INVALID_TYPE_FOR_OPERATION"],
    ["PATCH", `${B}/sobjects/Account/001!!!`, '{"Name":"x"}', 404, "NOT_FOUND"],
    ["DELETE", `${B}/sobjects/Account/003000000000000AAA`, undefined, 400, "MALFORMED_ID"],
    ["PUT", `${B}/sobjects/Account/001000000000000AAA`, '{"Name":"x"}', 405, "METHOD_NOT_ALLOWED"],
    ["DELETE", `${B}/query?q=SELECT+Id+FROM+Account`, undefined, 405, "METHOD_NOT_ALLOWED"],
    ["GET", `${B}/composite`, undefined, 405, "METHOD_NOT_ALLOWED"],
    ["POST", `${B}/limits`, "{}", 405, "METHOD_NOT_ALLOWED"],
    ["GET", `${B}/query`, undefined, 400, "MALFORMED_QUERY"],
    ["GET", `${B}/nothing-here`, undefined, 404, "NOT_FOUND"],
    [
      "DELETE",
      `${B}/composite/sobjects?ids=${Array.from({ length: 201 }, () => "001000000000000AAA").join(",")}`,
      undefined,
      400,
      "EXCEEDED_ID_LIMIT",
    ],
  ])("%s %s → %i %s", async (method, path, body, status, code) => {
    const before = await fingerprint();
    const res = await raw(`${sf.url}${path}`, { method, token, ...(body !== undefined ? { body } : {}) });
    expect(res.status).toBe(status);
    expect(res.headers.get("content-type")).toBe("application/json;charset=UTF-8");
    expectErrorArray(res.body, code);
    expect(await fingerprint()).toBe(before);
  });

  it("random bodies to write endpoints never corrupt data or crash the server", async () => {
    const before = await fingerprint();
    const json = fc.oneof(
      fc.string(),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc
        .dictionary(
          fc.constantFrom("Name", "LastName", "Amount", "CloseDate", "StageName", "Id", "records", "allOrNone"),
          fc.jsonValue(),
        )
        .map((d) => JSON.stringify({ ...d, Nope__x: 1 })),
    );
    const target = fc.constantFrom(
      ["POST", `${B}/sobjects/Opportunity`],
      ["POST", `${B}/composite/sobjects`],
      ["PATCH", `${B}/composite/sobjects`],
      ["POST", `${B}/composite`],
      ["PATCH", `${B}/sobjects/Account/001000000000000AAA`],
    );
    await fc.assert(
      fc.asyncProperty(target, json, async ([method, path], body) => {
        const res = await raw(`${sf.url}${path}`, { method, token, body });
        expect(res.status).toBeLessThan(500);
        if (res.status >= 400) expect(Array.isArray(res.body)).toBe(true);
        // collection and composite calls answer 200 with per-item failures
        if (res.status === 200) {
          const items = Array.isArray(res.body)
            ? res.body
            : ((res.body as { compositeResponse?: unknown[] }).compositeResponse ?? []);
          for (const item of items as { success?: boolean; httpStatusCode?: number }[]) {
            expect(item.success === false || (item.httpStatusCode ?? 400) >= 400).toBe(true);
          }
        }
      }),
      { numRuns },
    );
    expect(await fingerprint()).toBe(before);
    expect((await conn.query("SELECT Id FROM Account LIMIT 1")).records).toHaveLength(1);
  });
});
