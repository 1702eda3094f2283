/**
 * One build's cold offline start, measured in real Chromium: sign in, let the server's worker
 * sync the book and the page store it in IndexedDB (and, for a build with snapshots, store its
 * view snapshot), go offline, then open the app cold `runs` times from the service worker and
 * IndexedDB. Each run reads User Timing marks the client sets (and checks the live view shows
 * every open opportunity, also when a large book's rows are added in steps), the longest
 * main-thread task before the doc's view was on screen and before every row was, a click →
 * opportunity screen time (once every row is on screen), and the JS heap.
 *
 * Invariants: every run is a fresh page of the same browser context (the device), offline;
 * a run that shows another number of rows than the book has open opportunities is an error,
 * not a measurement; the context is closed before returning.
 */
import type { Browser, Page } from "playwright-core";
import { type OrgUser, signIn, storedSnapshot, waitForOfflineShell } from "../test/e2e/harness.js";

const SCRIPT_START_MARK = "tandem:script-start";
const FIRST_PAINT_MARK = "tandem:first-pipeline-paint";
const LOCAL_LOADED_MARK = "tandem:local-book-loaded";
/** Set by builds that paint from a snapshot first, once the doc's view has replaced it. */
const DOC_VIEW_PAINT_MARK = "tandem:doc-view-paint";
/**
 * Set by builds that add a large book's rows in steps, once every row is on screen (builds
 * without it show every row with the doc's view).
 */
const ALL_ROWS_MARK = "tandem:pipeline-all-rows";

/** One run's figures (ms, MB). */
export interface StartRun {
  readonly scriptStart: number;
  readonly firstPaint: number;
  readonly bookRead: number;
  readonly docView: number;
  readonly allRows: number;
  readonly longestTask: number;
  readonly longestTaskAllRows: number;
  readonly clickToOpportunity: number;
  readonly heapMb: number;
}

/** Options of {@link measureStart}. */
export interface MeasureStartOptions {
  readonly browser: Browser;
  readonly serverUrl: string;
  readonly user: OrgUser;
  /** Open opportunities of the user's book (rows every run must show). */
  readonly expected: number;
  readonly runs: number;
  /** The build paints from a view snapshot (wait for it to be stored before going offline). */
  readonly snapshots: boolean;
  /** How long the first sync of the book may take (ms). */
  readonly syncTimeoutMs: number;
}

/** Records long tasks from the first script on (init scripts run before the page's own). */
const LONG_TASKS = `
  window.__tandemLongTasks = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__tandemLongTasks.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: "longtask", buffered: true });
`;

async function rowCount(page: Page): Promise<number> {
  return page.getByTestId("pipeline-row").count();
}

async function waitForMark(page: Page, mark: string, timeout: number): Promise<number> {
  await page.waitForFunction((m) => performance.getEntriesByName(m).length > 0, mark, { timeout });
  return page.evaluate((m) => performance.getEntriesByName(m)[0]?.startTime ?? -1, mark);
}

/**
 * Clicks the first row's link in the page and times until the opportunity screen shows its
 * name (a string, so the TypeScript loader adds no helpers the page does not have).
 */
const CLICK_TO_OPPORTUNITY = `new Promise((resolve, reject) => {
  const link = document.querySelector('[data-testid="pipeline-row"] th a');
  if (link === null) { reject(new Error("no pipeline row to click")); return; }
  const t0 = performance.now();
  const observer = new MutationObserver(() => {
    if (document.querySelector('[data-testid="opportunity-name"]') !== null) {
      observer.disconnect();
      requestAnimationFrame(() => resolve(performance.now() - t0));
    }
  });
  observer.observe(document.body, { childList: true, subtree: true });
  link.click();
})`;

function clickToOpportunity(page: Page): Promise<number> {
  return page.evaluate(CLICK_TO_OPPORTUNITY) as Promise<number>;
}

async function oneRun(page: Page, options: MeasureStartOptions): Promise<StartRun> {
  const firstPaint = await waitForMark(page, FIRST_PAINT_MARK, 120_000);
  const bookRead = await waitForMark(page, LOCAL_LOADED_MARK, 120_000);
  const scriptStart = await waitForMark(page, SCRIPT_START_MARK, 120_000);
  const docView = options.snapshots ? await waitForMark(page, DOC_VIEW_PAINT_MARK, 120_000) : firstPaint;
  await page.waitForFunction(() => document.querySelector('[data-from-snapshot="true"]') === null);
  const stepped = await page.evaluate(
    (m) =>
      performance.getEntriesByName(m).length > 0 ||
      document.querySelector('[aria-busy="true"][data-testid="pipeline-table"]') !== null,
    ALL_ROWS_MARK,
  );
  // The pipeline marks its frame with every row, the book screen the same frame as the doc's view.
  const allRows = stepped ? Math.max(docView, await waitForMark(page, ALL_ROWS_MARK, 120_000)) : docView;
  const rows = await rowCount(page);
  if (rows !== options.expected) throw new Error(`cold start showed ${rows} rows, expected ${options.expected}`);
  const longest = (until: number) =>
    page.evaluate((u) => {
      const tasks = (window as unknown as { __tandemLongTasks?: { start: number; duration: number }[] })
        .__tandemLongTasks;
      return Math.max(0, ...(tasks ?? []).filter((t) => t.start <= u).map((t) => t.duration));
    }, until);
  const longestTask = await longest(docView);
  const longestTaskAllRows = await longest(allRows);
  const click = await clickToOpportunity(page);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("HeapProfiler.collectGarbage");
  const heap = (await cdp.send("Runtime.getHeapUsage")) as { usedSize: number };
  await cdp.detach();
  return {
    scriptStart,
    firstPaint,
    bookRead,
    docView,
    allRows,
    longestTask,
    longestTaskAllRows,
    clickToOpportunity: click,
    heapMb: heap.usedSize / (1024 * 1024),
  };
}

/**
 * Measures `options.runs` cold offline starts of the build the server serves now.
 *
 * @example
 * ```ts
 * const runs = await measureStart({ browser, serverUrl, user, expected: 51, runs: 5, snapshots: true, syncTimeoutMs: 240_000 });
 * ```
 */
export async function measureStart(options: MeasureStartOptions): Promise<StartRun[]> {
  const context = await options.browser.newContext({ viewport: { width: 1280, height: 860 } });
  try {
    await context.addInitScript(LONG_TASKS);
    const page = await context.newPage();
    await signIn(page, options.serverUrl, options.user);
    await page.waitForFunction(
      (n) => document.querySelectorAll('[data-testid="pipeline-row"]').length === n,
      options.expected,
      {
        timeout: options.syncTimeoutMs,
        polling: 1_000,
      },
    );
    await waitForOfflineShell(page);
    if (options.snapshots) {
      const room = ((await (await context.request.get(`${options.serverUrl}/api/me`)).json()) as { room: string }).room;
      const deadline = Date.now() + 120_000;
      while ((await storedSnapshot(page, room))?.rows.length !== options.expected) {
        if (Date.now() > deadline) throw new Error("the view snapshot was never stored");
        await page.waitForTimeout(500);
      }
    }
    // Let y-indexeddb finish writing the book (and a compaction settle) before going offline.
    await page.waitForTimeout(3_000);
    await context.setOffline(true);
    await page.close();

    const runs: StartRun[] = [];
    for (let run = 0; run < options.runs; run++) {
      const cold = await context.newPage();
      await cold.goto(options.serverUrl);
      runs.push(await oneRun(cold, options));
      await cold.close();
    }
    return runs;
  } finally {
    await context.close();
  }
}
