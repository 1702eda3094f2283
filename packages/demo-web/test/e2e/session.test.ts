/**
 * Signing out and sessions per device, end to end in real Chromium against the real processes
 * (the emulated org's CLI and the Tandem server's CLI serving the Vite build), issue 25:
 *
 * - Bug 1: signing out with a pending call, offline, warns first; "sign out when sent" waits
 *   until the call reached Salesforce (exactly once), and "delete and sign out" — an explicit
 *   choice — signs this device out for good: back online the app stays signed out.
 * - Bug 5: signing out on one device leaves the user's other device signed in and connected;
 *   "sign out everywhere" and a grant revoked in Salesforce show the other device signed out at
 *   once, never "Not connected — retrying".
 * - "1 needs attention" is a link to the list of open conflicts and failures.
 *
 * Screenshots of the new states go to test-artifacts/.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  artifactPath,
  buildClient,
  launchBrowser,
  type OrgUser,
  openPage,
  type RunningOrg,
  type RunningServer,
  signIn,
  startOrg,
  startServer,
  type WatchedPage,
  waitForOfflineShell,
} from "./harness.js";
import { type OrgSession, orgSession, soql, updateRecord } from "./org-api.js";

const SYNC_TIMEOUT = 60_000;
/** How long "at once" may take: a socket close, one `/api/session` round trip and a render. */
const AT_ONCE_MS = 5_000;

let org: RunningOrg;
let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  const webDir = buildClient();
  org = await startOrg({ dataset: "small" });
  server = await startServer(org, webDir);
  browser = await launchBrowser();
  if (org.users.length < 3) throw new Error("the emulated org needs three users");
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await org?.stop();
});

type TestDevice = { context: BrowserContext } & WatchedPage;

function orgUser(i: number): OrgUser {
  const u = org.users[i];
  if (u === undefined) throw new Error(`the emulated org has no user ${i}`);
  return u;
}

/** A signed-in device whose book has loaded from the org. */
async function signedInDevice(user: OrgUser, viewport = { width: 1280, height: 860 }): Promise<TestDevice> {
  const context = await browser.newContext({ viewport });
  const watched = await openPage(context);
  await signIn(watched.page, server.url, user);
  await expect
    .poll(() => watched.page.getByTestId("pipeline-row").count(), { timeout: SYNC_TIMEOUT })
    .toBeGreaterThan(0);
  return { context, ...watched };
}

/** An open opportunity of `user` whose account has a contact to log a call with. */
async function opportunityWithContact(sf: OrgSession, user: OrgUser): Promise<string> {
  const opps = await soql<{ Id: string; AccountId: string }>(
    sf,
    `SELECT Id, AccountId FROM Opportunity WHERE OwnerId = '${user.id}' AND IsClosed = false AND AccountId != null ORDER BY CloseDate`,
  );
  for (const o of opps) {
    if ((await soql(sf, `SELECT Id FROM Contact WHERE AccountId = '${o.AccountId}'`)).length > 0) return o.Id;
  }
  throw new Error("no open opportunity with a contact");
}

async function openOpportunity(page: Page, id: string): Promise<void> {
  await page.evaluate((hash) => {
    window.location.hash = hash;
  }, `#/opportunity/${id}`);
  await page.getByTestId("opportunity-name").waitFor();
}

/** Goes offline and logs a call with `marker` as its notes; waits for "1 pending". */
async function logCallOffline(device: TestDevice, oppId: string, marker: string): Promise<void> {
  await waitForOfflineShell(device.page);
  await device.context.setOffline(true);
  await openOpportunity(device.page, oppId);
  await device.page.getByTestId("log-activity").click();
  await device.page.getByLabel("Notes").fill(marker);
  await device.page.getByTestId("log-submit").click();
  await expect.poll(() => device.page.getByTestId("sync-pending").textContent()).toBe("1 pending");
}

async function bookDatabases(page: Page): Promise<string[]> {
  return page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name ?? ""));
}

async function tasksWith(sf: OrgSession, oppId: string, marker: string): Promise<number> {
  const tasks = await soql<{ Description: string | null }>(
    sf,
    `SELECT Description FROM Task WHERE WhatId = '${oppId}'`,
  );
  return tasks.filter((t) => (t.Description ?? "").includes(marker)).length;
}

/**
 * Records every text the status bar's headline (or, once signed out, the sign-in notice) shows
 * from now on, in `window.tandemHeadlines`.
 */
