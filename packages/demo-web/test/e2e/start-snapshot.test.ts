/**
 * The snapshot first paint (issue 24), in real Chromium against the real processes: the
 * pipeline is painted from the view snapshot stored beside the book BEFORE the app chunk (Yjs,
 * y-indexeddb, the engine) has loaded — the test holds that chunk back at the network to prove
 * it — marked "from snapshot", with the actions that need the doc disabled and the opportunity
 * screen waiting; then the doc's view replaces it. The snapshot is rewritten after the view
 * changes, a bad or old-format one is ignored, and sign-out deletes it with the book.
 *
 * The browser context blocks service workers so every request of the page goes through the
 * test's route (Playwright's routing also disables the HTTP cache); the offline start through
 * the service worker is the benchmark's and client.test.ts's.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SNAPSHOT_ROWS } from "../../src/snapshot/snapshot-pipeline.js";
import {
  artifactPath,
  buildClient,
  launchBrowser,
  type OrgUser,
  openPage,
  overwriteSnapshot,
  type RunningOrg,
  type RunningServer,
  signIn,
  startOrg,
  startServer,
  storedSnapshot,
} from "./harness.js";
import { orgSession, soql } from "./org-api.js";

const SYNC_TIMEOUT = 60_000;

let org: RunningOrg;
let server: RunningServer;
let browser: Browser;
let user: OrgUser;
let expected = 0;
let context: BrowserContext;
let page: Page;
let errors: string[] = [];
let room = "";

/** Holds the app chunk's request while closed. */
const gate = {
  closed: false,
  waiting: [] as (() => void)[],
  close() {
    this.closed = true;
  },
  open() {
    this.closed = false;
    for (const release of this.waiting.splice(0)) release();
  },
  pass(): Promise<void> {
    return this.closed ? new Promise((resolve) => this.waiting.push(resolve)) : Promise.resolve();
  },
};

beforeAll(async () => {
  const webDir = buildClient();
  org = await startOrg({ dataset: "small" });
  server = await startServer(org, webDir);
  browser = await launchBrowser();
  const first = org.users[0];
  if (first === undefined) throw new Error("the emulated org has no users");
  user = first;
  const sf = await orgSession(org, user);
  expected = (await soql(sf, `SELECT Id FROM Opportunity WHERE OwnerId = '${user.id}' AND IsClosed = false`)).length;
  context = await browser.newContext({ viewport: { width: 1280, height: 860 }, serviceWorkers: "block" });
  await context.route(/\/assets\/app-[^/]*\.js$/, async (route) => {
    await gate.pass();
    await route.continue();
  });
  ({ page, errors } = await openPage(context));
  await signIn(page, server.url, user);
  room = ((await (await context.request.get(`${server.url}/api/me`)).json()) as { room: string }).room;
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="pipeline-row"]').length === n, expected, {
    timeout: SYNC_TIMEOUT,
  });
}, 180_000);

afterAll(async () => {
  gate.open();
  await context?.close();
  await browser?.close();
  await server?.stop();
  await org?.stop();
});

const fromSnapshot = () => page.locator('[data-from-snapshot="true"]');
const snapshotRows = () => page.locator('main[data-from-snapshot="true"] [data-testid="pipeline-row"]');

async function snapshotRowCount(): Promise<number> {
  return (await storedSnapshot(page, room))?.rows.length ?? -1;
}

