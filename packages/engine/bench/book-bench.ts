/**
 * Engine benchmark at the `large` scale (5,000 opportunities, 50,000 contacts, 300,000
 * activities, synthetic): plan + apply of a full book and of a 1 % incremental cycle, the
 * unchanged re-plan, document size against the JSON of the same records, load time of the
 * encoded doc against JSON.parse of the same records (same run), and retained heap of both.
 * Prints `BENCH {...}` lines. Run with `--expose-gc` (the package's `bench` script does).
 *
 * Run directly, it runs itself twice as child processes, with the workspace's patched yjs and
 * with the unpatched copy (yjs-variants.ts, ADR 0003), and prints both side by side;
 * `BENCH_YJS=unpatched,patched` swaps the order, `BENCH_YJS=patched` runs one.
 */
import * as Y from "yjs";
import type {
  AccountRecord,
  ActivityPull,
  ActivityRecord,
  ContactRecord,
  ContactRoleRecord,
  OpportunityRecord,
  SalesforceId,
  ScopePull,
} from "../src/index.js";
import {
  applyPlan,
  createBookView,
  isEmptyPlan,
  loadBook,
  plan,
  readBookState,
  shareRecordStrings,
  to18,
} from "../src/index.js";
import { testContact, testOpportunity, testTask } from "../src/testing/record-factories.js";
import { describeRunningYjs } from "./unpatched-yjs.js";
import { reportRunningYjs, runWithBothYjsBuilds, YJS_BUILD_ENV } from "./yjs-variants.js";

const SUITE = "engine";
const SCALE = {
  opportunities: Number(process.env.BENCH_OPPS ?? 5_000),
  contactsPerAccount: 50,
  oppsPerAccount: 5,
  activitiesPerContact: 6,
};

function bench(name: string, value: number, unit: string, extra: { peer?: string; note?: string } = {}): void {
  console.log(`BENCH ${JSON.stringify({ suite: SUITE, name, value: Math.round(value * 100) / 100, unit, ...extra })}`);
}

const gc = (): void => {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) g();
};
const heapMb = (): number => {
  gc();
  return process.memoryUsage().heapUsed / 1_048_576;
};
/** Wall and process CPU time (user + system) of `fn`, in ms. */
const timeBoth = (fn: () => unknown): [number, number] => {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  fn();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return [wall, (c.user + c.system) / 1000];
};
const time = <T>(fn: () => T): [T, number] => {
  const t0 = performance.now();
  const out = fn();
  return [out, performance.now() - t0];
};

let seq = 0;
const newId = (prefix: string): SalesforceId => {
  seq++;
  return to18(`${prefix}${seq.toString(36).toUpperCase().padStart(12, "0")}`);
};

const USER = newId("005");
const STAMP = "2026-01-01T00:00:00.000Z";

interface Book {
  opportunities: OpportunityRecord[];
  accounts: AccountRecord[];
  contacts: ContactRecord[];
  contactRoles: ContactRoleRecord[];
  activities: ActivityRecord[];
}

function generate(): Book {
  const book: Book = { opportunities: [], accounts: [], contacts: [], contactRoles: [], activities: [] };
  const accounts = Math.ceil(SCALE.opportunities / SCALE.oppsPerAccount);
  for (let a = 0; a < accounts; a++) {
    const accountId = newId("001");
    book.accounts.push({ Id: accountId, Name: `Account ${a} Holdings` });
    const contactIds: SalesforceId[] = [];
    for (let c = 0; c < SCALE.contactsPerAccount; c++) {
      const id = newId("003");
      contactIds.push(id);
      book.contacts.push({
        Id: id,
        AccountId: accountId,
        FirstName: `First${c}`,
        LastName: `Last${a}-${c}`,
        Name: `First${c} Last${a}-${c}`,
        Title: c % 3 === 0 ? "Director of Operations" : null,
        Email: `first${c}.last${a}@account${a}.example.com`,
        Phone: "+1 415 555 0100",
        MobilePhone: null,
        SystemModstamp: STAMP,
      });
      for (let k = 0; k < SCALE.activitiesPerContact; k++) {
        book.activities.push({
          Id: newId("00T"),
          Type: "Task",
          WhoId: id,
          WhatId: null,
          Subject: `Follow-up call ${k}`,
          Status: "Completed",
          ActivityDate: `2025-${String(1 + (k % 12)).padStart(2, "0")}-15`,
          StartDateTime: null,
          Description: k % 2 === 0 ? "Discussed pricing and next steps for the renewal." : null,
          TaskSubtype: "Call",
          IsClosed: true,
          CompletedDateTime: null,
          CreatedDate: null,
          OwnerId: USER,
          SystemModstamp: STAMP,
        });
      }
    }
    for (let o = 0; o < SCALE.oppsPerAccount && book.opportunities.length < SCALE.opportunities; o++) {
      const oppId = newId("006");
      book.opportunities.push({
        Id: oppId,
        Name: `Account ${a} opportunity ${o}`,
        AccountId: accountId,
        Amount: 10_000 + o * 1_000,
        StageName: "Prospecting",
        CloseDate: "2026-06-30",
        Probability: 10,
        Description: null,
        ForecastCategoryName: "Pipeline",
        IsClosed: false,
        OwnerId: USER,
        SystemModstamp: STAMP,
      });
      for (let r = 0; r < 2; r++) {
        const contact = contactIds[(o * 2 + r) % contactIds.length] as SalesforceId;
        book.contactRoles.push({
          Id: newId("00K"),
          OpportunityId: oppId,
          ContactId: contact,
          Role: "Decision Maker",
          IsPrimary: r === 0,
        });
      }
    }
  }
  return book;
}

