/**
 * The real server in a child process for the relay's trust-boundary tests (file store,
 * restartable, so a crash is a test result rather than the end of the test run), driven over
 * IPC for what only the server side may do: issue tickets, write through a room lease (the
 * worker's writes), read and append to the stored log, read its event-loop delay and its logs.
 *
 * Invariant: nothing here trusts the relay's own code to judge it; the parent only drives the
 * child and reads what the store holds.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";

/** What the child answers over IPC. */
interface ChildReply {
  readonly id: number;
  readonly ok: boolean;
  readonly value?: unknown;
  readonly error?: string;
}

/** One write of the worker, through a room lease. */
export type WorkerOp =
  | { readonly map: string; readonly key: string; readonly value: unknown }
  | { readonly map: string; readonly key: string; readonly delete: true };

/** Event-loop delay the child measured since the last reset (ms). */
export interface LoopDelay {
  readonly maxMs: number;
  readonly p99Ms: number;
  readonly meanMs: number;
}

/** A running child server. */
export interface RelayChild {
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything it wrote on stderr (a crash's stack). */
  stderr(): string;
  /** Whether the process is still running. */
  alive(): boolean;
  /** Resolves with the exit code (or signal) once it exits. */
  readonly exited: Promise<string>;
  ticket(orgId: string, userId: string): Promise<string>;
  /** Writes `ops` in one transaction (origin `"salesforce"`) through a lease; returns the writing client id. */
  workerWrite(room: string, ops: readonly WorkerOp[]): Promise<number>;
  /** The room's stored log, after what is queued is durable. */
  stored(room: string): Promise<Uint8Array[]>;
  /**
   * Appends `updates` to the stored log of a room that is not loaded, past the relay (a log
   * written by a server before the write check existed).
   */
  appendStored(room: string, updates: readonly Uint8Array[]): Promise<void>;
  /** The event-loop delay since the last call (and resets it). */
  loopDelay(): Promise<LoopDelay>;
  /** Log entries of the child's logger named `event`. */
  logs(event: string): Promise<{ level: string; event: string; fields: Record<string, unknown> }[]>;
  /** Stops it with SIGTERM and waits. */
  stop(): Promise<void>;
}

const moduleUrl = pathToFileURL(fileURLToPath(import.meta.url)).href;

/**
 * Starts the real server (`startTandemServer`, file store under `dataDir`, no sync workers) in a
 * child process and resolves once it listens.
 */
export async function startRelayChild(dataDir: string): Promise<RelayChild> {
  const code = `const m = await import(${JSON.stringify(moduleUrl)}); await m.runRelayChild(process.argv[1]);`;
  const child = spawn(
    process.execPath,
    ["--conditions=@tandem/source", "--import", "tsx", "--input-type=module", "-e", code, dataDir],
    { stdio: ["ignore", "pipe", "pipe", "ipc"], serialization: "advanced" },
  );
  let err = "";
  child.stderr?.on("data", (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<string>((resolve) =>
    child.once("exit", (c, s) => resolve(s === null ? `exit ${c}` : `signal ${s}`)),
  );
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  child.on("message", (m: ChildReply | { ready: string }) => {
    if ("ready" in m) return;
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.ok) p?.resolve(m.value);
    else p?.reject(new Error(m.error));
  });
  void exited.then((how) => {
    for (const p of pending.values()) p.reject(new Error(`relay child ${how}`));
    pending.clear();
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.on("message", (m: ChildReply | { ready: string }) => {
      if ("ready" in m) resolve(m.ready);
    });
    void exited.then((how) => reject(new Error(`relay child ${how} before it listened: ${err}`)));
  });
  const call = <T>(cmd: string, args: Record<string, unknown> = {}): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (child.exitCode !== null || child.signalCode !== null || !child.connected) {
        reject(new Error("relay child has exited"));
        return;
      }
      const id = nextId++;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      // A child that exits between the check above and this write fails the call, not the run.
      child.send({ id, cmd, ...args }, (e) => {
        if (!e) return;
        pending.delete(id);
        reject(new Error(`relay child unreachable: ${e.message}`));
      });
    });
  return {
    url,
    child,
    exited,
    stderr: () => err,
    // A child that crashed may close its IPC channel before its exit is reported.
    alive: () => child.exitCode === null && child.signalCode === null && child.connected,
    ticket: (orgId, userId) => call<string>("ticket", { orgId, userId }),
    workerWrite: (room, ops) => call<number>("workerWrite", { room, ops }),
    stored: (room) => call<Uint8Array[]>("stored", { room }),
    appendStored: (room, updates) => call<void>("appendStored", { room, updates }),
    loopDelay: () => call<LoopDelay>("loopDelay"),
    logs: (event) => call("logs", { event }),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

/**
 * The child's side (run by {@link startRelayChild}): the composition a CLI would do, plus an IPC
 * handler. Exported only for the child process.
 */
export async function runRelayChild(dataDir: string): Promise<void> {
  // Imported here so that the parent process, which only drives the child, never loads them.
  const { startTandemServer } = await import("../src/server.js");
  const { openFileStore } = await import("../src/store/file-store.js");
  const { createMemoryLogger } = await import("../src/obs/logger.js");
  const store = await openFileStore({ dir: dataDir });
  const logger = createMemoryLogger();
  const server = await startTandemServer({
    store,
    logger,
    org: { loginUrl: "http://127.0.0.1:9", clientId: "test", clientSecret: "test" },
    tokenKey: randomBytes(32),
    sync: false,
    // A ticket is only issued right before it is used; the default cap would not bind anyway.
    ticketTtlMs: 60_000,
  });
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const handle = async (m: Record<string, unknown>): Promise<unknown> => {
    switch (m.cmd) {
      case "ticket":
        return (await server.auth.issueTicket({ orgId: String(m.orgId), userId: String(m.userId) })).ticket;
      case "workerWrite": {
        const lease = await server.rooms.lease(String(m.room));
        try {
          lease.doc.transact(() => {
            for (const op of m.ops as WorkerOp[]) {
              const map = lease.doc.getMap(op.map);
              if ("delete" in op) map.delete(op.key);
              else map.set(op.key, op.value);
            }
          }, "salesforce");
          return lease.doc.clientID;
        } finally {
          lease.release();
          await server.rooms.flush();
        }
      }
      case "stored":
        await server.rooms.flush();
        return (await store.loadRoom(String(m.room))).updates.map((u) => new Uint8Array(u));
      case "appendStored":
        if (server.rooms.get(String(m.room))) throw new Error("room is loaded");
        await store.appendUpdates(new Map([[String(m.room), m.updates as Uint8Array[]]]));
        return undefined;
      case "loopDelay": {
        const out = { maxMs: loop.max / 1e6, p99Ms: loop.percentile(99) / 1e6, meanMs: loop.mean / 1e6 };
        loop.reset();
        return out;
      }
      case "logs":
        return logger.entries.filter((e) => e.event === m.event);
      default:
        throw new Error(`unknown command ${String(m.cmd)}`);
    }
  };
  process.on("message", (m: Record<string, unknown>) => {
    handle(m).then(
      (value) => process.send?.({ id: m.id, ok: true, value }),
      (e: unknown) => process.send?.({ id: m.id, ok: false, error: e instanceof Error ? e.message : String(e) }),
    );
  });
  process.once("SIGTERM", () => {
    void server
      .close()
      .then(() => store.close())
      .finally(() => process.exit(0));
  });
  process.send?.({ ready: server.url });
}
