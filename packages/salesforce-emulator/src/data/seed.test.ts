import { describe, expect, it } from "vitest";
import { findStage } from "../store/org.js";
import { Clock } from "../util/time.js";
import { seedOrg } from "./seed.js";

const fixedNow = () => Date.UTC(2026, 10, 26, 12);

describe("seeded data", () => {
  it("is deterministic per seed and differs between seeds", () => {
    const a = seedOrg({ seed: "s", dataset: "small", clock: new Clock(0, fixedNow) });
    const b = seedOrg({ seed: "s", dataset: "small", clock: new Clock(0, fixedNow) });
    const c = seedOrg({ seed: "t", dataset: "small", clock: new Clock(0, fixedNow) });
    // Every stored value, the users and the id counters: what a data file would hold.
    const text = (o: typeof a) =>
      JSON.stringify([
        o.orgId,
        o.pod,
        o.users,
        o.ids.snapshot(),
        o.schema.objects.map((d) => [d.name, [...o.store.table(d.name).values()]]),
      ]);
    expect(text(a)).toBe(text(b));
    expect(text(a)).not.toBe(text(c));
  });

  it("small has the demo's shape, with emails, roles and consistent derived fields", () => {
    const org = seedOrg({ seed: "demo", dataset: "small", clock: new Clock(0, fixedNow) });
    const size = (o: string) => org.store.table(o).size;
    expect(org.users).toHaveLength(4); // three sales reps and the administrator
    // The dataset's 2000 activities plus five shared activities per sales rep.
    expect([size("Account"), size("Opportunity"), size("Contact"), size("Task") + size("Event")]).toEqual([
      40, 120, 400, 2015,
    ]);
    expect(size("OpportunityContactRole")).toBeGreaterThan(50);
    const opps = [...org.store.table("Opportunity").values()];
    expect(new Set(opps.map((o) => o.OwnerId)).size).toBe(3);
    expect(new Set(opps.map((o) => o.StageName)).size).toBeGreaterThan(6);
    for (const o of opps) {
      const stage = findStage(String(o.StageName));
      expect([o.IsClosed, o.IsWon, o.ForecastCategoryName]).toEqual([
        stage?.isClosed,
        stage?.isWon,
        stage?.forecastCategoryName,
      ]);
    }
    for (const c of org.store.table("Contact").values()) {
      expect(c.Email).toMatch(/^[a-z.0-9]+@[a-z0-9]+\.com$/);
      expect(c.Name).toBe(`${c.FirstName} ${c.LastName}`);
    }
    for (const t of org.store.table("Task").values()) {
      expect(t.IsClosed).toBe(t.Status === "Completed");
      expect(t.CompletedDateTime === null).toBe(!t.IsClosed);
    }
  });
});
