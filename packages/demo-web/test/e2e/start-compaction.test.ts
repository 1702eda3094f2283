/**
 * The book's IndexedDB store stays small (issue 24), in real Chromium: y-indexeddb appends
 * one update per load and one per change, and on its own merges them only at 500; the client
 * compacts the log to one update once it passes COMPACT_AFTER_UPDATES. Many offline sessions,
 * each a reload and an edit, leave the log bounded — where without compaction it would hold
 * at least two updates per session — and the last edit is still there after the last reload.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMPACT_AFTER_UPDATES } from "../../src/sync/book-connection.js";
import {
  buildClient,
  launchBrowser,
  openPage,
  type RunningOrg,
  type RunningServer,
  signIn,
  startOrg,
  startServer,
  updateLogSize,
  waitForOfflineShell,
} from "./harness.js";

/** Sessions to open: each adds at least two updates (its load and its edit). */
const SESSIONS = 30;
/** An edit adds an intent and its overlay; compaction runs at the next idle moment. */
const SLACK = 8;

let org: RunningOrg;
let server: RunningServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let errors: string[] = [];
let room = "";

beforeAll(async () => {
  const webDir = buildClient();
  org = await startOrg({ dataset: "small" });
  server = await startServer(org, webDir);
  browser = await launchBrowser();
  const user = org.users[0];
  if (user === undefined) throw new Error("the emulated org has no users");
  context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  ({ page, errors } = await openPage(context));
  await signIn(page, server.url, user);
  room = ((await (await context.request.get(`${server.url}/api/me`)).json()) as { room: string }).room;
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="pipeline-row"]').length > 0, null, {
    timeout: 60_000,
  });
  await waitForOfflineShell(page);
}, 180_000);

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await server?.stop();
  await org?.stop();
});

async function editAmount(id: string, amount: number): Promise<void> {
  await page.evaluate((hash) => {
    window.location.hash = hash;
  }, `#/opportunity/${id}`);
  await page.getByTestId("edit-fields").click();
  await page.getByLabel("Amount").fill(String(amount));
  await page.getByTestId("save-fields").click();
  await expect
    .poll(() => page.getByTestId("field-Amount").getByTestId("field-value").textContent())
    .toContain(amount.toLocaleString("en-US"));
}

describe("the book's IndexedDB log", { timeout: 300_000 }, () => {
  it("stays bounded over many offline sessions of reloads and edits, and keeps the last edit", async () => {
    const id = (await page.getByTestId("pipeline-row").first().getAttribute("data-id")) ?? "";
    expect(id).toMatch(/^006/);
    await context.setOffline(true);
    const sizes: number[] = [];
    let amount = 0;
    for (let session = 0; session < SESSIONS; session++) {
      await page.reload();
      await page.getByTestId("user-name").waitFor();
      await expect.poll(() => page.locator('[data-from-snapshot="true"]').count()).toBe(0);
      amount = 20_000 + session;
      await editAmount(id, amount);
      sizes.push(await updateLogSize(page, room));
    }
    // Without compaction the log would hold at least one load and one edit per session.
    expect(SESSIONS * 2).toBeGreaterThan(COMPACT_AFTER_UPDATES + SLACK);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(COMPACT_AFTER_UPDATES + SLACK);

    await page.reload();
    await expect
      .poll(() => page.getByTestId("field-Amount").getByTestId("field-value").textContent())
      .toContain(amount.toLocaleString("en-US"));
    await context.setOffline(false);
    expect(errors).toEqual([]);
  });
});
