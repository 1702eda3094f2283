/**
 * Clients for the relay's trust-boundary tests, as a user or an attacker would connect: fresh
 * books (org, user, room), stock y-websocket devices that record every close code the server
 * sent them, and raw admitted sockets that send crafted frames and learn whether the relay took
 * them (it answered a sync step 1 sent after them) or closed the socket (with which code).
 *
 * Invariant: outcomes are what a client sees (close codes, the messages it gets), never the
 * relay's own verdict.
 */
import * as encoding from "lib0/encoding";
import { WebSocket } from "ws";
import type { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { connectProvider } from "./helpers.js";
import type { RelayChild } from "./trust-relay-child.js";

/** Close codes as the wire contract states them (docs/protocol.md, "Close codes"). */
export const Code = {
  writeForbidden: 4405,
  missingPredecessors: 4412,
  updateTooLarge: 4414,
  malformedFrame: 4422,
  roomFailure: 4500,
  roomQuarantined: 4503,
} as const;

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
