/**
 * The Bulk job states and answers the emulator does not produce (a job still running, a
 * `Failed` job, a results page without a locator or cut short), served by a loopback HTTP
 * server scripted per test, through the real client; and the polling schedule.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { SalesforcePortError } from "@tandem/engine";
import { Effect } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSalesforceClient } from "../client/salesforce-client.js";
import { createUsageTracker } from "../usage/usage-tracker.js";
import { awaitBulkQuery, bulkJobState, pollDelays, readBulkPage } from "./bulk-query.js";

const JOB = "750000000000001AAA";
let server: Server;
let url = "";
let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end();

beforeAll(async () => {
  server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function client() {
  const usage = createUsageTracker();
  return {
    usage,
    client: createSalesforceClient({
      tokens: { instanceUrl: url, accessToken: "t", refreshToken: "r" },
      oauth: { loginUrl: url, clientId: "c" },
      usage,
      readRetry: { maxAttempts: 1 },
    }),
  };
}

const json = (res: ServerResponse, body: unknown) => {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
};
const failure = <A>(effect: Effect.Effect<A, SalesforcePortError>) => Effect.runPromise(Effect.flip(effect));

describe("awaitBulkQuery", () => {
  it("polls a running job with backing-off sleeps until it completes", async () => {
    const states = ["UploadComplete", "InProgress", "InProgress", "JobComplete"];
    handler = (_req, res) => json(res, { id: JOB, state: states.shift(), numberRecordsProcessed: 48_000 });
    const slept: number[] = [];
    const { client: c, usage } = client();
    const result = await Effect.runPromise(
      awaitBulkQuery(c, JOB, { pollMs: 100, maxPollMs: 250, sleep: (ms) => Effect.sync(() => slept.push(ms)) }),
    );
    expect(result).toEqual({ records: 48_000 });
    expect(slept).toEqual([100, 200, 250]);
    expect(usage.snapshot().callsMade).toBe(4);
  });

  it("fails a Failed job with Salesforce's errorMessage", async () => {
    handler = (_req, res) => json(res, { id: JOB, state: "Failed", errorMessage: "Query timed out" });
    const error = await failure(awaitBulkQuery(client().client, JOB));
    expect(error).toMatchObject({ _tag: "ValidationFailed", code: "BULK_JOB_FAILED" });
    expect(error.message).toContain("Query timed out");
  });

  it("gives up on a job still running after maxWaitMs, as Unavailable", async () => {
    handler = (_req, res) => json(res, { id: JOB, state: "InProgress" });
    const error = await failure(
      awaitBulkQuery(client().client, JOB, { pollMs: 10, maxPollMs: 10, maxWaitMs: 30, sleep: () => Effect.void }),
    );
    expect(error._tag).toBe("Unavailable");
    expect(error.message).toContain("still InProgress");
  });
});

describe("readBulkPage refuses answers that are not a whole page", () => {
  const columns = { Id: "string" } as const;
  const csv = (res: ServerResponse, headers: Record<string, string>, body: string) => {
    res.writeHead(200, { "content-type": "text/csv", ...headers });
    res.end(body);
  };

  it("a page without Sforce-Locator", async () => {
    handler = (_req, res) => csv(res, {}, '"Id"\n"001"\n');
    const error = await failure(readBulkPage(client().client, { jobId: JOB }, { maxRecords: 5, columns }));
    expect(error).toMatchObject({ _tag: "ValidationFailed", code: "UNEXPECTED_RESPONSE" });
  });

  it("a page with fewer rows than Sforce-NumberOfRecords (cut off)", async () => {
    handler = (_req, res) => csv(res, { "sforce-locator": "null", "sforce-numberofrecords": "2" }, '"Id"\n"001"\n');
    const error = await failure(readBulkPage(client().client, { jobId: JOB }, { maxRecords: 5, columns }));
    expect(error._tag).toBe("Unavailable");
  });

  it("a page that is not CSV", async () => {
    handler = (_req, res) => csv(res, { "sforce-locator": "null" }, '"Id"\n"001\n');
    const error = await failure(readBulkPage(client().client, { jobId: JOB }, { maxRecords: 5, columns }));
    expect(error).toMatchObject({ _tag: "ValidationFailed", code: "UNEXPECTED_RESPONSE" });
  });

  it("sends maxRecords and the encoded locator", async () => {
    let seen = "";
    handler = (req, res) => {
      seen = req.url ?? "";
      csv(res, { "sforce-locator": "null" }, '"Id"\n');
    };
    const page = await Effect.runPromise(
      readBulkPage(client().client, { jobId: JOB, locator: "MTAw+/=" }, { maxRecords: 5, columns }),
    );
    expect(page).toEqual({ rows: [], next: undefined });
    expect(seen).toBe(`/services/data/v60.0/jobs/query/${JOB}/results?maxRecords=5&locator=MTAw%2B%2F%3D`);
  });
});

describe("job states and the polling schedule", () => {
  it.each([
    [
      { state: "JobComplete", numberRecordsProcessed: 3 },
      { kind: "complete", records: 3 },
    ],
    [{ state: "Aborted" }, { kind: "aborted", message: "Aborted" }],
    [{ state: "InProgress" }, { kind: "running", state: "InProgress" }],
    [null, { kind: "running", state: "unknown" }],
  ])("%j → %j", (body, expected) => {
    expect(bulkJobState(body)).toEqual(expected);
  });

  it("doubles from pollMs, caps at maxPollMs, and stops within maxWaitMs", () => {
    expect(pollDelays(500, 2_000, 6_000)).toEqual([500, 1_000, 2_000, 2_000]);
    expect(pollDelays(500, 10_000, 100)).toEqual([]);
  });
});
