/**
 * Helpers for the relay's trust-boundary tests: the real server in a child process (file store,
 * restartable, so a crash is a test result rather than the end of the test run), driven over
 * IPC for what only the server side may do (issue tickets, write through a room lease, read the
 * stored log, read its event-loop delay); raw sockets that send crafted frames and learn whether
 * the relay took them; a small encoder for hand-made Yjs v1 updates; and a worker-written book.
 *
 * Invariant: nothing here trusts the relay's own code to judge it; outcomes are what a client
 * sees (close codes, the messages it gets) and what the store holds.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as encoding from "lib0/encoding";
import { WebSocket } from "ws";
import type { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { connectProvider } from "./helpers.js";

/** Close codes as the wire contract states them (docs/protocol.md, "Close codes"). */
export const Code = {
  writeForbidden: 4405,
  missingPredecessors: 4412,
  updateTooLarge: 4414,
  malformedFrame: 4422,
  roomFailure: 4500,
  roomQuarantined: 4503,
} as const;

/** The nine maps of a book; the first five and `receipts`, `meta` only the worker writes. */
export const WORKER_MAPS = ["opportunities", "accounts", "contacts", "contactRoles", "activities", "receipts", "meta"];
export const DEVICE_MAPS = ["intents", "interactions"];

// ---------------------------------------------------------------------------------------------
// The server in a child process

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

const helpersUrl = pathToFileURL(fileURLToPath(import.meta.url)).href;

/**
 * Starts the real server (`startTandemServer`, file store under `dataDir`, no sync workers) in a
 * child process and resolves once it listens.
 */
