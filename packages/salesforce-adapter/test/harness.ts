/**
 * Test harness over the Salesforce emulator: sign a demo user in through the real
 * authorization-code + PKCE flow, build a port for them, keep a local mirror the way the
 * runner would, and talk to the emulator's control API over HTTP.
 */
import {
  type MirroredIds,
  type RunnerOptions,
  runCycle,
  type SalesforceId,
  type SalesforcePort,
  type ScopePull,
  type Watermarks,
} from "@tandem/engine";
import { createEmulator, type Emulator, type EmulatorOptions } from "@tandem/salesforce-emulator";
import { Effect } from "effect";
import { Connection } from "jsforce";
import { createAuthorizeUrl, exchangeCode, type SignedInTokens } from "../src/auth/oauth.js";
import { createSalesforcePort, type SalesforcePortOptions } from "../src/port/create-salesforce-port.js";

/** The parts of a running emulator the tests use. */
export interface EmulatorLike {
  readonly url: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly users: ReadonlyArray<{
    readonly id: string;
    readonly username: string;
    readonly password: string;
    readonly name: string;
  }>;
}

const REDIRECT_URI = "http://127.0.0.1/auth/callback";

/** Signs `username` in through authorize (auto-approved) → code → token exchange. */
export async function signIn(emulator: EmulatorLike, username: string): Promise<SignedInTokens> {
  const authorize = createAuthorizeUrl({
    loginUrl: emulator.url,
    clientId: emulator.clientId,
    redirectUri: REDIRECT_URI,
    loginHint: username,
  });
  const response = await fetch(authorize.url, { redirect: "manual" });
  const location = response.headers.get("location");
  if (location === null) throw new Error(`authorize did not redirect (${response.status}): ${await response.text()}`);
  const callback = new URL(location);
  if (callback.searchParams.get("state") !== authorize.state) throw new Error("state mismatch");
  const code = callback.searchParams.get("code");
  if (code === null) throw new Error(`no code in ${location}`);
  return Effect.runPromise(
    exchangeCode({
      client: { loginUrl: emulator.url, clientId: emulator.clientId, clientSecret: emulator.clientSecret },
      redirectUri: REDIRECT_URI,
      code,
      codeVerifier: authorize.codeVerifier,
    }),
  );
}

/** A port for a signed-in user. */
export function portFor(emulator: EmulatorLike, tokens: SignedInTokens, options: Partial<SalesforcePortOptions> = {}) {
  return createSalesforcePort({
    tokens,
    oauth: { loginUrl: emulator.url, clientId: emulator.clientId, clientSecret: emulator.clientSecret },
    readRetry: { maxAttempts: 4, baseDelayMs: 5, maxRateLimitWaitMs: 0 },
    rateLimitRetryAfterMs: 10,
    ...options,
  });
}

/** A plain jsforce connection as the user, for independent checks and for "someone else's" edits. */
export function connectionFor(tokens: SignedInTokens): Connection {
  return new Connection({ instanceUrl: tokens.instanceUrl, accessToken: tokens.accessToken, version: "60.0" });
}

/** Runs a query to the end with plain jsforce. */
export async function queryAllRows(conn: Connection, soql: string): Promise<ReadonlyArray<Record<string, unknown>>> {
  const result = await conn.query<Record<string, unknown>>(soql, { autoFetch: true, maxFetch: 1_000_000 });
  return result.records;
}

/** A local mirror kept the way the runner keeps the document. */
export class Mirror {
  readonly opportunities = new Map<string, Readonly<Record<string, unknown>>>();
  readonly accounts = new Map<string, Readonly<Record<string, unknown>>>();
  readonly contacts = new Map<string, Readonly<Record<string, unknown>>>();
  readonly contactRoles = new Map<string, Readonly<Record<string, unknown>>>();
  watermarks: Watermarks = {};

  ids(): MirroredIds {
    const set = (m: Map<string, unknown>) => new Set([...m.keys()] as SalesforceId[]);
    return {
      opportunityIds: set(this.opportunities),
      accountIds: set(this.accounts),
      contactIds: set(this.contacts),
      contactRoleIds: set(this.contactRoles),
    };
  }

  apply(pull: ScopePull): void {
    const upsert = (m: Map<string, unknown>, records: ReadonlyArray<{ readonly Id: string }>) => {
      for (const r of records) m.set(r.Id, r);
    };
    upsert(this.opportunities, pull.opportunities);
    upsert(this.accounts, pull.accounts);
    upsert(this.contacts, pull.contacts);
    upsert(this.contactRoles, pull.contactRoles);
    for (const id of pull.removed.opportunityIds) this.opportunities.delete(id);
    for (const id of pull.removed.accountIds) this.accounts.delete(id);
    for (const id of pull.removed.contactIds) this.contacts.delete(id);
    for (const id of pull.removed.contactRoleIds) this.contactRoles.delete(id);
    this.watermarks = pull.watermarks;
  }
}

