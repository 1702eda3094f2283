/**
 * The book the relay's trust-boundary tests defend: the nine maps of a book and which of them
 * only the worker writes, the records, receipt and meta the worker writes (some overwritten,
 * one deleted) and what its maps then hold, computed without the server; readers of a
 * document's worker and device maps; and a valid intent and interaction, as honest devices
 * write them.
 */
import * as Y from "yjs";
import type { RelayChild, WorkerOp } from "./trust-relay-child.js";

/** The nine maps of a book; the first five and `receipts`, `meta` only the worker writes. */
export const WORKER_MAPS = ["opportunities", "accounts", "contacts", "contactRoles", "activities", "receipts", "meta"];
export const DEVICE_MAPS = ["intents", "interactions"];

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
