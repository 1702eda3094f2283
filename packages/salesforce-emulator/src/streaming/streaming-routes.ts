/**
 * `POST /cometd/<version>`: the Streaming API's Bayeux endpoint over HTTP long-polling,
 * authenticated by the `Authorization: OAuth <access token>` header jsforce's streaming client
 * sends (Bearer works too). None of it counts as REST API usage: Salesforce meters the Streaming
 * API by its own allocations (clients, delivered events), and the stats keep it under `streaming`.
 */
import { Hono } from "hono";
import type { TokenStore } from "../oauth/token-store.js";
import type { Org } from "../store/org.js";
import type { BayeuxAuth } from "./bayeux-server.js";
import { BAYEUX_ERRORS } from "./bayeux-types.js";
import type { StreamingService } from "./streaming-service.js";

const JSON_TYPE = "application/json;charset=UTF-8";

/** What the streaming routes need. */
export interface StreamingRoutesOptions {
  readonly org: Org;
  readonly tokens: TokenStore;
  readonly streaming: StreamingService;
}

/** Creates the `/cometd/<version>` route. */
export function createStreamingRoutes(options: StreamingRoutesOptions): Hono {
  const { org, tokens, streaming } = options;
  const app = new Hono();
  app.post("/cometd/:version", async (c) => {
    const version = c.req.param("version");
    const m = /^(\d+)\.\d$/.exec(version);
    if (!m || Number(m[1]) < 37) {
      return reply(400, [
        { channel: "/meta/handshake", successful: false, error: BAYEUX_ERRORS.unsupportedVersion(version) },
      ]);
    }
    const header = c.req.header("authorization") ?? "";
    const token = /^(?:Bearer|OAuth)\s+(.+)$/i.exec(header)?.[1]?.trim();
    const userId = token ? tokens.resolveAccess(token, org.clock.nowMs()) : undefined;
    const auth: BayeuxAuth = userId ? { kind: "user", userId } : { kind: token ? "invalid" : "missing" };
    let body: unknown;
    try {
      body = JSON.parse(await c.req.text()) as unknown;
    } catch {
      return reply(400, [{ channel: "/meta/unknown", successful: false, error: "400::Invalid JSON" }]);
    }
    const answer = await streaming.server.handle(body, auth);
    return reply(answer.status, answer.body);
  });
  return app;
}

function reply(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": JSON_TYPE } });
}
