/**
 * A ready-made book for tests: a fake org seeded with a small book for one user, a worker doc,
 * a controllable clock, a fault-injecting port, a "disk" the runner's write-ahead hook persists
 * to, and helpers to run cycles, make devices and simulate a crash (reload from disk).
 *
 * Invariants: deterministic (seeded randomness, a manual clock); the disk holds exactly what
 * `beforeWrite` and `persist()` saved, nothing written after.
 */
import { Effect, type Exit } from "effect";
import * as Y from "yjs";
import { createDevice, type Device } from "../device/device.js";
import type { SalesforceId } from "../model/salesforce-id.js";
import { type CycleReport, type RunnerError, type RunnerOptions, runCycle } from "../runner/runner.js";
import { FakeOrg } from "./fake-org.js";
import { createFakePort } from "./fake-port.js";
import { type FaultyPort, withFaults } from "./faulty-port.js";

/** A small deterministic pseudo-random generator (mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Ids of the seeded book. */
export interface SeededBook {
  readonly account: SalesforceId;
  readonly otherAccount: SalesforceId;
  readonly opp: SalesforceId;
  readonly opp2: SalesforceId;
  readonly othersOpp: SalesforceId;
  readonly ada: SalesforceId;
  readonly bob: SalesforceId;
  readonly cyd: SalesforceId;
  readonly role: SalesforceId;
}

/** A test book: org, worker doc, clock, port and helpers. */
export interface BookFixture {
  readonly org: FakeOrg;
  readonly user: SalesforceId;
  readonly otherUser: SalesforceId;
  readonly ids: SeededBook;
  /** The worker's doc (replaced by {@link BookFixture.crash}). */
  doc: Y.Doc;
  readonly port: FaultyPort;
  readonly clock: { now(): Date; advance(ms: number): void };
  readonly random: () => number;
  /** The last durable state of the worker doc. */
  disk: Uint8Array | null;
  /** Saves the worker doc to disk (what a host's store does continuously). */
  persist(): void;
  /** Loses everything not on disk: the worker doc is reloaded from the last persisted state. */
  crash(): void;
  /** Runs one cycle on the worker doc. */
  sync(overrides?: Partial<RunnerOptions>): Promise<Exit.Exit<CycleReport, RunnerError>>;
  /** A device API over `doc` (default: the worker doc). */
  device(deviceId: string, doc?: Y.Doc): Device;
}

/**
 * Creates a seeded book: user U owns two open opportunities at Acme (Ada has a role on the
 * first; Bob and Cyd are Other contacts), another user owns one at Globex.
 */
export function createBookFixture(options: { readonly seed?: number | undefined } = {}): BookFixture {
  const org = new FakeOrg();
  const user = org.addUser("Una User");
  const otherUser = org.addUser("Otto Other");
  const account = org.createAccount({ Name: "Acme" });
  const otherAccount = org.createAccount({ Name: "Globex" });
  const ada = org.createContact({
    AccountId: account,
    FirstName: "Ada",
    LastName: "Lovelace",
    Email: "Ada@Acme.example",
  });
  const bob = org.createContact({
    AccountId: account,
    FirstName: "Bob",
    LastName: "Babbage",
    Email: "bob@acme.example",
  });
  const cyd = org.createContact({ AccountId: account, FirstName: "Cyd", LastName: "Charisse", Email: null });
  const opp = org.createOpportunity({
    Name: "Acme renewal",
    AccountId: account,
    OwnerId: user,
    StageName: "Prospecting",
    CloseDate: "2026-03-31",
    Amount: 50_000,
  });
  const opp2 = org.createOpportunity({
    Name: "Acme expansion",
    AccountId: account,
    OwnerId: user,
    StageName: "Qualification",
    CloseDate: "2026-04-30",
    Amount: 20_000,
  });
  const othersOpp = org.createOpportunity({
    Name: "Globex deal",
    AccountId: otherAccount,
    OwnerId: otherUser,
    StageName: "Prospecting",
    CloseDate: "2026-05-31",
  });
  const role = org.createContactRole({ OpportunityId: opp, ContactId: ada, Role: "Decision Maker", IsPrimary: true });
  org.createActivity({
    WhoId: ada,
    WhatId: opp,
    Subject: "Intro call",
    ActivityDate: "2025-12-20",
    OwnerId: user,
    Status: "Completed",
    TaskSubtype: "Call",
  });

  let nowMs = Date.UTC(2026, 0, 5, 12);
  const clock = {
    now: () => new Date(nowMs),
    advance: (ms: number) => {
      nowMs += ms;
    },
  };
  const random = seededRandom(options.seed ?? 1);
  const port = withFaults(createFakePort(org, user));
  const fixture: BookFixture = {
    org,
    user,
    otherUser,
    ids: { account, otherAccount, opp, opp2, othersOpp, ada, bob, cyd, role },
    doc: new Y.Doc(),
    port,
    clock,
    random,
    disk: null,
    persist() {
      fixture.disk = Y.encodeStateAsUpdate(fixture.doc);
    },
    crash() {
      const doc = new Y.Doc();
      if (fixture.disk !== null) Y.applyUpdate(doc, fixture.disk);
      fixture.doc = doc;
    },
    sync(overrides = {}) {
      return Effect.runPromiseExit(
        runCycle({
          doc: fixture.doc,
          port,
          userId: user,
          orgId: "00D000000000001AAA",
          now: clock.now,
          random,
          beforeWrite: () => Effect.sync(() => fixture.persist()),
          retry: { baseMs: 0, times: 3 },
          ...overrides,
        }),
      );
    },
    device(deviceId, doc) {
      let n = 0;
      return createDevice(doc ?? fixture.doc, {
        deviceId,
        now: clock.now,
        random: () => {
          n++;
          const bytes = new Uint8Array(10);
          for (let i = 0; i < 10; i++) bytes[i] = Math.floor(random() * 256);
          bytes[9] = n % 256;
          return bytes;
        },
      });
    },
  };
  return fixture;
}