async function recordHeadlines(page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { tandemHeadlines: string[] }).tandemHeadlines = seen;
    const note = () => {
      const el = document.querySelector('[data-testid="sync-headline"]') ?? document.querySelector(".notice");
      const text = el?.textContent ?? "";
      if (seen.at(-1) !== text) seen.push(text);
    };
    new MutationObserver(note).observe(document.body, { subtree: true, childList: true, characterData: true });
    note();
  });
}

async function headlines(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { tandemHeadlines: string[] }).tandemHeadlines);
}

/** Waits for the sign-in screen and returns how long it took from `since`. */
async function signedOutAfter(page: Page, since: number): Promise<number> {
  await page.getByRole("heading", { name: "Sign in to your pipeline" }).waitFor({ timeout: SYNC_TIMEOUT });
  return Date.now() - since;
}

describe("signing out never drops unsent work (bug 1)", { timeout: 180_000 }, () => {
  it("offline, Sign out warns about the pending call, waits, and signs out once it reached Salesforce exactly once", async () => {
    const user = orgUser(0);
    const sf = await orgSession(org, user);
    const oppId = await opportunityWithContact(sf, user);
    const marker = `e2e-signout-wait-${Date.now()}`;
    const device = await signedInDevice(user);
    const { page, context } = device;
    const room = ((await (await context.request.get(`${server.url}/api/me`)).json()) as { room: string }).room;
    await logCallOffline(device, oppId, marker);

    await page.getByTestId("sign-out").click();
    const dialog = page.getByTestId("sign-out-dialog");
    await dialog.waitFor();
    expect(await dialog.textContent()).toMatch(/1 change .*not reached Salesforce/);
    await page.screenshot({ path: artifactPath("sign-out-warning.png") });
    // Nothing is deleted before the user chooses.
    expect(await bookDatabases(page)).toContain(room);

    await dialog.getByRole("button", { name: /Sign out when sent/ }).click();
    const waiting = page.getByTestId("sign-out-waiting");
    await waiting.waitFor();
    expect(await waiting.textContent()).toMatch(/offline/i);
    await page.screenshot({ path: artifactPath("sign-out-waiting.png") });
    expect(await page.getByTestId("user-name").count()).toBe(1);

    await context.setOffline(false);
    await signedOutAfter(page, Date.now());
    expect(await tasksWith(sf, oppId, marker)).toBe(1);
    await expect.poll(() => bookDatabases(page)).not.toContain(room);
    expect((await context.request.get(`${server.url}/api/me`)).status()).toBe(401);
    expect(device.errors).toEqual([]);
    await context.close();
  });

  it("deleting the pending call is an explicit choice, and back online the device stays signed out", async () => {
    const user = orgUser(0);
    const sf = await orgSession(org, user);
    const oppId = await opportunityWithContact(sf, user);
    const marker = `e2e-signout-discard-${Date.now()}`;
    const device = await signedInDevice(user);
    const { page, context } = device;
    await logCallOffline(device, oppId, marker);

    await page.getByTestId("sign-out").click();
    await page.getByTestId("sign-out-dialog").getByRole("button", { name: "Keep me signed in" }).click();
    expect(await page.getByTestId("sync-pending").textContent()).toBe("1 pending");

    await page.getByTestId("sign-out").click();
    await page
      .getByTestId("sign-out-dialog")
      .getByRole("button", { name: /Delete .* and sign out/ })
      .click();
    await signedOutAfter(page, Date.now());
    expect(await page.locator(".notice").textContent()).toMatch(/signed out/i);

    await context.setOffline(false);
    // Back online the server session is ended, not silently resumed with the same pipeline.
    await expect
      .poll(async () => (await context.request.get(`${server.url}/api/me`)).status(), { timeout: 10_000 })
      .toBe(401);
    await page.waitForTimeout(1_000);
    expect(await page.getByTestId("user-name").count()).toBe(0);
    await page.reload();
    await page.getByRole("heading", { name: "Sign in to your pipeline" }).waitFor();
    expect(await tasksWith(sf, oppId, marker)).toBe(0);
    expect(device.errors).toEqual([]);
    await context.close();
  });
});

