/**
 * Rule: sharing never shows a record to a user who cannot see it, and shows every record they
 * can (reference §4). The oracle is an independent reading of the rules over the org's data
 * file (`--data`), for a typical org and for a private one.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import type { Connection } from "jsforce";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmulator, type Emulator, type SharingDefaults } from "../src/index.js";
import { connectAs, loadJsforce } from "./helpers.js";

const numRuns = Number(process.env.TANDEM_PROP_RUNS ?? 12);
type Row = Record<string, unknown>;
const OBJECTS = ["Account", "Contact", "Opportunity", "OpportunityContactRole", "Task", "Event"] as const;

interface Org {
  sf: Emulator;
  sharing: SharingDefaults;
  tables: Map<string, Map<string, Row>>;
  conns: Connection[];
}

let dir: string;
const orgs: Org[] = [];

function readTables(file: string): Map<string, Map<string, Row>> {
  const data = JSON.parse(readFileSync(file, "utf8")) as {
    tables: Record<string, { fields: string[]; rows: unknown[][] }>;
  };
  const out = new Map<string, Map<string, Row>>();
  for (const [name, t] of Object.entries(data.tables)) {
    const m = new Map<string, Row>();
    for (const row of t.rows) {
      const rec: Row = {};
      t.fields.forEach((f, i) => {
        rec[f] = row[i];
      });
      if (rec.IsDeleted !== true) m.set(String(rec.Id), rec);
    }
    out.set(name, m);
  }
  return out;
}

function oracle(org: Org, userId: string, object: string): Set<string> {
  const t = (name: string) => org.tables.get(name) ?? new Map<string, Row>();
  const oppsByAccount = new Map<string, Row[]>();
  for (const o of t("Opportunity").values()) {
    const list = oppsByAccount.get(String(o.AccountId)) ?? [];
    list.push(o);
    oppsByAccount.set(String(o.AccountId), list);
  }
  const account = (id: unknown): boolean => {
    const a = t("Account").get(String(id));
    if (!a) return false;
    if (org.sharing.Account !== "Private" || a.OwnerId === userId) return true;
    return (oppsByAccount.get(String(id)) ?? []).some((o) => o.OwnerId === userId);
  };
  const opportunity = (id: unknown): boolean => {
    const o = t("Opportunity").get(String(id));
    if (!o) return false;
    if (org.sharing.Opportunity !== "Private" || o.OwnerId === userId) return true;
    return t("Account").get(String(o.AccountId))?.OwnerId === userId;
  };
  const contact = (id: unknown): boolean => {
    const c = t("Contact").get(String(id));
    if (!c) return false;
    return c.AccountId ? account(c.AccountId) : c.OwnerId === userId;
  };
  const visible = (rec: Row): boolean => {
    switch (object) {
      case "Account":
        return account(rec.Id);
      case "Opportunity":
        return opportunity(rec.Id);
      case "Contact":
        return contact(rec.Id);
      case "OpportunityContactRole":
        return opportunity(rec.OpportunityId);
      default:
        return (
          rec.OwnerId === userId ||
          (rec.WhoId != null && contact(rec.WhoId)) ||
          (rec.WhatId != null && (account(rec.WhatId) || opportunity(rec.WhatId)))
        );
    }
  };
  return new Set([...t(object).values()].filter(visible).map((r) => String(r.Id)));
}

async function ids(conn: Connection, object: string): Promise<string[]> {
  let res = await conn.query<Row>(`SELECT Id FROM ${object}`);
  const out = res.records.map((r) => String(r.Id));
  while (!res.done && res.nextRecordsUrl) {
    res = await conn.queryMore<Row>(res.nextRecordsUrl);
    out.push(...res.records.map((r) => String(r.Id)));
  }
  return out;
}

beforeAll(async () => {
  const jsforce = await loadJsforce();
  dir = mkdtempSync(join(tmpdir(), "sf-sharing-"));
  const configs: SharingDefaults[] = [
    { Account: "ReadWrite", Opportunity: "Read", Contact: "ControlledByParent", Activity: "Private" },
    { Account: "Private", Opportunity: "Private", Contact: "ControlledByParent", Activity: "Private" },
  ];
  for (const [i, sharing] of configs.entries()) {
    const file = join(dir, `org-${i}.json`);
    const sf = await createEmulator({ seed: `sharing-${i}`, sharing, dataFile: file });
    // a few private activities with no related record, so Activity Private matters
    const conns = sf.users.map((u) => connectAs(jsforce, sf, u.username));
    for (const c of conns) await c.sobject("Task").create([{ Subject: "Note to self" }, { Subject: "Another" }]);
    sf.control.save();
    orgs.push({ sf, sharing, tables: readTables(file), conns });
  }
});
afterAll(async () => {
  for (const o of orgs) await o.sf.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("sharing", () => {
  it("a user sees exactly the records the sharing rules grant, for every object", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 1 }),
        fc.integer({ min: 0, max: 2 }),
        fc.constantFrom(...OBJECTS),
        async (o, u, object) => {
          const org = orgs[o];
          const conn = org?.conns[u];
          const userId = org?.sf.users[u]?.id;
          if (!org || !conn || !userId) throw new Error("setup");
          const seen = await ids(conn, object);
          const allowed = oracle(org, userId, object);
          expect(seen.filter((id) => !allowed.has(id))).toEqual([]);
          expect(seen.length).toBe(allowed.size);
        },
      ),
      { numRuns },
    );
  });

  it("the private org really hides something from each user", () => {
    const org = orgs[1];
    if (!org) throw new Error("setup");
    for (const u of org.sf.users) {
      expect(oracle(org, u.id, "Opportunity").size).toBeLessThan(org.tables.get("Opportunity")?.size ?? 0);
    }
  });
});