export async function startRelayChild(dataDir: string): Promise<RelayChild> {
  const code = `const m = await import(${JSON.stringify(helpersUrl)}); await m.runRelayChild(process.argv[1]);`;
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

// ---------------------------------------------------------------------------------------------
// Rooms, tickets, devices

let userSeq = 0;

/** A fresh (org, user) and its room: 18-character Salesforce-shaped ids. */
export function freshBook(tag = "A"): { orgId: string; userId: string; room: string } {
  const orgId = "00D000000000001AAA";
  const userId = `005${tag.slice(0, 1)}${String(++userSeq).padStart(11, "0")}AAA`;
  return { orgId, userId, room: `book:${orgId}:${userId}` };
}

/** A stock y-websocket device in a room, with every close code the server sent it. */
export interface StockDevice {
  readonly doc: Y.Doc;
  readonly provider: WebsocketProvider;
  /** Close codes of closes this test did not ask for (a refusal, a crash: 1006). */
  readonly closeCodes: number[];
  /** Disconnects (not a close code), runs `offline`, reconnects with a fresh ticket and waits until synced. */
  reconnect(offline?: () => void): Promise<void>;
  destroy(): void;
}

/** Connects a stock provider (`connectProvider`) and waits until it has synced. */
export async function openStockDevice(
  relay: RelayChild,
  book: { orgId: string; userId: string; room: string },
  doc: Y.Doc = new Y.Doc(),
): Promise<StockDevice> {
  const provider = connectProvider(relay.url, book.room, doc, await relay.ticket(book.orgId, book.userId));
  const closeCodes: number[] = [];
  let leaving = false;
  provider.on("connection-close", (event) => {
    if (event && !leaving) closeCodes.push(event.code);
    leaving = false;
  });
  await waitUntil(() => provider.synced, `stock device synced in ${book.room}`);
  return {
    doc,
    provider,
    closeCodes,
    async reconnect(offline) {
      leaving = provider.wsconnected;
      provider.disconnect();
      offline?.();
      provider.params = { ticket: await relay.ticket(book.orgId, book.userId) };
      const before = closeCodes.length;
      provider.connect();
      await waitUntil(() => provider.synced || closeCodes.length > before, `stock device re-synced in ${book.room}`);
      if (!provider.synced)
        throw new Error(`stock device closed with ${closeCodes.slice(before).join(", ")} while re-syncing`);
    },
    destroy: () => provider.destroy(),
  };
}

/** Polls `cond` every 10 ms; throws naming `what` after `timeoutMs`. */
export async function waitUntil(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

// ---------------------------------------------------------------------------------------------
// Raw sockets and frames

/** A sync update message (`0`, `2`, update) carrying `update`. */
export function updateFrame(update: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 0);
  encoding.writeVarUint(e, 2);
  encoding.writeVarUint8Array(e, update);
  return encoding.toUint8Array(e);
}

/** A sync step 1 with an empty state vector: the relay answers with step 2 once it is durable. */
export function emptyStep1Frame(): Uint8Array {
  return new Uint8Array([0, 0, 1, 0]);
}

/** What became of a frame a raw socket sent: closed with a code, or the relay went on. */
export type Outcome = { readonly closed: number } | { readonly accepted: true };

/** A raw, admitted socket to a room. */
export interface RawSocket {
  readonly ws: WebSocket;
  /**
   * Sends `frames`, then a sync step 1, and resolves when the relay answers that step 1 (it took
   * the frames, and what they wrote is durable) or closes the socket (its code).
   */
  send(...frames: Uint8Array[]): Promise<Outcome>;
  close(): void;
}

/** Opens a raw socket with a fresh ticket and waits for the relay's first message (its sync step 1). */
export async function openRaw(
  relay: RelayChild,
  book: { orgId: string; userId: string; room: string },
): Promise<RawSocket> {
  const ticket = await relay.ticket(book.orgId, book.userId);
  const ws = new WebSocket(`${relay.url.replace(/^http/, "ws")}/sync/${book.room}?ticket=${ticket}`);
  ws.on("error", () => undefined);
  let closedWith: number | undefined;
  const closed = new Promise<number>((resolve) =>
    ws.once("close", (code) => {
      closedWith = code;
      resolve(code);
    }),
  );
  await new Promise<void>((resolve, reject) => {
    ws.once("message", () => resolve());
    void closed.then((code) => reject(new Error(`raw socket closed with ${code} before the relay spoke`)));
  });
  return {
    ws,
    send: (...frames) => {
      if (closedWith !== undefined) return Promise.resolve({ closed: closedWith });
      return new Promise<Outcome>((resolve) => {
        const onMessage = (data: Buffer): void => {
          // Sync step 2 (0, 1, …): the answer to our step 1, sent after everything before it.
          if (data[0] === 0 && data[1] === 1) {
            ws.off("message", onMessage);
            resolve({ accepted: true });
          }
        };
        ws.on("message", onMessage);
        void closed.then((code) => {
          ws.off("message", onMessage);
          resolve({ closed: code });
        });
        for (const f of frames) ws.send(f);
        ws.send(emptyStep1Frame());
      });
    },
    close: () => ws.close(),
  };
}

/** Sends `frames` on a fresh raw socket; returns what the relay did, and closes the socket. */
export async function sendOnce(
  relay: RelayChild,
  book: { orgId: string; userId: string; room: string },
  ...frames: Uint8Array[]
): Promise<Outcome> {
  const raw = await openRaw(relay, book);
  const out = await raw.send(...frames);
  raw.close();
  return out;
}

// ---------------------------------------------------------------------------------------------
// Hand-made Yjs v1 updates

/** Content of a hand-made item. */
export type CraftContent =
  | { readonly ref: "json"; readonly texts: readonly string[] }
  | { readonly ref: "any"; readonly values: readonly unknown[] }
  /** One `any` value given as raw lib0 `writeAny` bytes (e.g. nesting lib0 cannot write). */
  | { readonly ref: "anyBytes"; readonly bytes: Uint8Array }
  | { readonly ref: "deleted"; readonly length: number }
  | { readonly ref: "string"; readonly text: string }
  | { readonly ref: "type"; readonly typeRef: number };

/** A hand-made struct. */
export type CraftStruct =
  | {
      readonly kind: "item";
      readonly origin?: readonly [number, number] | undefined;
      readonly right?: readonly [number, number] | undefined;
      /** A root type's name, or a nested type's id; only written without origins. */
      readonly parent?: string | readonly [number, number] | undefined;
      readonly key?: string | undefined;
      readonly content: CraftContent;
    }
  | { readonly kind: "gc" | "skip"; readonly length: number };

/** A hand-made update: client groups in the given order, and a delete set. */
export interface CraftUpdate {
  readonly groups: readonly {
    readonly client: number;
    readonly clock: number;
    readonly structs: readonly CraftStruct[];
  }[];
  readonly deletes?: readonly { readonly client: number; readonly ranges: readonly (readonly [number, number])[] }[];
}

const CONTENT_REF = { json: 2, any: 8, anyBytes: 8, deleted: 1, string: 4, type: 7 } as const;

/** Encodes `u` exactly as Yjs lays out a v1 update. */
export function craftUpdate(u: CraftUpdate): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, u.groups.length);
  for (const g of u.groups) {
    encoding.writeVarUint(e, g.structs.length);
    encoding.writeVarUint(e, g.client);
    encoding.writeVarUint(e, g.clock);
    for (const s of g.structs) {
      if (s.kind !== "item") {
        encoding.writeUint8(e, s.kind === "gc" ? 0 : 10);
        encoding.writeVarUint(e, s.length);
        continue;
      }
      const c = s.content;
      const info =
        CONTENT_REF[c.ref] |
        (s.origin ? 0x80 : 0) |
        (s.right ? 0x40 : 0) |
        (s.key !== undefined && !s.origin && !s.right ? 0x20 : 0);
      encoding.writeUint8(e, info);
      if (s.origin) {
        encoding.writeVarUint(e, s.origin[0]);
        encoding.writeVarUint(e, s.origin[1]);
      }
      if (s.right) {
        encoding.writeVarUint(e, s.right[0]);
        encoding.writeVarUint(e, s.right[1]);
      }
      if (!s.origin && !s.right) {
        if (typeof s.parent === "string" || s.parent === undefined) {
          encoding.writeVarUint(e, 1);
          encoding.writeVarString(e, s.parent ?? "");
        } else {
          encoding.writeVarUint(e, 0);
          encoding.writeVarUint(e, s.parent[0]);
          encoding.writeVarUint(e, s.parent[1]);
        }
        if (s.key !== undefined) encoding.writeVarString(e, s.key);
      }
      switch (c.ref) {
        case "json":
          encoding.writeVarUint(e, c.texts.length);
          for (const t of c.texts) encoding.writeVarString(e, t);
          break;
        case "any":
          encoding.writeVarUint(e, c.values.length);
          for (const v of c.values) encoding.writeAny(e, v as encoding.AnyEncodable);
          break;
        case "anyBytes":
          encoding.writeVarUint(e, 1);
          encoding.writeUint8Array(e, c.bytes);
          break;
        case "deleted":
          encoding.writeVarUint(e, c.length);
          break;
        case "string":
          encoding.writeVarString(e, c.text);
          break;
        case "type":
          encoding.writeVarUint(e, c.typeRef);
          break;
      }
    }
  }
  const deletes = u.deletes ?? [];
  encoding.writeVarUint(e, deletes.length);
  for (const d of deletes) {
    encoding.writeVarUint(e, d.client);
    encoding.writeVarUint(e, d.ranges.length);
    for (const [clock, len] of d.ranges) {
      encoding.writeVarUint(e, clock);
      encoding.writeVarUint(e, len);
    }
  }
  return encoding.toUint8Array(e);
}

