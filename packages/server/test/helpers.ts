/**
 * Shared test helpers: a server on port 0 with an injected store, stock y-websocket
 * providers over `ws`, and polling.
 */
import { randomBytes } from "node:crypto";
import { WebSocket } from "ws";
import { WebsocketProvider } from "y-websocket";
import type * as Y from "yjs";
import { createMemoryLogger } from "../src/obs/logger.js";
import { startTandemServer, type TandemServer, type TandemServerOptions } from "../src/server.js";
import { createMemoryStore } from "../src/store/memory-store.js";
import type { Store } from "../src/store/store.js";

/** A running test server and what it was built from. */
export interface TestServer {
  readonly server: TandemServer;
  readonly store: Store;
  readonly logger: ReturnType<typeof createMemoryLogger>;
  /** Issues a ticket for (org, user) through the server's own auth service. */
  ticket(orgId: string, userId: string): Promise<string>;
  close(): Promise<void>;
}

/** Starts a server with a memory store unless one is given. */
export async function startTestServer(overrides: Partial<TandemServerOptions> = {}): Promise<TestServer> {
  const store = overrides.store ?? createMemoryStore();
  const logger = createMemoryLogger();
  const server = await startTandemServer({
    store,
    logger,
    org: { loginUrl: "http://127.0.0.1:9", clientId: "test", clientSecret: "test" },
    tokenKey: randomBytes(32),
    ...overrides,
  });
  return {
    server,
    store,
    logger,
    ticket: async (orgId, userId) => (await server.auth.issueTicket({ orgId, userId })).ticket,
    close: async () => {
      await server.close();
      await store.close();
    },
  };
}

/** Connects a stock WebsocketProvider (Node, ws, no BroadcastChannel). */
export function connectProvider(url: string, room: string, doc: Y.Doc, ticket: string): WebsocketProvider {
  return new WebsocketProvider(`${url.replace(/^http/, "ws")}/sync`, room, doc, {
    params: { ticket },
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    maxBackoffTime: 200,
  });
}

/** Polls `cond` every 10 ms until it holds; throws with `what` after `timeoutMs`. */
export async function waitFor(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Opens a raw websocket and resolves with its close code (and messages seen before it). */
export function rawConnect(url: string): Promise<{ code: number; reason: string; messages: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    let messages = 0;
    ws.on("message", () => messages++);
    ws.on("close", (code, reason) => resolve({ code, reason: reason.toString(), messages }));
    ws.on("error", reject);
  });
}