const scopeOf = (b: Book): ScopePull => ({
  opportunities: b.opportunities,
  accounts: b.accounts,
  contacts: b.contacts,
  contactRoles: b.contactRoles,
  removed: { opportunityIds: [], accountIds: [], contactIds: [], contactRoleIds: [] },
  watermarks: { Opportunity: STAMP, Account: STAMP, Contact: STAMP, OpportunityContactRole: STAMP },
  full: true,
});
const activitiesOf = (b: Book): ActivityPull => ({
  activities: b.activities,
  removedIds: [],
  watermarks: { Task: STAMP },
});

/**
 * One contact change in a large account (issue 20, "Scale"): one account with 20,000 contacts
 * and 50 open opportunities (two roles each, a few activities), a live book view; the cost of
 * one contact's Title change (the Yjs write, re-derivation and notification), of 50 such changes,
 * and, in the same run, of a fresh view of the same document.
 */
function largeAccountBench(): void {
  const CONTACTS = Number(process.env.BENCH_ACCOUNT_CONTACTS ?? 20_000);
  const OPPS = 50;
  const accountId = newId("001");
  const contacts: ContactRecord[] = [];
  for (let c = 0; c < CONTACTS; c++) {
    const id = newId("003");
    contacts.push(
      testContact({
        Id: id,
        AccountId: accountId,
        FirstName: `First${c}`,
        LastName: `Last${c}`,
        Title: c % 3 === 0 ? "Director of Operations" : null,
        Email: `first${c}.last${c}@big.example.com`,
      }),
    );
  }
  const doc = new Y.Doc();
  const m = {
    accounts: doc.getMap<AccountRecord>("accounts"),
    opportunities: doc.getMap<OpportunityRecord>("opportunities"),
    contacts: doc.getMap<ContactRecord>("contacts"),
    contactRoles: doc.getMap<ContactRoleRecord>("contactRoles"),
    activities: doc.getMap<ActivityRecord>("activities"),
  };
  doc.transact(() => {
    m.accounts.set(accountId, { Id: accountId, Name: "Big Account" });
    for (const c of contacts) m.contacts.set(c.Id, c);
    for (let o = 0; o < OPPS; o++) {
      const oppId = newId("006");
      m.opportunities.set(
        oppId,
        testOpportunity({
          Id: oppId,
          Name: `Big deal ${o}`,
          AccountId: accountId,
          Amount: 1_000 * (o + 1),
          OwnerId: USER,
        }),
      );
      for (let r = 0; r < 2; r++) {
        const contact = contacts[(o * 7 + r * 3) % CONTACTS] as ContactRecord;
        const roleId = newId("00K");
        m.contactRoles.set(roleId, {
          Id: roleId,
          OpportunityId: oppId,
          ContactId: contact.Id,
          Role: "Decision Maker",
          IsPrimary: r === 0,
        });
        for (let k = 0; k < 3; k++) {
          const actId = newId("00T");
          m.activities.set(
            actId,
            testTask({
              Id: actId,
              WhoId: contact.Id,
              WhatId: k === 0 ? oppId : null,
              Subject: `Call ${k}`,
              ActivityDate: `2025-12-${String(10 + k).padStart(2, "0")}`,
              OwnerId: USER,
            }),
          );
        }
      }
    }
  });
  const now = () => new Date("2026-01-05T00:00:00.000Z");
  const note = `1 account, ${CONTACTS} contacts, ${OPPS} opportunities`;
  const [view, buildMs] = time(() => createBookView(doc, { now }));
  bench("book view: fresh build, 20,000-contact account", buildMs, "ms", { note });
  let notified = 0;
  view.subscribe(() => notified++);
  const change = (n: number): void => {
    const c = contacts[(n * 97 + 11) % CONTACTS] as ContactRecord;
    m.contacts.set(c.Id, { ...c, Title: `VP ${n}` });
  };
  const [, oneMs] = time(() => change(0));
  bench("book view: one contact change, 20,000-contact account", oneMs, "ms", {
    peer: "fresh build",
    note: `${note}; the Yjs write, re-derivation and notification; goal ≤ 20 ms`,
  });
  const [, fiftyMs] = time(() => {
    for (let n = 1; n <= 50; n++) change(n);
  });
  bench("book view: 50 contact changes, 20,000-contact account", fiftyMs, "ms", {
    note: `${(fiftyMs / 50).toFixed(2)} ms per change, ${notified} notifications`,
  });
  const [, snapMs] = time(() => view.getSnapshot());
  bench("book view: snapshot after the changes, 20,000-contact account", snapMs, "ms");
  view.dispose();
}

