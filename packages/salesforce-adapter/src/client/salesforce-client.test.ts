/**
 * The connection layer over real HTTP (a loopback server scripted per test, jsforce
 * unmodified): refresh on 401, token reporting, revocation, lost writes, limit headers and
 * no hidden 15-second jsforce retries.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Effect, Result } from "effect";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createUsageTracker } from "../usage/usage-tracker.js";
import { createSalesforceClient } from "./salesforce-client.js";

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

let server: Server;
let url = "";
let handler: Handler = (_req, _body, res) => res.end();
const seen: string[] = [];

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, {
    "content-type": "application/json;charset=UTF-8",
    "sforce-limit-info": "api-usage=7/1000",
    ...headers,
  });
  res.end(JSON.stringify(body));
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on("end", () => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? ""}`);
      handler(req, body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  seen.length = 0;
});

function makeClient(onTokenRefresh?: (t: { accessToken: string; refreshToken: string }) => void) {
  const usage = createUsageTracker();
  const client = createSalesforceClient({
    tokens: { instanceUrl: url, accessToken: "old", refreshToken: "rt-1" },
    oauth: { loginUrl: url, clientId: "cid", clientSecret: "secret" },
    usage,
    onTokenRefresh,
    readRetry: { maxAttempts: 3, baseDelayMs: 1 },
    rateLimitRetryAfterMs: 10,
  });
  return { client, usage };
}

describe("salesforce client over HTTP", () => {
  it("refreshes on 401, re-sends, reports the new (rotated) tokens and reads Sforce-Limit-Info", async () => {
    handler = (req, body, res) => {
      if (req.url === "/services/oauth2/token") {
        expect(body).toContain("grant_type=refresh_token");
        expect(body).toContain("refresh_token=rt-1");
        return json(res, 200, {
          access_token: "new",
          refresh_token: "rt-2",
          instance_url: url,
          id: `${url}/id/00D/005`,
        });
      }
      if (req.headers.authorization !== "Bearer new") {
        return json(res, 401, [{ message: "Session expired or invalid", errorCode: "INVALID_SESSION_ID" }]);
      }
      return json(res, 200, { totalSize: 0, done: true, records: [] });
    };
    const refreshed: Array<{ accessToken: string; refreshToken: string }> = [];
    const { client, usage } = makeClient((t) => refreshed.push(t));
    const response = await Effect.runPromise(
      client.send({ method: "POST", url: `${client.apiBase}/composite`, body: {} }),
    );
    expect(response.status).toBe(200);
    expect(refreshed).toEqual([{ instanceUrl: url, accessToken: "new", refreshToken: "rt-2" }]);
    expect(seen.filter((s) => s.startsWith("POST /services/data"))).toHaveLength(2);
    expect(usage.snapshot()).toMatchObject({ used: 7, max: 1000, callsMade: 2 });
  });

  it("turns invalid_grant on refresh into Revoked", async () => {
    handler = (req, _body, res) => {
      if (req.url === "/services/oauth2/token") {
        return json(res, 400, { error: "invalid_grant", error_description: "expired access/refresh token" });
      }
      return json(res, 401, [{ message: "Session expired or invalid", errorCode: "INVALID_SESSION_ID" }]);
    };
    const { client } = makeClient();
    const result = await Effect.runPromise(
      Effect.result(client.read({ method: "GET", url: `${client.apiBase}/limits` })),
    );
    expect(Result.isFailure(result) && result.failure._tag).toBe("Revoked");
  });

  it("reports a write whose connection dropped after sending as OutcomeUnknown, and never re-sends it", async () => {
    handler = (_req, _body, res) => {
      res.socket?.destroy();
    };
    const { client } = makeClient();
    const result = await Effect.runPromise(
      Effect.result(
        client.send({ method: "POST", url: `${client.apiBase}/composite/sobjects`, body: { records: [] } }),
      ),
    );
    expect(Result.isFailure(result) && result.failure._tag).toBe("OutcomeUnknown");
    expect(seen).toHaveLength(1);
  });

  it("retries a failing read by our policy (not jsforce's 5 sleeps), then surfaces Unavailable", async () => {
    handler = (_req, _body, res) => json(res, 503, [{ message: "down", errorCode: "SERVER_UNAVAILABLE" }]);
    const { client } = makeClient();
    const result = await Effect.runPromise(
      Effect.result(client.read({ method: "GET", url: `${client.apiBase}/limits` })),
    );
    expect(Result.isFailure(result) && result.failure._tag).toBe("Unavailable");
    // Exactly our 3 attempts: jsforce's own policy (off) would have sent 6, sleeping 0.5+1+2+4+8 s.
    expect(seen).toHaveLength(3);
  });

  it("surfaces REQUEST_LIMIT_EXCEEDED as RateLimited with Retry-After when given", async () => {
    handler = (_req, _body, res) =>
      json(res, 403, [{ message: "TotalRequests Limit exceeded.", errorCode: "REQUEST_LIMIT_EXCEEDED" }], {
        "retry-after": "120",
      });
    const { client } = makeClient();
    const result = await Effect.runPromise(
      Effect.result(client.read({ method: "GET", url: `${client.apiBase}/limits` })),
    );
    expect(Result.isFailure(result) && result.failure).toMatchObject({ _tag: "RateLimited", retryAfterMs: 120_000 });
    expect(seen).toHaveLength(1);
  });

  it("follows nextRecordsUrl to the last page", async () => {
    handler = (req, _body, res) => {
      if (req.url?.includes("/query?q=")) {
        return json(res, 200, {
          totalSize: 3,
          done: false,
          nextRecordsUrl: "/services/data/v60.0/query/01g-2",
          records: [{ Id: "a" }, { Id: "b" }],
        });
      }
      return json(res, 200, { totalSize: 3, done: true, records: [{ Id: "c" }] });
    };
    const { client } = makeClient();
    const rows = await Effect.runPromise(client.queryAll("SELECT Id FROM Contact"));
    expect(rows.map((r) => r.Id)).toEqual(["a", "b", "c"]);
    expect(seen.map((s) => s.split(" ")[1]?.split("?")[0])).toEqual([
      "/services/data/v60.0/query",
      "/services/data/v60.0/query/01g-2",
    ]);
  });
});
