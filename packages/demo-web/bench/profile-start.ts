/**
 * A profiling aid for the web client's cold offline start (not part of `pnpm bench`): builds
 * this working tree, syncs one book (TANDEM_PROFILE_BOOK, default `large`) through the real
 * server's worker into a Chromium context, goes offline, and opens the app cold
 * TANDEM_PROFILE_RUNS times (default 2) with V8's sampling profiler on from the navigation. It
 * prints the client's User Timing marks, the long tasks, the click → opportunity screen time
 * (as `measure-start.ts` clicks: once the live view shows every row), and for every long
 * task (the page's own PerformanceObserver, aligned to the profile through a marker function)
 * the functions that took its time. The profiles
 * are written to TANDEM_PROFILE_OUT (default a temporary directory) as `.cpuprofile` files
 * that Chromium's DevTools open. The build is not minified (function names in the profile) unless
 * TANDEM_PROFILE_MINIFY=1.
 *
 * With TANDEM_PROFILE_WATCH=<file>, it keeps the synced device: whenever that file appears it
 * deletes it, rebuilds the client, lets the device (online for a moment) install the new
 * build's service worker, and profiles again — no second sync of a large book; a file that
 * reads `stop` ends it (and stops everything it started).
 *
 * Invariants: real processes and real Chromium, as the benchmark; everything it starts is
 * stopped before it exits; nothing is written inside the workspace.
 */
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext, CDPSession, Page } from "playwright-core";
import {
  launchBrowser,
  type OrgUser,
  PACKAGE_DIR,
  signIn,
  startOrg,
  startServer,
  storedSnapshot,
  waitForOfflineShell,
} from "../test/e2e/harness.js";
import { orgSession, soql } from "../test/e2e/org-api.js";

const BOOK = (process.env.TANDEM_PROFILE_BOOK ?? "large") as "small" | "medium" | "large";
const RUNS = Number(process.env.TANDEM_PROFILE_RUNS ?? "2");
const OUT = process.env.TANDEM_PROFILE_OUT ?? mkdtempSync(join(tmpdir(), "tandem-profile-"));
const WATCH = process.env.TANDEM_PROFILE_WATCH;
/** How long the profile keeps recording after the click (idle work: snapshot, compaction). */
const AFTER_CLICK_MS = Number(process.env.TANDEM_PROFILE_AFTER_MS ?? "7000");
/** Unminified by default, so the profile names the client's functions; TANDEM_PROFILE_MINIFY=1 as shipped. */
const MINIFY = process.env.TANDEM_PROFILE_MINIFY === "1";

/** `vite build` of this working tree into a fresh temporary directory (as the harness's buildClient). */
function buildClient(): string {
  const outDir = mkdtempSync(join(tmpdir(), "tandem-profile-build-"));
  const vite = join(PACKAGE_DIR, "node_modules", "vite", "bin", "vite.js");
  const args = [vite, "build", "--logLevel", "error", "--outDir", outDir, "--emptyOutDir"];
  if (!MINIFY) args.push("--minify", "false");
  const result = spawnSync(process.execPath, args, {
    cwd: PACKAGE_DIR,
    encoding: "utf8",
    env: { ...process.env, NODE_ENV: "production" },
  });
  if (result.status !== 0) throw new Error(`vite build failed:\n${result.stdout}\n${result.stderr}`);
  return outDir;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  readonly children?: number[];
}
interface CpuProfile {
  readonly nodes: ProfileNode[];
  readonly startTime: number;
  readonly samples: number[];
  readonly timeDeltas: number[];
}

const CLICK = `new Promise((resolve, reject) => {
  const link = document.querySelector('[data-testid="pipeline-row"] th a');
  if (link === null) { reject(new Error("no pipeline row to click")); return; }
  const t0 = performance.now();
  const observer = new MutationObserver(() => {
    if (document.querySelector('[data-testid="opportunity-name"]') !== null) {
      observer.disconnect();
      requestAnimationFrame(() => resolve({ at: t0, ms: performance.now() - t0 }));
    }
  });
  observer.observe(document.body, { childList: true, subtree: true });
  link.click();
})`;

const LONG_TASKS = `
  window.__tandemLongTasks = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__tandemLongTasks.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: "longtask", buffered: true });
`;

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.split("/").pop() ?? "";
  return `${functionName || "(anonymous)"}${file === "" ? "" : ` ${file}:${lineNumber + 1}`}`;
}

