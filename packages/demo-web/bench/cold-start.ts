/**
 * `pnpm bench` for the web client: time from navigation to the first pipeline paint, cold from
 * IndexedDB with the network offline (the app shell from the service worker), for the `small`
 * and `medium` books; and the JS heap after that load. Real processes and real Chromium.
 *
 * Prints `BENCH {...}` lines. Run: `npx pnpm@12.4.2 --filter @tandem/demo-web run bench`.
 */
import type { Page } from "playwright-core";
import {
  buildClient,
  launchBrowser,
  type RunningOrg,
  type RunningServer,
  signIn,
  startOrg,
  startServer,
  waitForOfflineShell,
} from "../test/e2e/harness.js";
import { orgSession, soql } from "../test/e2e/org-api.js";

const RUNS = Number(process.env.TANDEM_BENCH_RUNS ?? "3");
const FIRST_PAINT_MARK = "tandem:first-pipeline-paint";
const LOCAL_LOADED_MARK = "tandem:local-book-loaded";

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function bench(name: string, value: number, unit: string, note: string): void {
  console.log(`BENCH ${JSON.stringify({ suite: "demo-web", name, value: Math.round(value * 10) / 10, unit, note })}`);
}

async function waitForRows(page: Page, count: number, timeoutMs: number): Promise<boolean> {
  try {
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="pipeline-row"]').length === n, count, {
      timeout: timeoutMs,
    });
    return true;
  } catch {
    return false;
  }
}

async function measure(dataset: "small" | "medium", webDir: string): Promise<void> {
  let org: RunningOrg | undefined;
  let server: RunningServer | undefined;
  const browser = await launchBrowser();
  try {
    org = await startOrg({ dataset });
    server = await startServer(org, webDir);
    const user = org.users[0];
    if (user === undefined) throw new Error("no users");
    const sf = await orgSession(org, user);
    const expected = (await soql(sf, `SELECT Id FROM Opportunity WHERE OwnerId = '${user.id}' AND IsClosed = false`))
      .length;

    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const page = await context.newPage();
    await signIn(page, server.url, user);
    // The server's worker syncs the book from the org; the first sync of a medium book takes a while.
    if (!(await waitForRows(page, expected, 240_000))) throw new Error(`the pipeline never showed ${expected} rows`);
    await waitForOfflineShell(page);
    // Let y-indexeddb write the book before going offline.
    await page.waitForTimeout(1_500);
    await context.setOffline(true);
    await page.close();

    const paints: number[] = [];
    const loads: number[] = [];
    const heaps: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const cold = await context.newPage();
      await cold.goto(server.url);
      await cold.waitForFunction((mark) => performance.getEntriesByName(mark).length > 0, FIRST_PAINT_MARK, {
        timeout: 60_000,
      });
      const paint = await cold.evaluate(
        (mark) => performance.getEntriesByName(mark)[0]?.startTime ?? -1,
        FIRST_PAINT_MARK,
      );
      const loaded = await cold.evaluate(
        (mark) => performance.getEntriesByName(mark)[0]?.startTime ?? -1,
        LOCAL_LOADED_MARK,
      );
      loads.push(loaded);
      const rows = await cold.getByTestId("pipeline-row").count();
      if (rows !== expected) throw new Error(`cold start showed ${rows} rows, expected ${expected}`);
      const cdp = await context.newCDPSession(cold);
      await cdp.send("HeapProfiler.collectGarbage");
      const heap = (await cdp.send("Runtime.getHeapUsage")) as { usedSize: number };
      await cdp.detach();
      paints.push(paint);
      heaps.push(heap.usedSize / (1024 * 1024));
      await cold.close();
    }
    const note = `${expected} open opportunities; median of ${RUNS}`;
    bench(`cold start → first pipeline paint, offline (${dataset})`, median(paints), "ms", note);
    bench(`cold start → book read from IndexedDB, offline (${dataset})`, median(loads), "ms", note);
    bench(`JS heap after cold load (${dataset})`, median(heaps), "MB", note);
    await context.close();
  } finally {
    await browser.close();
    await server?.stop();
    await org?.stop();
  }
}

for (const dataset of ["small", "medium"] as const) await measure(dataset, buildClient());