describe("first paint from the view snapshot", { timeout: 120_000 }, () => {
  it("paints the pipeline from the snapshot before the app chunk loads, then the doc's view replaces it", async () => {
    await expect.poll(snapshotRowCount, { timeout: SYNC_TIMEOUT }).toBe(expected);
    const stored = await storedSnapshot(page, room);
    gate.close();
    await page.reload();
    // The first SNAPSHOT_ROWS rows (the small book has fewer: all of them).
    expect(expected).toBeLessThanOrEqual(SNAPSHOT_ROWS);
    await expect.poll(() => snapshotRows().count()).toBe(expected);
    // Painted while the app chunk is still held: no Y.Doc, no engine yet.
    expect(gate.waiting.length).toBe(1);
    expect(await page.getByTestId("snapshot-notice").textContent()).toMatch(/loading your book/);
    expect(await page.getByTestId("pipeline-table").locator("th a").allTextContents()).toEqual(
      expect.arrayContaining((stored?.rows ?? []).map((r) => r.name)),
    );
    // What needs the doc waits for it.
    expect(await page.getByTestId("sign-out").isDisabled()).toBe(true);
    expect(await page.getByLabel("Search").isDisabled()).toBe(true);
    await page.screenshot({ path: artifactPath("start-snapshot-paint.png") });
    const first = (await snapshotRows().first().getAttribute("data-id")) ?? "";
    await page.evaluate((hash) => {
      window.location.hash = hash;
    }, `#/opportunity/${first}`);
    await page.getByTestId("book-loading").waitFor();

    gate.open();
    await page.getByTestId("opportunity-name").waitFor();
    await page.evaluate(() => {
      window.location.hash = "#/";
    });
    await expect.poll(() => page.getByTestId("pipeline-row").count()).toBe(expected);
    expect(await fromSnapshot().count()).toBe(0);
    expect(await page.getByTestId("sign-out").isDisabled()).toBe(false);
    expect(await page.getByLabel("Search").isDisabled()).toBe(false);
    expect(errors).toEqual([]);
  });

  it("rewrites the snapshot after the doc's view changes, and the next start paints the change", async () => {
    const id = (await page.getByTestId("pipeline-row").first().getAttribute("data-id")) ?? "";
    await page.evaluate((hash) => {
      window.location.hash = hash;
    }, `#/opportunity/${id}`);
    await page.getByTestId("edit-fields").click();
    const amount = 100_000 + (Date.now() % 50_000);
    await page.getByLabel("Amount").fill(String(amount));
    await page.getByTestId("save-fields").click();
    await expect
      .poll(async () => {
        const row = (await storedSnapshot(page, room)) as { rows: { id: string; amount: number }[] } | null;
        return row?.rows.find((r) => r.id === id)?.amount;
      })
      .toBe(amount);

    gate.close();
    await page.evaluate(() => {
      window.location.hash = "#/";
    });
    await page.reload();
    const row = page.locator(`main[data-from-snapshot="true"] [data-testid="pipeline-row"][data-id="${id}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain(amount.toLocaleString("en-US"));
    expect(await row.textContent()).toContain("edited");
    gate.open();
    await expect.poll(() => fromSnapshot().count()).toBe(0);
  });

  it("ignores a snapshot of an old format, or one that is not valid, and paints from the doc", async () => {
    const stored = await storedSnapshot(page, room);
    for (const text of [JSON.stringify({ ...stored, version: 0 }), "{not json"]) {
      await overwriteSnapshot(page, room, text);
      gate.close();
      await page.reload();
      // The read found nothing to trust: the start waits for the doc instead of painting it.
      await page.locator('[data-testid="start-splash"][data-snapshot="none"]').waitFor();
      expect(await page.getByTestId("pipeline-row").count()).toBe(0);
      gate.open();
      await expect.poll(() => page.getByTestId("pipeline-row").count()).toBe(expected);
      expect(await fromSnapshot().count()).toBe(0);
      // The doc's view writes a valid snapshot again.
      await expect.poll(snapshotRowCount, { timeout: SYNC_TIMEOUT }).toBe(expected);
    }
  });

  it("sign-out deletes the snapshot with the book", async () => {
    expect(await storedSnapshot(page, room)).not.toBeNull();
    await page.getByTestId("sign-out").click();
    const signedOut = page.getByRole("heading", { name: "Sign in to your pipeline" });
    // The edit above may still be on its way to Salesforce: sign out anyway.
    await signedOut.or(page.getByTestId("sign-out-dialog")).waitFor();
    if (await page.getByTestId("sign-out-discard").isVisible()) await page.getByTestId("sign-out-discard").click();
    await signedOut.waitFor();
    await expect.poll(() => storedSnapshot(page, room)).toBeNull();
    await expect
      .poll(() => page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name)))
      .not.toContain(room);
    expect(errors).toEqual([]);
  });
});