function main(): void {
  largeAccountBench();
  if (process.env.BENCH_ONLY === "large-account") return;
  const t0 = performance.now();
  const book = generate();
  const records =
    book.opportunities.length +
    book.accounts.length +
    book.contacts.length +
    book.contactRoles.length +
    book.activities.length;
  const note = `${book.opportunities.length} opps, ${book.contacts.length} contacts, ${book.activities.length} activities, ${records} records`;
  const now = new Date("2026-01-05T00:00:00.000Z");

  // Full plan + apply into an empty doc.
  const doc = new Y.Doc();
  const [full, planMs] = time(() =>
    plan(readBookState(doc), { scope: scopeOf(book), activities: activitiesOf(book) }, now),
  );
  const [, applyMs] = time(() => applyPlan(doc, full));
  bench("full book: plan", planMs, "ms", { note });
  bench("full book: apply", applyMs, "ms", { note });

  // Unchanged snapshot: empty plan, zero updates.
  let updates = 0;
  const onUpdate = () => updates++;
  doc.on("update", onUpdate);
  const [again, replanMs] = time(() =>
    plan(readBookState(doc), { scope: scopeOf(book), activities: activitiesOf(book) }, now),
  );
  applyPlan(doc, again);
  bench("unchanged snapshot: plan", replanMs, "ms", {
    note: `empty plan: ${isEmptyPlan(again)}, Yjs updates: ${updates}`,
  });

  // Incremental cycle: 1 % of every object changed.
  const stamp2 = "2026-01-02T00:00:00.000Z";
  const pick = <T>(xs: T[]): T[] => xs.filter((_, i) => i % 100 === 0);
  const changed: Book = {
    opportunities: pick(book.opportunities).map((o) => ({ ...o, Amount: (o.Amount ?? 0) + 1, SystemModstamp: stamp2 })),
    accounts: pick(book.accounts).map((a) => ({ ...a, Name: `${a.Name} (renamed)` })),
    contacts: pick(book.contacts).map((c) => ({ ...c, Title: "VP Sales", SystemModstamp: stamp2 })),
    contactRoles: pick(book.contactRoles).map((r) => ({ ...r, Role: "Influencer" })),
    activities: pick(book.activities).map((a) => ({ ...a, Subject: `${a.Subject} (edited)`, SystemModstamp: stamp2 })),
  };
  let updateBytes = 0;
  const onBytes = (u: Uint8Array) => {
    updateBytes += u.byteLength;
  };
  doc.on("update", onBytes);
  const [inc, incPlanMs] = time(() =>
    plan(readBookState(doc), { scope: { ...scopeOf(changed), full: false }, activities: activitiesOf(changed) }, now),
  );
  const [, incApplyMs] = time(() => applyPlan(doc, inc));
  doc.off("update", onBytes);
  doc.off("update", onUpdate);
  bench("incremental 1%: plan", incPlanMs, "ms", { note: `${inc.upserts.length} upserts` });
  bench("incremental 1%: apply", incApplyMs, "ms", { note: `${inc.upserts.length} upserts` });
  bench("incremental 1%: update size", updateBytes / 1024, "KiB");

  // Size: the doc against the JSON of the same records (as the doc now holds them).
  const maps = readBookState(doc);
  const current = {
    opportunities: [...maps.opportunities.values()],
    accounts: [...maps.accounts.values()],
    contacts: [...maps.contacts.values()],
    contactRoles: [...maps.contactRoles.values()],
    activities: [...maps.activities.values()],
  };
  const json = JSON.stringify(current);
  const jsonBytes = Buffer.byteLength(json);
  const fresh = new Y.Doc();
  Y.applyUpdate(fresh, Y.encodeStateAsUpdate(doc));
  const encoded = Y.encodeStateAsUpdate(fresh);
  const encodedV2 = Y.encodeStateAsUpdateV2(fresh);
  bench("doc size (update v1)", encoded.byteLength / 1_048_576, "MiB", {
    note: `${(encoded.byteLength / jsonBytes).toFixed(2)}x JSON (${(jsonBytes / 1_048_576).toFixed(1)} MiB)`,
  });
  bench("doc size (update v2)", encodedV2.byteLength / 1_048_576, "MiB", {
    note: `${(encodedV2.byteLength / jsonBytes).toFixed(2)}x JSON`,
  });
  bench("doc size / JSON size", encoded.byteLength / jsonBytes, "ratio");

  // Load: `loadBook` (Y.applyUpdate of the encoded state, then shareRecordStrings) against
  // JSON.parse of the same records. Wall time is noisy on a shared machine: process CPU time
  // is reported too.
  gc();
  const [load, loadCpu] = timeBoth(() => loadBook(new Y.Doc(), encoded));
  gc();
  const [parse, parseCpu] = timeBoth(() => JSON.parse(json));
  bench("load doc (update v1)", load, "ms", {
    peer: "JSON.parse",
    note: `wall; ${(load / parse).toFixed(2)}x JSON.parse`,
  });
  bench("load doc, CPU time", loadCpu, "ms", {
    peer: "JSON.parse",
    note: `${(loadCpu / parseCpu).toFixed(2)}x JSON.parse`,
  });
  bench("JSON.parse, CPU time", parseCpu, "ms");
  bench("JSON.parse of the same records", parse, "ms");
  bench("load / JSON.parse (CPU time)", loadCpu / parseCpu, "ratio", { note: "goal ≤ 3" });
  // The two parts of loadBook, on another fresh doc.
  gc();
  const parted = new Y.Doc();
  const [, applyCpu] = timeBoth(() => Y.applyUpdate(parted, encoded));
  let shared = 0;
  const [, shareCpu] = timeBoth(() => {
    shared = shareRecordStrings(parted);
  });
  parted.destroy();
  bench("load part: Y.applyUpdate, CPU time", applyCpu, "ms");
  bench("load part: shareRecordStrings, CPU time", shareCpu, "ms", { note: `${shared} strings shared` });

  // Retained heap of a loaded doc against the parsed JSON.
  const base = heapMb();
  let keepDoc: Y.Doc | null = new Y.Doc();
  loadBook(keepDoc, encoded);
  const docHeap = heapMb() - base;
  keepDoc.destroy();
  keepDoc = null;
  const base2 = heapMb();
  let keepJson: unknown = JSON.parse(json);
  const jsonHeap = heapMb() - base2;
  if (keepJson === null) console.log("unreachable");
  keepJson = null;
  bench("heap: loaded doc", docHeap, "MiB", {
    peer: "JSON.parse",
    note: `${(docHeap / jsonHeap).toFixed(2)}x parsed JSON`,
  });
  bench("heap: parsed JSON", jsonHeap, "MiB");
  bench("heap doc / JSON", docHeap / jsonHeap, "ratio", { note: "goal ≤ 2" });

  // Views over the whole book.
  const [view, viewMs] = time(() => createBookView(fresh));
  bench("book view: initial build", viewMs, "ms", { note });
  const [, firstSnapMs] = time(() => view.getSnapshot());
  bench("book view: first snapshot", firstSnapMs, "ms", { note: "orders every opportunity" });
  const target = book.opportunities[0];
  if (target) {
    const m = fresh.getMap<OpportunityRecord>("opportunities");
    const [, oneMs] = time(() => m.set(target.Id, { ...target, Amount: 1 }));
    bench("book view: one opportunity changed", oneMs, "ms", { note: "the Yjs write, re-derivation and notification" });
    const [, snapMs] = time(() => view.getSnapshot());
    bench("book view: snapshot after the change", snapMs, "ms");
  }
  view.dispose();
  bench("bench total", (performance.now() - t0) / 1000, "s");
}

if (process.env[YJS_BUILD_ENV] === undefined) {
  process.exitCode = await runWithBothYjsBuilds(import.meta.url);
} else {
  reportRunningYjs(describeRunningYjs(Y));
  main();
}