/** The samples' times (ms from the profile's start) and a name → parent walk. */
function indexProfile(profile: CpuProfile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  let t = 0;
  const samples = profile.samples.map((id, i) => {
    t += profile.timeDeltas[i] ?? 0;
    return { id, at: t / 1000, dt: (profile.timeDeltas[i + 1] ?? 0) / 1000 };
  });
  return { byId, parent, samples };
}

/** Where the time of the samples went: the top inclusive and self functions. */
function attribute(index: ReturnType<typeof indexProfile>, samples: readonly { id: number; dt: number }[]): string[] {
  const inclusive = new Map<string, number>();
  const self = new Map<string, number>();
  for (const { id, dt } of samples) {
    const leaf = index.byId.get(id);
    if (leaf === undefined) continue;
    self.set(frameName(leaf), (self.get(frameName(leaf)) ?? 0) + dt);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = index.parent.get(cur)) {
      const node = index.byId.get(cur);
      if (node === undefined || node.callFrame.functionName === "(root)") break;
      const name = frameName(node);
      if (seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + dt);
    }
  }
  const top = (m: Map<string, number>, n: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, ms]) => `      ${ms.toFixed(0).padStart(5)} ms  ${name}`);
  return ["    inclusive:", ...top(inclusive, 22), "    self:", ...top(self, 10)];
}

/**
 * Per long task (page time, aligned through the marker function run at `markerAt`), the
 * functions that took its time.
 */
function summarize(profile: CpuProfile, tasks: readonly LongTask[], markerAt: number): string[] {
  const index = indexProfile(profile);
  const marker = index.samples.find((s) => index.byId.get(s.id)?.callFrame.functionName === MARKER);
  if (marker === undefined) return ["  (the marker function was not sampled: no per-task attribution)"];
  const offset = marker.at - markerAt;
  const lines: string[] = [];
  for (const task of tasks) {
    const from = task.start + offset;
    const to = from + task.duration;
    const inside = index.samples.filter((s) => s.at >= from && s.at < to);
    lines.push(`  task ${task.duration.toFixed(0)} ms at ${task.start.toFixed(0)}`, ...attribute(index, inside));
  }
  return lines;
}

interface LongTask {
  readonly start: number;
  readonly duration: number;
}

/** A function the profile can find by name, run at a known page time to align the clocks. */
const MARKER = "tandemProfileMarker";
const RUN_MARKER = `(function ${MARKER}() {
  const t = performance.now();
  while (performance.now() < t + 20) {}
  return t;
})()`;

async function profileOnce(context: BrowserContext, serverUrl: string, label: string): Promise<void> {
  const page = await context.newPage();
  const cdp: CDPSession = await context.newCDPSession(page);
  await cdp.send("Profiler.enable");
  await cdp.send("Profiler.setSamplingInterval", { interval: 250 });
  await cdp.send("Profiler.start");
  await page.goto(serverUrl);
  await page.waitForFunction(() => performance.getEntriesByName("tandem:doc-view-paint").length > 0, null, {
    timeout: 180_000,
  });
  await page.waitForFunction(() => document.querySelector('[data-from-snapshot="true"]') === null);
  // As the benchmark: the click once every row is on screen (a large book's rows come in steps).
  await page.waitForFunction(
    () => document.querySelector('[aria-busy="true"][data-testid="pipeline-table"]') === null,
    null,
    { timeout: 120_000 },
  );
  const click = (await page.evaluate(CLICK)) as { at: number; ms: number };
  await page.waitForTimeout(AFTER_CLICK_MS);
  const markerAt = (await page.evaluate(RUN_MARKER)) as number;
  const { profile } = (await cdp.send("Profiler.stop")) as { profile: CpuProfile };
  const marks = await page.evaluate(() =>
    performance
      .getEntriesByType("mark")
      .filter((m) => m.name.startsWith("tandem:"))
      .map((m) => `${m.name} ${m.startTime.toFixed(0)}`),
  );
  const tasks = await page.evaluate(
    () => (window as unknown as { __tandemLongTasks?: LongTask[] }).__tandemLongTasks ?? [],
  );
  const file = join(OUT, `${label}.cpuprofile`);
  writeFileSync(file, JSON.stringify(profile));
  console.log(`\n== ${label} (${file})`);
  console.log(`marks: ${marks.join(", ")}`);
  console.log(
    `long tasks (start+ms): ${tasks.map((t) => `${t.start.toFixed(0)}+${t.duration.toFixed(0)}`).join(", ")}`,
  );
  console.log(`click at ${click.at.toFixed(0)} → opportunity screen ${click.ms.toFixed(0)} ms`);
  for (const line of summarize(profile, tasks, markerAt)) console.log(line);
  await cdp.detach();
  await page.close();
}