/** The emulator's control API (packages/salesforce-emulator/README.md). */
export async function injectFault(
  url: string,
  fault: {
    readonly match: { readonly method?: string | undefined; readonly path?: string | undefined };
    readonly kind: string;
    readonly count: number;
    readonly ms?: number | undefined;
  },
): Promise<void> {
  const response = await fetch(`${url}/_emulator/faults`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(fault),
  });
  if (!response.ok) throw new Error(`fault injection failed: ${response.status} ${await response.text()}`);
}

export async function clearFaults(url: string): Promise<void> {
  await fetch(`${url}/_emulator/faults`, { method: "DELETE" });
}

export async function apiCalls(url: string): Promise<number> {
  const response = await fetch(`${url}/_emulator/stats`);
  const body = (await response.json()) as { apiCalls: { total: number } };
  return body.apiCalls.total;
}

/** The expected scope of a user, computed independently with plain jsforce and client-side joins. */
export async function expectedScope(conn: Connection, userId: string) {
  const opps = await queryAllRows(conn, "SELECT Id, AccountId, OwnerId, IsClosed FROM Opportunity");
  const mine = opps.filter((o) => o.OwnerId === userId && o.IsClosed === false);
  const oppIds = new Set(mine.map((o) => String(o.Id)));
  const accountIds = new Set(mine.map((o) => o.AccountId).filter((a): a is string => typeof a === "string"));
  const roles = await queryAllRows(conn, "SELECT Id, OpportunityId, ContactId FROM OpportunityContactRole");
  const scopeRoles = roles.filter((r) => oppIds.has(String(r.OpportunityId)));
  const roleIds = new Set(scopeRoles.map((r) => String(r.Id)));
  // A contact is in scope at a scope account, or wherever it works when a scope role names it.
  const roleContacts = new Set(scopeRoles.map((r) => String(r.ContactId)));
  const contacts = await queryAllRows(conn, "SELECT Id, AccountId FROM Contact");
  const contactIds = new Set(
    contacts
      .filter((c) => accountIds.has(String(c.AccountId)) || roleContacts.has(String(c.Id)))
      .map((c) => String(c.Id)),
  );
  return { oppIds, accountIds, contactIds, roleIds };
}

export const sorted = (values: Iterable<string>) => [...values].sort();

/**
 * One engine runner cycle on `doc` as the signed-in user, on the emulator's clock; nothing is
 * persisted before writes unless `overrides.beforeWrite` says so.
 */
export function runnerCycle(
  emulator: { readonly control: { now(): Date } },
  tokens: SignedInTokens,
  doc: RunnerOptions["doc"],
  port: SalesforcePort,
  overrides: Partial<RunnerOptions> = {},
) {
  return Effect.runPromiseExit(
    runCycle({
      doc,
      port,
      userId: tokens.userId as SalesforceId,
      now: () => emulator.control.now(),
      random: Math.random,
      beforeWrite: () => Effect.void,
      ...overrides,
    }),
  );
}

/** An emulated org with one sales rep (a Standard User) signed in, and record creation as them. */
export interface RepOrg {
  readonly sf: Emulator;
  readonly rep: SignedInTokens;
  readonly conn: Connection;
  /** Creates a record as the rep; returns its id. */
  create(sobject: string, fields: Record<string, unknown>): Promise<SalesforceId>;
}

/**
 * Starts a `small` emulated org with `seed` (and any other emulator options, e.g.
 * `{ sharedActivities: false }`) and signs its first Standard User in.
 */
export async function startRepOrg(seed: string, options: Omit<EmulatorOptions, "seed"> = {}): Promise<RepOrg> {
  const sf = await createEmulator({ port: 0, dataset: "small", ...options, seed });
  const user = sf.users.find((u) => sf.control.userSetup(u.id).profile?.name === "Standard User");
  if (user === undefined) throw new Error("a rep is needed");
  const rep = await signIn(sf, user.username);
  const conn = connectionFor(rep);
  return {
    sf,
    rep,
    conn,
    async create(sobject, fields) {
      const result = (await conn.sobject(sobject).create(fields)) as { id?: string; success?: boolean };
      if (result.success !== true || result.id === undefined) throw new Error(`create ${sobject} failed`);
      return result.id as SalesforceId;
    },
  };
}