describe("sessions are per device (bug 5)", { timeout: 180_000 }, () => {
  it("signing out on one device leaves the user's other device signed in and connected", async () => {
    const user = orgUser(1);
    const laptop = await signedInDevice(user);
    const phone = await signedInDevice(user, { width: 390, height: 844 });
    await expect.poll(() => phone.page.getByTestId("sync-headline").textContent()).toBe("Online");
    await phone.page.screenshot({ path: artifactPath("app-bar-phone.png") });
    await recordHeadlines(phone.page);

    await laptop.page.getByTestId("sign-out").click();
    await signedOutAfter(laptop.page, Date.now());
    await phone.page.waitForTimeout(3_000);
    expect(await headlines(phone.page)).toEqual(["Online"]);
    expect((await phone.context.request.get(`${server.url}/api/me`)).status()).toBe(200);
    await phone.page.reload();
    await expect.poll(() => phone.page.getByTestId("sync-headline").textContent()).toBe("Online");
    expect(phone.errors).toEqual([]);
    expect(laptop.errors).toEqual([]);
    await laptop.context.close();
    await phone.context.close();
  });

  it("“Sign out everywhere” shows the other device signed out at once, without retrying", async () => {
    const user = orgUser(1);
    const laptop = await signedInDevice(user);
    const phone = await signedInDevice(user);
    await expect.poll(() => phone.page.getByTestId("sync-headline").textContent()).toBe("Online");
    await recordHeadlines(phone.page);

    const started = Date.now();
    await laptop.page.getByTestId("sign-out-everywhere").click();
    await signedOutAfter(laptop.page, started);
    expect(await signedOutAfter(phone.page, started)).toBeLessThan(AT_ONCE_MS);
    expect(await phone.page.locator(".notice").textContent()).toMatch(/signed out.*sign in again/i);
    await phone.page.screenshot({ path: artifactPath("signed-out-other-device.png") });
    expect((await headlines(phone.page)).join(" | ")).not.toMatch(/retrying|Connecting/);
    expect((await phone.context.request.get(`${server.url}/api/me`)).status()).toBe(401);
    await laptop.context.close();
    await phone.context.close();
  });

  it("a grant revoked in Salesforce shows “Sign in again” at once, without retrying", async () => {
    const user = orgUser(2);
    const device = await signedInDevice(user);
    const { page, context } = device;
    await expect.poll(() => page.getByTestId("sync-headline").textContent()).toBe("Online");
    await recordHeadlines(page);

    const revoked = await fetch(`${org.url}/_emulator/users/${user.id}/revoke`, { method: "POST" });
    expect(revoked.status).toBe(204);
    // The server learns of it at its next call to Salesforce: ask for a sync now.
    const started = Date.now();
    await context.request.post(`${server.url}/api/sync`);
    expect(await signedOutAfter(page, started)).toBeLessThan(AT_ONCE_MS);
    expect(await page.locator(".notice").textContent()).toMatch(/sign in again/i);
    await page.screenshot({ path: artifactPath("signed-out-grant-revoked.png") });
    expect((await headlines(page)).join(" | ")).not.toMatch(/retrying|Connecting/);
    await context.close();
  });
});

describe("needs attention", { timeout: 180_000 }, () => {
  it("“1 needs attention” links to the list of open conflicts and failures", async () => {
    const user = orgUser(0);
    const sf = await orgSession(org, user);
    const oppId = await opportunityWithContact(sf, user);
    const device = await signedInDevice(user);
    const { page, context } = device;
    const [current] = await soql<{ Amount: number | null }>(sf, `SELECT Amount FROM Opportunity WHERE Id = '${oppId}'`);
    const base = current?.Amount ?? 0;
    await waitForOfflineShell(page);
    await openOpportunity(page, oppId);
    const name = (await page.getByTestId("opportunity-name").textContent()) ?? "";
    await context.setOffline(true);
    await page.getByTestId("edit-fields").click();
    await page.getByLabel("Amount").fill(String(base + 1111));
    await page.getByTestId("save-fields").click();
    await updateRecord(sf, "Opportunity", oppId, { Amount: base + 2222 });
    await context.setOffline(false);
    await page.getByTestId("conflict").waitFor({ timeout: SYNC_TIMEOUT });
    await page.evaluate(() => {
      window.location.hash = "#/";
    });

    const link = page.getByRole("link", { name: "1 needs attention" });
    await link.click();
    const list = page.getByTestId("attention-list");
    await list.waitFor();
    const item = list.getByTestId("attention-item");
    expect(await item.count()).toBe(1);
    expect(await item.textContent()).toContain(name);
    expect(await item.textContent()).toMatch(/Amount/);
    await page.screenshot({ path: artifactPath("needs-attention.png") });
    await item.getByRole("link").first().click();
    await page.getByTestId("conflict").waitFor();
    expect(await page.getByTestId("opportunity-name").textContent()).toBe(name);
    expect(device.errors).toEqual([]);
    await context.close();
  });
});