/** `{"id": id, "deep": [[…[0]…]]}` as JSON text, nested `depth` arrays deep. */
export function deepJsonText(id: string, depth: number): string {
  return `{"id":${JSON.stringify(id)},"deep":${"[".repeat(depth)}0${"]".repeat(depth)}}`;
}

/** The lib0 `writeAny` bytes of `{id, deep: [[…[0]…]]}`, nested `depth` arrays deep. */
export function deepAnyBytes(id: string, depth: number): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeUint8(e, 118); // object
  encoding.writeVarUint(e, 2);
  encoding.writeVarString(e, "id");
  encoding.writeUint8(e, 119); // string
  encoding.writeVarString(e, id);
  encoding.writeVarString(e, "deep");
  for (let i = 0; i < depth; i++) {
    encoding.writeUint8(e, 117); // array of one
    encoding.writeVarUint(e, 1);
  }
  encoding.writeUint8(e, 125); // integer 0
  encoding.writeVarInt(e, 0);
  return encoding.toUint8Array(e);
}

/**
 * What `write` adds to `doc`, as the update a stock client sends for it (the update of each
 * transaction, merged); `undefined` when it changed nothing.
 */
export function capture(doc: Y.Doc, write: () => void): Uint8Array;
export function capture(doc: Y.Doc, write: () => void, allowEmpty: true): Uint8Array | undefined;
export function capture(doc: Y.Doc, write: () => void, allowEmpty?: true): Uint8Array | undefined {
  const updates: Uint8Array[] = [];
  const onUpdate = (u: Uint8Array): void => {
    updates.push(u);
  };
  doc.on("update", onUpdate);
  try {
    write();
  } finally {
    doc.off("update", onUpdate);
  }
  if (updates.length === 0) {
    if (allowEmpty) return undefined;
    throw new Error("the write changed nothing");
  }
  return updates.length === 1 ? (updates[0] as Uint8Array) : Y.mergeUpdates(updates);
}

// ---------------------------------------------------------------------------------------------
// A worker-written book

/** 18-character ids of the fixture book's records. */
export const OPP = "006000000000001AAA";
export const OPP2 = "006000000000002AAA";
export const ACC = "001000000000001AAA";
export const CON = "003000000000001AAA";
export const TASK = "00T000000000001AAA";
export const LOGGED_INTENT = "0190d5e8-0000-7000-8000-000000000001";

