/**
 * End-to-end harness: builds the web client with Vite, starts the real processes (an emulated
 * Salesforce org through its CLI, and the Tandem server CLI pointed at it, serving the built
 * client), and drives Debian's Chromium through playwright-core.
 *
 * Invariants: every process and browser it starts is stopped by the returned `stop()`; ports
 * are chosen by the OS (port 0); data lives in a fresh temporary directory per server.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";

/** The demo-web package directory. */
export const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
/** The workspace root. */
export const ROOT_DIR = resolve(PACKAGE_DIR, "../..");
/** Where screenshots go (gitignored). */
export const ARTIFACTS_DIR = join(PACKAGE_DIR, "test-artifacts");

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-quic",
  "--disable-sync",
];

/** A user of the emulated org, as its CLI prints them. */
export interface OrgUser {
  readonly id: string;
  readonly username: string;
  readonly password: string;
  readonly name: string;
}

/** A running emulated org. */
export interface RunningOrg {
  readonly url: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly users: readonly OrgUser[];
  stop(): Promise<void>;
}

/** A running Tandem server. */
export interface RunningServer {
  readonly url: string;
  readonly salesforceUrl: string;
  stop(): Promise<void>;
}

/**
 * Builds the client with Vite into a fresh temporary directory and returns it (test files run
 * in parallel, so they never share one output directory).
 */
export function buildClient(): string {
  const outDir = mkdtempSync(join(tmpdir(), "tandem-web-"));
  const vite = join(PACKAGE_DIR, "node_modules", "vite", "bin", "vite.js");
  // Vitest sets NODE_ENV=test, which would make Vite build React's development bundle.
  const result = spawnSync(
    process.execPath,
    [vite, "build", "--logLevel", "error", "--outDir", outDir, "--emptyOutDir"],
    {
      cwd: PACKAGE_DIR,
      encoding: "utf8",
      env: { ...process.env, NODE_ENV: "production" },
    },
  );
  if (result.status !== 0) throw new Error(`vite build failed:\n${result.stdout}\n${result.stderr}`);
  return outDir;
}

/** Starts a child process and resolves with its first stdout line that parses as JSON. */
function startWithReadyLine(args: readonly string[], env: NodeJS.ProcessEnv, what: string) {
  const child = spawn(process.execPath, [...args], { cwd: ROOT_DIR, env, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-8000);
  });
  const ready = new Promise<Record<string, unknown>>((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not print its ready line:\n${stderr}`)), 60_000);
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
      try {
        const value: unknown = JSON.parse(line);
        if (typeof value === "object" && value !== null) {
          clearTimeout(timer);
          resolveReady(value as Record<string, unknown>);
        }
      } catch {
        // Not the ready line.
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code}:\n${stderr}`));
    });
  });
  return { child, ready, stderr: () => stderr };
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    child.once("exit", () => {
      clearTimeout(timer);
      done();
    });
    child.kill("SIGTERM");
  });
}

const TSX = ["--conditions=@tandem/source", "--import", "tsx"];

/** Path of the emulator's CLI entry (its sources; run in one process with {@link TSX}). */
export function emulatorCli(): string {
  return join(ROOT_DIR, "packages/salesforce-emulator/src/cli.ts");
}

/** Starts the emulated org through its CLI. */
export async function startOrg(
  options: { dataset?: "small" | "medium" | "large"; seed?: string } = {},
): Promise<RunningOrg> {
  const args = [...TSX, emulatorCli(), "--port", "0", "--dataset", options.dataset ?? "small"];
  if (options.seed !== undefined) args.push("--seed", options.seed);
  const { child, ready } = startWithReadyLine(args, process.env, "tandem-emulator");
  const info = await ready.catch(async (error: unknown) => {
    await stopChild(child);
    throw error;
  });
  return {
    url: String(info.url),
    clientId: String(info.clientId),
    clientSecret: String(info.clientSecret),
    users: (info.users as OrgUser[] | undefined) ?? [],
    stop: () => stopChild(child),
  };
}

/** Options of {@link startServer}. */
export interface StartServerOptions {
  /** Fields synced beyond the shapes, as the CLI's `--fields` takes them (`Opportunity.NextStep,…`). */
  readonly fields?: string | undefined;
}

/** Starts the Tandem server CLI against an org, serving the client built into `webDir`. */
export async function startServer(
  org: RunningOrg,
  webDir: string,
  options: StartServerOptions = {},
): Promise<RunningServer> {
  const dataDir = mkdtempSync(join(tmpdir(), "tandem-e2e-"));
  const args = [
    ...TSX,
    join(ROOT_DIR, "packages/server/src/cli.ts"),
    "--port",
    "0",
    "--data-dir",
    join(dataDir, "data"),
    "--salesforce",
    org.url,
    "--static-dir",
    webDir,
    ...(options.fields === undefined ? [] : ["--fields", options.fields]),
  ];
  const env = { ...process.env, SF_CLIENT_ID: org.clientId, SF_CLIENT_SECRET: org.clientSecret };
  const { child, ready } = startWithReadyLine(args, env, "tandem-server");
  const info = await ready.catch(async (error: unknown) => {
    await stopChild(child);
    throw error;
  });
  return {
    url: String(info.url),
    salesforceUrl: String(info.salesforceUrl),
    stop: async () => {
      await stopChild(child);
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(webDir, { recursive: true, force: true });
    },
  };
}

