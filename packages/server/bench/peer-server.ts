/**
 * Benchmark server process: starts one peer ("tandem" | "tandem-unchecked" (no write check) | "y-websocket-server" | "hocuspocus")
 * on 127.0.0.1:0, prints `{"url"}` on stdout, and answers IPC requests:
 * `stats` (CPU time, RSS and heap after a forced GC, rooms loaded), `cpu` (CPU time only) and, for tandem only,
 * `tickets` (issued through the server's own auth service: trusted in-process code, no
 * bypass flag on the server).
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString, writeHeapSnapshot } from "node:v8";
import { runInNewContext } from "node:vm";
import { WebSocketServer } from "ws";
import { createJsonLogger } from "../src/obs/logger.js";
import { startTandemServer } from "../src/server.js";
import { openFileStore } from "../src/store/file-store.js";
import { createMemoryStore } from "../src/store/memory-store.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const peer = process.argv[2] ?? "tandem";

type Request =
  | { id: number; cmd: "stats" }
  | { id: number; cmd: "cpu" }
  | { id: number; cmd: "tickets"; users: string[]; org: string }
  | { id: number; cmd: "snapshot"; file: string };

async function main(): Promise<void> {
  let url: string;
  let rooms: () => number;
  let tickets: (org: string, users: string[]) => Promise<string[]> = async () => [];
  if (peer === "tandem" || peer === "tandem-unchecked") {
    const dir = mkdtempSync(join(tmpdir(), "tandem-bench-"));
    process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
    const store =
      process.env.TANDEM_BENCH_STORE === "memory"
        ? createMemoryStore()
        : await openFileStore({ dir: join(dir, "data") });
    const server = await startTandemServer({
      store,
      org: { loginUrl: "http://127.0.0.1:9", clientId: "bench", clientSecret: "bench" },
      tokenKey: randomBytes(32),
      logger: createJsonLogger(() => undefined),
      idleGraceMs: 200,
      // One user's devices fill a fan-out room: the per-user connection cap is lifted.
      limits: { messagesPerSecond: 10_000, messageBurst: 10_000, maxConnectionsPerUser: 1_000_000 },
      // The same server without the write check, to measure what the check costs.
      checkWrites: peer !== "tandem-unchecked",
    });
    url = server.url;
    rooms = () => server.rooms.size;
    tickets = (org, users) =>
      Promise.all(users.map(async (userId) => (await server.auth.issueTicket({ orgId: org, userId })).ticket));
  } else if (peer === "y-websocket-server") {
    const utils = (await import("@y/websocket-server/utils")) as {
      setupWSConnection: (conn: unknown, req: unknown) => void;
      docs: Map<string, unknown>;
    };
    const http = createServer((_req, res) => res.writeHead(200).end("ok"));
    const wss = new WebSocketServer({ noServer: true });
    wss.on("connection", (ws, req) => utils.setupWSConnection(ws, req));
    http.on("upgrade", (req, socket, head) =>
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req)),
    );
    await new Promise<void>((r) => http.listen(0, "127.0.0.1", () => r()));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    rooms = () => utils.docs.size;
  } else {
    const { Server } = await import("@hocuspocus/server");
    // Hocuspocus closes a connection that has sent nothing for `timeout` (60 s by default; its
    // providers send awareness meanwhile). The bench keeps every peer's clients connected
    // while the other peers run, silent for minutes, so the timeout is lifted.
    const server = new Server({ port: 0, address: "127.0.0.1", quiet: true, timeout: 24 * 3600 * 1000 });
    const hocuspocus = await server.listen(0);
    url = `http://127.0.0.1:${server.address.port}`;
    rooms = () => hocuspocus.documents.size;
  }
  process.on("message", (m: Request) => {
    void (async () => {
      if (m.cmd === "stats") {
        gc();
        gc();
        const mem = process.memoryUsage();
        const cpu = process.cpuUsage();
        process.send?.({
          id: m.id,
          cpuMicros: cpu.user + cpu.system,
          rss: mem.rss,
          heap: mem.heapUsed,
          rooms: rooms(),
        });
      } else if (m.cmd === "cpu") {
        // CPU time only (no collection), for the bench's wait until every process is idle.
        const cpu = process.cpuUsage();
        process.send?.({ id: m.id, cpuMicros: cpu.user + cpu.system });
      } else if (m.cmd === "snapshot") {
        gc();
        process.send?.({ id: m.id, file: writeHeapSnapshot(m.file) });
      } else if (m.cmd === "tickets") {
        process.send?.({ id: m.id, tickets: await tickets(m.org, m.users) });
      }
    })();
  });
  process.stdout.write(`${JSON.stringify({ url })}\n`);
}

process.on("SIGTERM", () => process.exit(0));
void main();
