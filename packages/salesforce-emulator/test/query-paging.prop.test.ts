/**
 * Rule: a query and its queryMore pages return every matching row exactly once, in the order
 * of its ORDER BY, for random batch sizes and filters (reference §2.1). The expected rows come
 * from an independent filter over a full read of the table.
 */
import fc from "fast-check";
import type { Connection } from "jsforce";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmulator, type Emulator } from "../src/index.js";
import { connectAs, loadJsforce } from "./helpers.js";

const numRuns = Number(process.env.TANDEM_PROP_RUNS ?? 12);
type Row = Record<string, unknown>;
let sf: Emulator;
let conn: Connection;
let tasks: Row[];

async function readAll(soql: string, batchSize: number): Promise<{ rows: Row[]; totalSize: number }> {
  const headers = { "Sforce-Query-Options": `batchSize=${batchSize}` };
  let res = await conn.query<Row>(soql, { headers } as never);
  const rows = [...res.records];
  while (!res.done && res.nextRecordsUrl) {
    res = await conn.queryMore<Row>(res.nextRecordsUrl, { headers } as never);
    rows.push(...res.records);
  }
  return { rows, totalSize: res.totalSize };
}

beforeAll(async () => {
  const jsforce = await loadJsforce();
  sf = await createEmulator({ seed: "paging", dataset: "medium" });
  conn = connectAs(jsforce, sf, sf.users[0]?.username ?? "");
  tasks = (
    await readAll("SELECT Id, WhoId, Status, Priority, ActivityDate, OwnerId, CallDurationInSeconds FROM Task", 2000)
  ).rows;
});
afterAll(async () => {
  await sf.close();
});

interface Filter {
  readonly soql: string;
  readonly test: (r: Row) => boolean;
}

const statusFilter = fc
  .constantFrom("Completed", "Not Started", "Deferred", "In Progress")
  .map((s): Filter => ({ soql: `Status = '${s}'`, test: (r) => r.Status === s }));
const priorityFilter = fc
  .constantFrom("High", "Normal")
  .map((p): Filter => ({ soql: `Priority != '${p}'`, test: (r) => r.Priority !== p }));
const durationFilter = fc.integer({ min: 0, max: 3600 }).map(
  (n): Filter => ({
    soql: `CallDurationInSeconds > ${n}`,
    test: (r) => typeof r.CallDurationInSeconds === "number" && r.CallDurationInSeconds > n,
  }),
);
const dateFilter = fc.integer({ min: 0, max: 400 }).map((days): Filter => {
  const d = new Date(sf.control.now().getTime() - days * 86_400_000).toISOString().slice(0, 10);
  return { soql: `ActivityDate >= ${d}`, test: (r) => typeof r.ActivityDate === "string" && r.ActivityDate >= d };
});
// An indexable condition (read through the WhoId reverse index instead of a scan).
const whoFilter = fc.integer({ min: 1, max: 40 }).chain((k) =>
  fc
    .shuffledSubarray([...new Set(tasks.map((t) => String(t.WhoId)).filter((w) => w !== "null"))].slice(0, 400), {
      minLength: k,
      maxLength: k,
    })
    .map(
      (ids): Filter => ({
        soql: `WhoId IN ('${ids.map((id) => id.slice(0, 15)).join("','")}')`,
        test: (r) => ids.includes(String(r.WhoId)),
      }),
    ),
);

describe("query + queryMore", () => {
  it("returns every matching row exactly once, in order, for random batch sizes, filters and LIMIT/OFFSET", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .tuple(
            fc.option(whoFilter),
            fc.array(fc.oneof(statusFilter, priorityFilter, durationFilter, dateFilter), { maxLength: 3 }),
          )
          .map(([who, rest]) => (who ? [who, ...rest] : rest)),
        fc.integer({ min: 1, max: 2500 }),
        fc.boolean(),
        fc.option(fc.tuple(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 0, max: 60 }))),
        async (fs, batch, ordered, window) => {
          const where = fs.length > 0 ? ` WHERE ${fs.map((f) => f.soql).join(" AND ")}` : "";
          const order = ordered ? " ORDER BY ActivityDate DESC NULLS LAST, Id" : "";
          // LIMIT/OFFSET only with a total order, so the expected slice is well defined
          const limit = ordered && window ? ` LIMIT ${window[0]} OFFSET ${window[1]}` : "";
          const { rows, totalSize } = await readAll(`SELECT Id, ActivityDate FROM Task${where}${order}${limit}`, batch);
          const matching = tasks.filter((t) => fs.every((f) => f.test(t)));
          const sortedIds = (list: Row[]) =>
            [...list].sort((a, b) => {
              const da = (a.ActivityDate as string | null) ?? "";
              const db = (b.ActivityDate as string | null) ?? "";
              if (da !== db) return da > db ? -1 : 1;
              return String(a.Id) < String(b.Id) ? -1 : 1;
            });
          const expected = limit && window ? sortedIds(matching).slice(window[1], window[1] + window[0]) : matching;
          const ids = rows.map((r) => String(r.Id));
          expect(new Set(ids).size).toBe(ids.length);
          expect(totalSize).toBe(expected.length);
          expect([...ids].sort()).toEqual(expected.map((r) => String(r.Id)).sort());
          if (ordered) {
            expect(ids).toEqual(sortedIds(expected).map((r) => String(r.Id)));
            for (let i = 1; i < rows.length; i++) {
              const a = rows[i - 1] ?? {};
              const b = rows[i] ?? {};
              const da = (a.ActivityDate as string | null) ?? "";
              const db = (b.ActivityDate as string | null) ?? "";
              expect(da > db || (da === db && String(a.Id) < String(b.Id))).toBe(true);
            }
          }
        },
      ),
      { numRuns },
    );
  });
});
