/**
 * `pnpm bench demo-web`: the web client's cold offline start (issue 24), for the small, medium
 * and large books, this working tree's build side by side with the build of commit ae63854
 * (before snapshot paint and code splitting), both built in this run and served by the same
 * server to separate browser contexts (devices). Real processes (the emulated org and the
 * Tandem server CLIs), real Chromium, the book synced by the server's worker.
 *
 * Per book and build: the median of TANDEM_BENCH_RUNS (default 5) cold starts, offline, from
 * the service worker and IndexedDB, of navigation → first pipeline paint (the goal: ≤ 300 ms
 * small, ≤ 500 ms medium), → book read from IndexedDB, → the doc's view on screen, → every
 * row on screen (a large book's rows are added in steps), the longest main-thread task until
 * the doc's view and until every row, a click → opportunity screen once loaded, and the JS
 * heap. Prints `BENCH {...}` lines (for scripts/bench.mjs) and a side-by-side table.
 *
 * TANDEM_BENCH_BOOKS picks the books (default `small,medium,large`).
 */
import { mkdtempSync, rmSync, symlinkSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildClient, launchBrowser, startOrg, startServer } from "../test/e2e/harness.js";
import { orgSession, soql } from "../test/e2e/org-api.js";
import { buildClientAt } from "./baseline-build.js";
import { measureStart, type StartRun } from "./measure-start.js";

const RUNS = Number(process.env.TANDEM_BENCH_RUNS ?? "5");
const BOOKS = (process.env.TANDEM_BENCH_BOOKS ?? "small,medium,large").split(",") as ("small" | "medium" | "large")[];
const BASELINE = "ae63854";
/** The first sync of a book through the worker (the large one has 5,000 opportunities). */
const SYNC_TIMEOUT: Record<string, number> = { small: 120_000, medium: 600_000, large: 2_400_000 };

type Metric = keyof StartRun;
const METRICS: ReadonlyArray<{ key: Metric; label: string; unit: string }> = [
  { key: "scriptStart", label: "navigation → entry script running", unit: "ms" },
  { key: "firstPaint", label: "navigation → first pipeline paint", unit: "ms" },
  { key: "bookRead", label: "navigation → book read from IndexedDB", unit: "ms" },
  { key: "docView", label: "navigation → doc's view on screen", unit: "ms" },
  { key: "allRows", label: "navigation → every row on screen", unit: "ms" },
  { key: "longestTask", label: "longest task until the doc's view", unit: "ms" },
  { key: "longestTaskAllRows", label: "longest task until every row", unit: "ms" },
  { key: "clickToOpportunity", label: "click → opportunity screen", unit: "ms" },
  { key: "heapMb", label: "JS heap after load", unit: "MB" },
];

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

const round = (v: number) => Math.round(v * 10) / 10;

interface Row {
  readonly book: string;
  readonly open: number;
  readonly build: string;
  readonly runs: readonly StartRun[];
}

async function measureBook(book: "small" | "medium" | "large", builds: Record<string, string>): Promise<Row[]> {
  const org = await startOrg({ dataset: book });
  // One server for both builds: its static directory is a link re-pointed between them.
  const linkDir = mkdtempSync(join(tmpdir(), "tandem-bench-web-"));
  const link = join(linkDir, "web");
  const first = Object.values(builds)[0];
  if (first === undefined) throw new Error("no builds");
  symlinkSync(first, link, "dir");
  const server = await startServer(org, link);
  const browser = await launchBrowser();
  const rows: Row[] = [];
  try {
    const user = org.users[0];
    if (user === undefined) throw new Error("the emulated org has no users");
    const sf = await orgSession(org, user);
    const open = (await soql(sf, `SELECT Id FROM Opportunity WHERE OwnerId = '${user.id}' AND IsClosed = false`))
      .length;
    for (const [build, dir] of Object.entries(builds)) {
      unlinkSync(link);
      symlinkSync(dir, link, "dir");
      const runs = await measureStart({
        browser,
        serverUrl: server.url,
        user,
        expected: open,
        runs: RUNS,
        snapshots: build !== BASELINE,
        syncTimeoutMs: SYNC_TIMEOUT[book] ?? 600_000,
      });
      rows.push({ book, open, build, runs });
      for (const { key, label, unit } of METRICS) {
        const value = round(median(runs.map((r) => r[key])));
        const note = `${open} open opportunities; median of ${RUNS}; offline cold start`;
        console.log(
          `BENCH ${JSON.stringify({ suite: "demo-web", name: `${label} (${book})`, value, unit, peer: build, note })}`,
        );
      }
    }
  } finally {
    await browser.close();
    await server.stop();
    await org.stop();
    rmSync(linkDir, { recursive: true, force: true });
  }
  return rows;
}

function printTable(rows: readonly Row[], builds: readonly string[]): void {
  const lines = [
    `| book | open opps | metric (median of ${RUNS}) | ${builds.join(" | ")} |`,
    `|---|---|---|${builds.map(() => "---").join("|")}|`,
  ];
  for (const book of BOOKS) {
    const ofBook = rows.filter((r) => r.book === book);
    if (ofBook.length === 0) continue;
    for (const { key, label, unit } of METRICS) {
      const cells = builds.map((b) => {
        const row = ofBook.find((r) => r.build === b);
        return row === undefined ? "—" : `${round(median(row.runs.map((r) => r[key])))} ${unit}`;
      });
      lines.push(`| ${book} | ${ofBook[0]?.open ?? "?"} | ${label} | ${cells.join(" | ")} |`);
    }
  }
  console.log(`\n${lines.join("\n")}\n`);
}

const builds: Record<string, string> = { [BASELINE]: buildClientAt(BASELINE), "working tree": buildClient() };
const all: Row[] = [];
try {
  for (const book of BOOKS) {
    all.push(...(await measureBook(book, builds)));
    printTable(all, Object.keys(builds));
  }
} finally {
  for (const dir of Object.values(builds)) rmSync(dir, { recursive: true, force: true });
}