/** Launches Chromium. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** True when Debian's Chromium is installed. */
export function hasChromium(): boolean {
  return existsSync(CHROMIUM);
}

/** A page whose console errors and page errors are collected (a real app logs none). */
export interface WatchedPage {
  readonly page: Page;
  readonly errors: string[];
}

/**
 * Opens a page in a context and records console errors and uncaught exceptions.
 *
 * @remarks A real app logs none; the only message ignored is the browser's own network error
 * for a socket cut by the test's `context.setOffline(true)` (below).
 */
export async function openPage(context: BrowserContext, expectedErrors: readonly RegExp[] = []): Promise<WatchedPage> {
  const page = await context.newPage();
  const errors: string[] = [];
  // Chromium itself reports a socket that was opening when the test cut the network
  // (`context.setOffline(true)`) as ERR_INTERNET_DISCONNECTED; the app cannot prevent a race
  // with the browser's own offline switch, so only that network message is ignored.
  const expected = (text: string) =>
    expectedErrors.some((re) => re.test(text)) || /net::ERR_INTERNET_DISCONNECTED/.test(text);
  page.on("console", (message) => {
    if (message.type() === "error" && !expected(message.text())) {
      errors.push(`${message.text()} (${message.location().url})`);
    }
  });
  page.on("pageerror", (error) => errors.push(`pageerror: ${error.message}`));
  return { page, errors };
}

/** Signs in through the server's OAuth login and the emulated org's authorize page. */
export async function signIn(page: Page, serverUrl: string, user: OrgUser): Promise<void> {
  await page.goto(serverUrl);
  await page.getByLabel("Salesforce username").fill(user.username);
  await page.getByRole("button", { name: "Sign in with Salesforce" }).click();
  // The emulated org may show a login form (username/password) or approve at once.
  const password = page.locator('input[type="password"]');
  const appeared = await Promise.race([
    password.waitFor({ timeout: 10_000 }).then(() => true),
    page.waitForURL(`${serverUrl}/**`, { timeout: 10_000 }).then(() => false),
  ]).catch(() => false);
  if (appeared && !page.url().startsWith(serverUrl)) {
    const username = page.locator('input[name="username"], input[type="email"]');
    if ((await username.count()) > 0 && (await username.first().inputValue()) === "") {
      await username.first().fill(user.username);
    }
    await password.fill(user.password);
    await page.locator('button[type="submit"], input[type="submit"]').first().click();
  }
  await page.waitForURL(`${serverUrl}/**`);
  await page.getByTestId("user-name").waitFor();
}

/**
 * Waits until the service worker is active with the app shell cached, so the next navigation
 * starts offline. (The next navigation goes through the active worker whether or not it
 * controls the current document.)
 */
export async function waitForOfflineShell(page: Page): Promise<void> {
  const ready = () =>
    page.evaluate(async () => {
      const registration = await navigator.serviceWorker.getRegistration();
      if (registration?.active?.state !== "activated") return false;
      for (const key of await caches.keys()) {
        if (key.startsWith("tandem-shell-") && (await (await caches.open(key)).match("/")) !== undefined) return true;
      }
      return false;
    });
  const deadline = Date.now() + 60_000;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error("the service worker never became active with the app shell cached");
    await page.waitForTimeout(200);
  }
}

/** The path of a screenshot in the (gitignored) artifacts directory, which it creates. */
export function artifactPath(name: string): string {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  return join(ARTIFACTS_DIR, name);
}

/**
 * The stored view snapshot of a book (`src/snapshot/`) as the page's IndexedDB holds it: its
 * text parsed, `null` when there is none. Never creates the snapshot database.
 */
export async function storedSnapshot(page: Page, room: string): Promise<{ rows: { name: string }[] } | null> {
  return page.evaluate(async (key) => {
    const names = (await indexedDB.databases()).map((d) => d.name);
    if (!names.includes("tandem-view-snapshots")) return null;
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open("tandem-view-snapshots");
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    try {
      if (!db.objectStoreNames.contains("snapshots")) return null;
      const text = await new Promise<unknown>((resolve, reject) => {
        const get = db.transaction("snapshots").objectStore("snapshots").get(key);
        get.onsuccess = () => resolve(get.result);
        get.onerror = () => reject(get.error);
      });
      return typeof text === "string" ? (JSON.parse(text) as { rows: { name: string }[] }) : null;
    } finally {
      db.close();
    }
  }, room);
}

/** Overwrites the stored view snapshot of a book with `text` (to test that a bad one is ignored). */
export async function overwriteSnapshot(page: Page, room: string, text: string): Promise<void> {
  await page.evaluate(
    async ([key, value]) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const open = indexedDB.open("tandem-view-snapshots");
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      try {
        await new Promise<void>((resolve, reject) => {
          const tx = db.transaction("snapshots", "readwrite");
          tx.objectStore("snapshots").put(value, key);
          tx.oncomplete = () => resolve();
          tx.onerror = () => reject(tx.error);
        });
      } finally {
        db.close();
      }
    },
    [room, text] as const,
  );
}

/** How many updates the y-indexeddb log of a book holds (its `updates` store). */
export async function updateLogSize(page: Page, room: string): Promise<number> {
  return page.evaluate(async (name) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open(name);
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    try {
      return await new Promise<number>((resolve, reject) => {
        const count = db.transaction("updates").objectStore("updates").count();
        count.onsuccess = () => resolve(count.result);
        count.onerror = () => reject(count.error);
      });
    } finally {
      db.close();
    }
  }, room);
}
