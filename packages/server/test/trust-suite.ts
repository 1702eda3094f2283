/**
 * The shared setup of the relay's trust-boundary test files (`trust-boundary-*.test.ts`): one
 * real server in a child process per file (file store under a temporary directory), restarted
 * before a test when an earlier one took the process down (and the restarts printed at the
 * end); the stock devices a test opens, destroyed after it; and what every attack is checked
 * with: a worker-written book with honest devices, a barrier write, another book's round
 * trip, /healthz, the stored log replayed.
 *
 * Invariant: each test starts on a live server, with no device of an earlier test connected.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import type * as Y from "yjs";
import { freshBook, openStockDevice, type StockDevice, waitUntil } from "./trust-clients.js";
import { replay, validInteraction, writeWorkerBook } from "./trust-fixtures.js";
import { type RelayChild, startRelayChild } from "./trust-relay-child.js";

/** A generous bound that proves "not frozen", not a performance target (ms). */
export const NOT_FROZEN_MS = 5_000;

/** A fresh book of {@link freshBook}. */
export type Book = ReturnType<typeof freshBook>;

/** What a trust-boundary test file works with; see {@link useTrustSuite}. */
export interface TrustSuite {
  /** The file's server; a new one after a test took it down, or after {@link TrustSuite.restart}. */
  readonly relay: RelayChild;
  /** Opens a stock device in `book` (destroyed after the test). */
  device(book: Book, doc?: Y.Doc): Promise<StockDevice>;
  /** A book the worker wrote, with an honest device and a second one that writes barriers. */
  workerBook(): Promise<{ book: Book; honest: StockDevice; writer: StockDevice; worker: number[] }>;
  /**
   * A valid interaction from `writer`, awaited on every observer: whatever the relay accepted
   * before it has reached them too (one room's commits are broadcast in order).
   */
  barrier(writer: StockDevice, observers: StockDevice[]): Promise<void>;
  /** Another book's two devices: one writes, the other must see it. Returns the round trip (ms). */
  otherBookSyncs(a: StockDevice, b: StockDevice): Promise<number>;
  /** The status of the server's /healthz (fails if it takes longer than {@link NOT_FROZEN_MS}). */
  healthz(): Promise<number>;
  /** The stored log of `book`, replayed. */
  storedDoc(book: Book): Promise<Y.Doc>;
  /** A fresh client id for a hand-made update (not one the room has seen). */
  newClient(): number;
  /** Destroys the test's devices, stops the server and starts a new one on the same data. */
  restart(): Promise<void>;
}

/**
 * Registers the file's hooks (start and stop the server, restart it before a test if it is
 * down, destroy each test's devices) and returns the suite. Call once, at the top of a test file.
 */
export function useTrustSuite(): TrustSuite {
  let dir: string;
  let relay: RelayChild;
  const restarts: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "tandem-trust-"));
    relay = await startRelayChild(join(dir, "data"));
  });
  afterAll(async () => {
    await relay.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  // A test that took the process down leaves the next one a restarted server (and says so).
  beforeEach(async () => {
    if (!relay.alive()) {
      restarts.push(await relay.exited);
      relay = await startRelayChild(join(dir, "data"));
    }
  });

  const opened: StockDevice[] = [];

  async function device(book: Book, doc?: Y.Doc): Promise<StockDevice> {
    const d = await openStockDevice(relay, book, doc);
    opened.push(d);
    return d;
  }

  afterEach(() => {
    for (const d of opened.splice(0)) d.destroy();
  });

  async function workerBook(): Promise<{ book: Book; honest: StockDevice; writer: StockDevice; worker: number[] }> {
    const book = freshBook("B");
    const worker = await writeWorkerBook(relay, book);
    const honest = await device(book);
    const writer = await device(book);
    return { book, honest, writer, worker };
  }

  let barriers = 0;
  async function barrier(writer: StockDevice, observers: StockDevice[]): Promise<void> {
    const key = `barrier-${++barriers}`;
    writer.doc.getMap("interactions").set(key, validInteraction(key));
    await waitUntil(() => observers.every((o) => o.doc.getMap("interactions").has(key)), `${key} on every device`);
  }

  async function otherBookSyncs(a: StockDevice, b: StockDevice): Promise<number> {
    const key = `ping-${++barriers}`;
    const started = performance.now();
    a.doc.getMap("interactions").set(key, validInteraction(key));
    await waitUntil(() => b.doc.getMap("interactions").has(key), `${key} in the other book`, NOT_FROZEN_MS);
    return performance.now() - started;
  }

  async function healthz(): Promise<number> {
    const res = await fetch(`${relay.url}/healthz`, { signal: AbortSignal.timeout(NOT_FROZEN_MS) });
    return res.status;
  }

  async function storedDoc(book: Book): Promise<Y.Doc> {
    return replay(await relay.stored(book.room));
  }

  let nextClient = 900_000;
  const newClient = (): number => nextClient++;

  async function restart(): Promise<void> {
    for (const d of opened.splice(0)) d.destroy();
    await relay.stop();
    relay = await startRelayChild(join(dir, "data"));
  }

  afterAll(() => {
    if (restarts.length > 0) console.log(`relay child restarted after: ${restarts.join(", ")}`);
  });

  return {
    get relay() {
      return relay;
    },
    device,
    workerBook,
    barrier,
    otherBookSyncs,
    healthz,
    storedDoc,
    newClient,
    restart,
  };
}