/** Signs in, lets the worker sync the book and the page store it; returns the shell cache's name. */
async function syncDevice(
  context: BrowserContext,
  serverUrl: string,
  user: OrgUser,
  expected: number,
): Promise<string> {
  const page = await context.newPage();
  await signIn(page, serverUrl, user);
  const t0 = Date.now();
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="pipeline-row"]').length === n, expected, {
    timeout: 2_400_000,
    polling: 1_000,
  });
  console.log(`synced ${expected} open opportunities in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  await waitForOfflineShell(page);
  const room = ((await (await context.request.get(`${serverUrl}/api/me`)).json()) as { room: string }).room;
  const deadline = Date.now() + 120_000;
  while ((await storedSnapshot(page, room))?.rows.length !== expected) {
    if (Date.now() > deadline) throw new Error("the view snapshot was never stored");
    await page.waitForTimeout(500);
  }
  await page.waitForTimeout(3_000);
  const shell = (await shellCaches(page))[0] ?? "";
  await page.close();
  return shell;
}

/** The service worker's shell caches the page's origin holds. */
async function shellCaches(page: Page): Promise<string[]> {
  return (await page.evaluate(() => caches.keys())).filter((k) => k.startsWith("tandem-shell-"));
}

/**
 * Online for a moment: the new build's service worker installs and replaces the old shell
 * (`previous`, the cache of the build before). Returns the new build's shell cache.
 */
async function installBuild(context: BrowserContext, serverUrl: string, previous: string): Promise<string> {
  await context.setOffline(false);
  const page = await context.newPage();
  await page.goto(serverUrl);
  await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.update());
  const deadline = Date.now() + 60_000;
  let keys = await shellCaches(page);
  while (keys.length !== 1 || keys[0] === previous) {
    if (Date.now() > deadline) {
      console.log(`warning: the shell cache did not change (${keys.join(", ")})`);
      break;
    }
    await page.waitForTimeout(300);
    keys = await shellCaches(page);
  }
  await waitForOfflineShell(page);
  await page.waitForTimeout(3_000);
  await page.close();
  await context.setOffline(true);
  return keys[0] ?? previous;
}

mkdirSync(OUT, { recursive: true });
const org = await startOrg({ dataset: BOOK });
const linkDir = mkdtempSync(join(tmpdir(), "tandem-profile-web-"));
const link = join(linkDir, "web");
let build = buildClient();
symlinkSync(build, link, "dir");
const server = await startServer(org, link);
const browser = await launchBrowser();
try {
  const user = org.users[0];
  if (user === undefined) throw new Error("the emulated org has no users");
  const sf = await orgSession(org, user);
  const open = (await soql(sf, `SELECT Id FROM Opportunity WHERE OwnerId = '${user.id}' AND IsClosed = false`)).length;
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  await context.addInitScript(LONG_TASKS);
  let shell = await syncDevice(context, server.url, user, open);
  await context.setOffline(true);
  for (let round = 0; ; round++) {
    for (let run = 0; run < RUNS; run++) await profileOnce(context, server.url, `${BOOK}-r${round}-${run}`);
    if (WATCH === undefined) break;
    console.log(`\nwaiting for ${WATCH} to rebuild and profile again`);
    while (!existsSync(WATCH)) await new Promise((r) => setTimeout(r, 1_000));
    const stop = readFileSync(WATCH, "utf8").trim() === "stop";
    rmSync(WATCH, { force: true });
    if (stop) break;
    const previous = build;
    build = buildClient();
    unlinkSync(link);
    symlinkSync(build, link, "dir");
    rmSync(previous, { recursive: true, force: true });
    shell = await installBuild(context, server.url, shell);
  }
} finally {
  await browser.close();
  await server.stop();
  await org.stop();
  rmSync(linkDir, { recursive: true, force: true });
  rmSync(build, { recursive: true, force: true });
}