/** What the worker writes into a book: records, a receipt for a logged call, meta; some overwritten and deleted. */
export function workerBookOps(book: { orgId: string; userId: string }): WorkerOp[][] {
  const opp = (id: string, amount: number) => ({
    Id: id,
    Name: `Deal ${id.slice(-6)}`,
    AccountId: ACC,
    Amount: amount,
    StageName: "Prospecting",
    CloseDate: "2026-12-31",
    Probability: 10,
    Description: null,
    ForecastCategoryName: "Pipeline",
    IsClosed: false,
    OwnerId: book.userId,
    SystemModstamp: "2026-12-01T00:00:00.000Z",
  });
  return [
    [
      { map: "meta", key: "schemaVersion", value: 1 },
      { map: "meta", key: "orgId", value: book.orgId },
      { map: "meta", key: "userId", value: book.userId },
      { map: "accounts", key: ACC, value: { Id: ACC, Name: "Acme" } },
      { map: "opportunities", key: OPP, value: opp(OPP, 1000) },
      { map: "opportunities", key: OPP2, value: opp(OPP2, 2000) },
      {
        map: "contacts",
        key: CON,
        value: { Id: CON, AccountId: ACC, FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com" },
      },
    ],
    // A later pull: one record changed, one left the scope (so the worker's log has deletions).
    [
      { map: "opportunities", key: OPP, value: opp(OPP, 1500) },
      { map: "opportunities", key: OPP2, delete: true },
      {
        map: "activities",
        key: TASK,
        value: {
          Id: TASK,
          Type: "Task",
          WhoId: CON,
          WhatId: OPP,
          Subject: "Call with Ada Lovelace",
          Status: "Completed",
        },
      },
      {
        map: "receipts",
        key: LOGGED_INTENT,
        value: { intentId: LOGGED_INTENT, status: "sending", attempts: 1, updatedAt: "2026-12-01T00:00:01.000Z" },
      },
      {
        map: "meta",
        key: "sync",
        value: { state: "idle", lastSuccessAt: "2026-12-01T00:00:02.000Z", lastError: null },
      },
    ],
  ];
}

/** Writes the fixture book through leases; returns the worker's client ids. */
export async function writeWorkerBook(
  relay: RelayChild,
  book: { orgId: string; userId: string; room: string },
): Promise<number[]> {
  const clients: number[] = [];
  for (const ops of workerBookOps(book)) clients.push(await relay.workerWrite(book.room, ops));
  return [...new Set(clients)];
}

/** The worker maps of a book written by {@link workerBookOps}, computed without the server. */
export function expectedWorkerMaps(book: { orgId: string; userId: string }): Record<string, unknown> {
  const doc = new Y.Doc();
  for (const ops of workerBookOps(book))
    doc.transact(() => {
      for (const op of ops) {
        if ("delete" in op) doc.getMap(op.map).delete(op.key);
        else doc.getMap(op.map).set(op.key, op.value);
      }
    });
  return workerMaps(doc);
}

/** The worker maps of `doc`, as plain JSON. */
export function workerMaps(doc: Y.Doc): Record<string, unknown> {
  return Object.fromEntries(WORKER_MAPS.map((m) => [m, doc.getMap(m).toJSON()]));
}

/** The device maps of `doc`, as plain JSON. */
export function deviceMaps(doc: Y.Doc): Record<string, unknown> {
  return Object.fromEntries(DEVICE_MAPS.map((m) => [m, doc.getMap(m).toJSON()]));
}

/** A document replayed from a stored log. */
export function replay(updates: readonly Uint8Array[]): Y.Doc {
  const doc = new Y.Doc();
  for (const u of updates) Y.applyUpdate(doc, u);
  return doc;
}

/** Whether a document holds anything pending (structs or deletions it could not integrate). */
export function hasPending(doc: Y.Doc): boolean {
  return doc.store.pendingStructs !== null || doc.store.pendingDs !== null;
}

/** A valid intent (protocol §3) from `device`. */
export function validIntent(id: string, device: string): Record<string, unknown> {
  return {
    id,
    kind: "logActivity",
    at: "2026-12-07T10:00:00.000Z",
    hlc: `00000000000-0000-${device}`,
    device,
    opportunityId: OPP,
    contactId: CON,
    activity: { type: "call", subject: "Call with Ada Lovelace", occurredAt: "2026-12-07T09:30:00.000Z" },
  };
}

/** A valid interaction (protocol §2.2). */
export function validInteraction(id: string): Record<string, unknown> {
  return { id, email: "ada@example.com", kind: "email", at: "2026-12-07T09:00:00.000Z", source: "device" };
}
