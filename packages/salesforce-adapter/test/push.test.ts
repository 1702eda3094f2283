/**
 * Push details against the emulator over HTTP: per-record results of an sObject Collections
 * call mapped back in order (one bad record does not sink the others), creates of more than 200
 * activities split into 200-record calls, and upsert on a configured External ID field, which
 * makes a repeated create harmless by construction.
 */
import type { CreateTaskWrite, IdempotencyKey, SalesforceId } from "@tandem/engine";
import { createEmulator, type Emulator } from "@tandem/salesforce-emulator";
import { Effect } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SignedInTokens } from "../src/auth/oauth.js";
import { apiCalls, connectionFor, Mirror, portFor, queryAllRows, signIn } from "./harness.js";

let sf: Emulator;
let me: SignedInTokens;
let role: { readonly OpportunityId: SalesforceId; readonly ContactId: SalesforceId };

beforeAll(async () => {
  sf = await createEmulator({
    port: 0,
    dataset: "small",
    seed: "push",
    externalIdFields: [{ object: "Task", name: "Tandem_Key__c" }],
  });
  const [a] = sf.users;
  if (a === undefined) throw new Error("a user needed");
  me = await signIn(sf, a.username);
  const port = portFor(sf, me);
  const mirror = new Mirror();
  mirror.apply(
    await Effect.runPromise(
      port.pullScope({ userId: me.userId as SalesforceId, watermarks: {}, mirrored: mirror.ids() }),
    ),
  );
  const first = [...mirror.contactRoles.values()][0];
  if (first === undefined) throw new Error("no role in the book");
  role = first as unknown as typeof role;
});

afterAll(async () => {
  await sf.close();
});

const task = (i: number, key: string, whoId: SalesforceId = role.ContactId): CreateTaskWrite => ({
  kind: "createTask",
  intentId: `intent-${key}`,
  key: key as IdempotencyKey,
  fields: {
    WhoId: whoId,
    WhatId: role.OpportunityId,
    Subject: `Email #${i}`,
    Description: "Follow-up",
    ActivityDate: "2026-11-20",
    Status: "Completed",
    TaskSubtype: "Email",
  },
});

describe("push", () => {
  it("maps per-record results back in order: a bad record fails with its reason, the others apply", async () => {
    const port = portFor(sf, me);
    const run = Math.random().toString(36).slice(2);
    // A well-formed id of a contact that does not exist.
    const ghost = "003000000000000AAA" as SalesforceId;
    const results = await Effect.runPromise(
      port.push([task(1, `a-${run}`), task(2, `b-${run}`, ghost), task(3, `c-${run}`)]),
    );
    expect(results.map((r) => r.intentId)).toEqual([`intent-a-${run}`, `intent-b-${run}`, `intent-c-${run}`]);
    expect(results.map((r) => r.outcome)).toEqual(["applied", "failed", "applied"]);
    const failed = results[1];
    expect(failed?.outcome === "failed" && failed.error._tag).toMatch(/ValidationFailed|NotFound|AccessDenied/);
  });

  it("sends 450 creates as three sObject Collections calls of at most 200", async () => {
    const port = portFor(sf, me);
    const run = Math.random().toString(36).slice(2);
    const writes = Array.from({ length: 450 }, (_, i) => task(i, `bulk-${run}-${i}`));
    const before = await apiCalls(sf.url);
    const results = await Effect.runPromise(port.push(writes));
    expect((await apiCalls(sf.url)) - before).toBe(3);
    expect(results.every((r) => r.outcome === "applied")).toBe(true);
    const found = await Effect.runPromise(port.lookup(writes.map((w) => w.key)));
    expect([...found.values()].every((id) => id !== null)).toBe(true);
    expect(new Set(found.values()).size).toBe(450);
  });

  it("with an External ID field configured, creates upsert on it: pushing the same key twice leaves one Task", async () => {
    const port = portFor(sf, me, { idempotency: { externalIdField: "Tandem_Key__c" } });
    const key = `ext-${Math.random().toString(36).slice(2)}`;
    const [first] = await Effect.runPromise(port.push([task(1, key)]));
    const [second] = await Effect.runPromise(port.push([task(1, key)]));
    expect(first?.outcome).toBe("applied");
    expect(second).toMatchObject({ outcome: "applied" });
    const idOf = (r: typeof first) => (r?.outcome === "applied" ? r.salesforceId : null);
    expect(idOf(second)).toBe(idOf(first));
    const rows = await queryAllRows(connectionFor(me), `SELECT Id FROM Task WHERE Tandem_Key__c = '${key}'`);
    expect(rows).toHaveLength(1);
    const found = await Effect.runPromise(port.lookup([key as IdempotencyKey]));
    expect(found.get(key as IdempotencyKey)).toBe(rows[0]?.Id);
  });
});
