/**
 * End to end in real Chromium against the real processes — the emulated org (its CLI), the
 * Tandem server (its CLI, with its sync workers) serving the client built by Vite — one build,
 * one org, one server and one browser for the whole file. Saves screenshots of the main screens
 * to test-artifacts/.
 *
 * First without data: the strict CSP, sign in, the status bar, no console errors, an offline
 * cold start, sign out wiping the local book. Then the book of a demo user, synced from the
 * org by the server's worker: exactly that user's open opportunities (desktop and phone); sort
 * (by keyboard), filter and search offline; an offline call that survives an offline reload,
 * reaches Salesforce exactly once and shows "In Salesforce" on a second device that never
 * reloaded; an edit made in Salesforce reaching both devices; a conflicting edit and "keep
 * theirs"; a calendar import promoting an Other contact to Key with its evidence.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
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

let org: RunningOrg;
let server: RunningServer;
let browser: Browser;
let webDir = "";
let user: OrgUser;
let other: OrgUser;
let sf: OrgSession;
let deviceA: { context: BrowserContext } & WatchedPage;
let deviceB: { context: BrowserContext } & WatchedPage;
/** The opportunity the scenario works on: it has contacts to log against. */
let oppId = "";
const marker = `e2e-call-${Date.now()}`;

beforeAll(async () => {
  webDir = buildClient();
  org = await startOrg({ dataset: "small" });
  server = await startServer(org, webDir);
  browser = await launchBrowser();
  const [first, second] = org.users;
  if (first === undefined || second === undefined) throw new Error("the emulated org needs two users");
  user = first;
  other = second;
  sf = await orgSession(org, user);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await org?.stop();
});

async function newDevice(viewport = { width: 1280, height: 860 }) {
  const context = await browser.newContext({ viewport });
  const watched = await openPage(context);
  return { context, ...watched };
}

async function rowIds(page: Page): Promise<string[]> {
  return page.getByTestId("pipeline-row").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-id") ?? ""));
}

async function openOpportunity(page: Page, id: string): Promise<void> {
  await page.evaluate((hash) => {
    window.location.hash = hash;
  }, `#/opportunity/${id}`);
  await page.getByTestId("opportunity-name").waitFor();
}

function activityStatus(page: Page, text: string) {
  return page.getByTestId("activity").filter({ hasText: text }).getByTestId("receipt-status").first();
}

function secondUser(): OrgUser {
  // A different user than the filled-book scenario's, so signing out cannot touch its sessions.
  const second = org.users[1];
  if (second === undefined) throw new Error("the emulated org needs two users");
  return second;
}

describe("sign-in, CSP and the offline shell", { timeout: 120_000 }, () => {
  it("ships without inline scripts or styles, under a CSP without unsafe-inline", async () => {
    const html = readFileSync(join(webDir, "index.html"), "utf8");
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy"/);
    expect(html).not.toMatch(/unsafe-inline/);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style[\s>]/);
    expect(html).not.toMatch(/\sstyle=/);
    const response = await fetch(server.url);
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
  });

  it("signs in, shows the status bar, and logs no console errors", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const { page, errors } = await openPage(context);
    await page.goto(server.url);
    await page.getByRole("heading", { name: "Sign in to your pipeline" }).waitFor();
    await page.screenshot({ path: artifactPath("sign-in.png") });
    await signIn(page, server.url, secondUser());
    await expect.poll(() => page.getByTestId("user-name").textContent()).toContain(secondUser().name.split(" ")[0]);
    await expect
      .poll(() => page.getByTestId("sync-headline").textContent(), { timeout: 20_000 })
      .not.toMatch(/Connecting/);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("cold-starts from IndexedDB while offline, and sign out deletes the local book", async () => {
    const context = await browser.newContext();
    const { page, errors } = await openPage(context);
    await signIn(page, server.url, secondUser());
    const me = (await (await context.request.get(`${server.url}/api/me`)).json()) as { room: string; name: string };
    await expect
      .poll(() => page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name)))
      .toContain(me.room);

    await waitForOfflineShell(page);
    await context.setOffline(true);
    await page.reload();
    await page.getByTestId("user-name").waitFor();
    await expect.poll(() => page.getByTestId("sync-headline").textContent()).toMatch(/^Offline/);
    await context.setOffline(false);

    await page.getByTestId("sign-out").click();
    await page.getByRole("heading", { name: "Sign in to your pipeline" }).waitFor();
    await expect
      .poll(() => page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name)))
      .not.toContain(me.room);
    const after = await context.request.get(`${server.url}/api/me`);
    expect(after.status()).toBe(401);
    expect(errors).toEqual([]);
    await context.close();
  });
});

describe("a demo user's book, synced by the server's worker", { timeout: 120_000 }, () => {
  it("signs in as a demo user and shows exactly that user's open opportunities", async () => {
    const expected = await soql<{ Id: string }>(
      sf,
      `SELECT Id FROM Opportunity WHERE OwnerId = '${user.id}' AND IsClosed = false`,
    );
    expect(expected.length).toBeGreaterThan(0);
    deviceA = await newDevice();
    await signIn(deviceA.page, server.url, user);
    await expect
      .poll(() => deviceA.page.getByTestId("pipeline-row").count(), { timeout: SYNC_TIMEOUT })
      .toBe(expected.length);
    expect((await rowIds(deviceA.page)).sort()).toEqual(expected.map((r) => r.Id).sort());
    await deviceA.page.screenshot({ path: artifactPath("pipeline-desktop.png") });

    const phone = await newDevice({ width: 390, height: 844 });
    await signIn(phone.page, server.url, user);
    await expect
      .poll(() => phone.page.getByTestId("pipeline-row").count(), { timeout: SYNC_TIMEOUT })
      .toBe(expected.length);
    await phone.page.screenshot({ path: artifactPath("pipeline-phone.png") });
    await openOpportunity(phone.page, expected[0]?.Id ?? "");
    await phone.page.screenshot({ path: artifactPath("opportunity-phone.png"), fullPage: true });
    expect(phone.errors).toEqual([]);
    await phone.context.close();

    // The scenario's opportunity: the first one whose account has contacts.
    const withContacts = await soql<{ Id: string; AccountId: string }>(
      sf,
      `SELECT Id, AccountId FROM Opportunity WHERE OwnerId = '${user.id}' AND IsClosed = false AND AccountId != null ORDER BY CloseDate`,
    );
    for (const candidate of withContacts) {
      const contacts = await soql(
        sf,
        `SELECT Id FROM Contact WHERE AccountId = '${candidate.AccountId}' AND Email != null`,
      );
      if (contacts.length >= 2) {
        oppId = candidate.Id;
        break;
      }
    }
    expect(oppId).not.toBe("");

    // The second device follows the same opportunity from now on.
    deviceB = await newDevice();
    await signIn(deviceB.page, server.url, user);
    await openOpportunity(deviceB.page, oppId);
  });

  it("sorts (by keyboard), filters by stage and searches while offline", async () => {
    const { page, context } = deviceA;
    await deviceA.page.evaluate(() => {
      window.location.hash = "#/";
    });
    await waitForOfflineShell(page);
    await context.setOffline(true);
    // By keyboard: the column headers are buttons in the tab order.
    await page.getByRole("button", { name: /^Amount/ }).focus();
    await page.keyboard.press("Enter");
    const amounts = await page
      .getByTestId("pipeline-row")
      .evaluateAll((rows) =>
        rows.map((r) => Number((r.children[2]?.textContent ?? "").replace(/[^0-9.]/g, "") || "NaN")),
      );
    const known = amounts.filter((a) => !Number.isNaN(a));
    expect(known).toEqual([...known].sort((a, b) => a - b));
    expect(await page.getByRole("columnheader", { name: /Amount/ }).getAttribute("aria-sort")).toBe("ascending");

    const firstRow = page.getByTestId("pipeline-row").first();
    const stage = (await firstRow.locator("td").nth(2).textContent()) ?? "";
    await page.getByLabel("Stage").selectOption(stage);
    const stages = await page
      .getByTestId("pipeline-row")
      .evaluateAll((rows) => rows.map((r) => r.children[3]?.textContent));
    expect(stages.length).toBeGreaterThan(0);
    expect(new Set(stages)).toEqual(new Set([stage]));
    await page.getByLabel("Stage").selectOption("");

    const name = (await page.getByTestId("pipeline-row").nth(1).locator("th a").textContent()) ?? "";
    await page.getByLabel("Search").fill(name.toUpperCase());
    await expect.poll(() => page.getByTestId("pipeline-row").first().locator("th a").textContent()).toBe(name);
    await page.getByLabel("Search").fill("");
    await context.setOffline(false);
  });

  it("logs a call offline; after an offline reload the pipeline and the queued call are still there", async () => {
    const { page, context } = deviceA;
    await waitForOfflineShell(page);
    await context.setOffline(true);
    await openOpportunity(page, oppId);
    await page.getByTestId("log-activity").click();
    await page.getByLabel("Notes").fill(marker);
    await page.screenshot({ path: artifactPath("log-activity-dialog.png") });
    await page.getByTestId("log-submit").click();
    await expect.poll(() => activityStatus(page, marker).getAttribute("data-status")).toBe("queued");
    await expect.poll(() => page.getByTestId("sync-headline").textContent()).toMatch(/^Offline/);

    await page.reload();
    await page.getByTestId("opportunity-name").waitFor();
    await expect.poll(() => activityStatus(page, marker).getAttribute("data-status")).toBe("queued");
    await page.screenshot({ path: artifactPath("opportunity-offline-queued.png"), fullPage: true });
    await page.evaluate(() => {
      window.location.hash = "#/";
    });
    const expected = await soql(sf, `SELECT Id FROM Opportunity WHERE OwnerId = '${user.id}' AND IsClosed = false`);
    await expect.poll(() => page.getByTestId("pipeline-row").count()).toBe(expected.length);
    await openOpportunity(page, oppId);
  });

  it("back online, the call reaches Salesforce exactly once and shows “in Salesforce” on both devices", async () => {
    const { page, context } = deviceA;
    await context.setOffline(false);
    await expect
      .poll(() => activityStatus(page, marker).getAttribute("data-status"), { timeout: SYNC_TIMEOUT })
      .toBe("applied");
    await expect.poll(() => activityStatus(page, marker).textContent()).toContain("In Salesforce");
    const tasks = await soql<{ Id: string; Description: string | null }>(
      sf,
      `SELECT Id, Description FROM Task WHERE WhatId = '${oppId}'`,
    );
    const mine = tasks.filter((t) => (t.Description ?? "").includes(marker));
    expect(mine).toHaveLength(1);
    await expect
      .poll(() => page.getByTestId("activity").filter({ hasText: marker }).first().textContent())
      .toContain(mine[0]?.Id ?? "?");
    await page.screenshot({ path: artifactPath("opportunity-in-salesforce.png"), fullPage: true });

    // The second device saw it without reloading.
    await expect
      .poll(() => activityStatus(deviceB.page, marker).getAttribute("data-status"), { timeout: SYNC_TIMEOUT })
      .toBe("applied");
  });

  it("an edit made in Salesforce by another user appears on both devices", async () => {
    // A colleague edits a contact at this opportunity's account: in a typical org accounts are
    // Public Read/Write and contacts are controlled by their account, so they may.
    const row = deviceA.page.getByTestId("other-contacts").getByTestId("contact").first();
    const contactId = (await row.getAttribute("data-contact-id")) ?? "";
    expect(contactId).toMatch(/^003/);
    const title = `VP Revenue ${Date.now() % 100_000}`;
    const colleague = await orgSession(org, other);
    await updateRecord(colleague, "Contact", contactId, { Title: title });
    const [seen] = await soql<{ LastModifiedById: string }>(
      sf,
      `SELECT LastModifiedById FROM Contact WHERE Id = '${contactId}'`,
    );
    expect(seen?.LastModifiedById).toBe(other.id);
    // The worker polls Salesforce on a schedule (minutes) and on every new intent; a user action
    // that writes intents (promote, then back to automatic: no net change) asks for a cycle now.
    const nudge = deviceA.page.getByTestId("other-contacts").getByTestId("contact").last();
    const nudgeName = (await nudge.getByTestId("contact-name").textContent()) ?? "";
    await nudge.getByRole("button", { name: `Promote ${nudgeName} to Key` }).click();
    await deviceA.page.getByRole("button", { name: `Reset ${nudgeName} to automatic` }).click();
    for (const device of [deviceA, deviceB]) {
      await expect
        .poll(() => device.page.locator(`[data-contact-id="${contactId}"]`).first().textContent(), {
          timeout: SYNC_TIMEOUT,
        })
        .toContain(title);
    }
  });

  it("a conflicting edit shows the conflict UI, and “keep theirs” settles it", async () => {
    const { page, context } = deviceA;
    const [current] = await soql<{ Amount: number | null }>(sf, `SELECT Amount FROM Opportunity WHERE Id = '${oppId}'`);
    const base = current?.Amount ?? 0;
    await context.setOffline(true);
    await page.getByTestId("edit-fields").click();
    await page.getByLabel("Amount").fill(String(base + 1111));
    await page.getByTestId("save-fields").click();
    await updateRecord(sf, "Opportunity", oppId, { Amount: base + 2222 });
    await context.setOffline(false);
    const conflict = page.getByTestId("conflict");
    await conflict.waitFor({ timeout: SYNC_TIMEOUT });
    await expect
      .poll(() => conflict.getByTestId("conflict-theirs").textContent())
      .toContain((base + 2222).toLocaleString("en-US"));
    await page.screenshot({ path: artifactPath("opportunity-conflict.png"), fullPage: true });
    await conflict.getByTestId("keep-theirs").click();
    await expect.poll(() => page.getByTestId("conflict").count(), { timeout: SYNC_TIMEOUT }).toBe(0);
    await expect
      .poll(() => page.getByTestId("field-Amount").getByTestId("field-value").textContent())
      .toContain((base + 2222).toLocaleString("en-US"));
  });

  it("an .ics import promotes an Other contact to Key, with the meeting as evidence", async () => {
    const { page } = deviceA;
    await openOpportunity(page, oppId);
    const candidate = page.getByTestId("other-contacts").getByTestId("contact").filter({ hasText: "@" }).first();
    const contactId = await candidate.getAttribute("data-contact-id");
    const name = (await candidate.getByTestId("contact-name").textContent()) ?? "";
    const [contact] = await soql<{ Email: string }>(sf, `SELECT Email FROM Contact WHERE Id = '${contactId}'`);
    expect(contact?.Email).toBeTruthy();
    const start = new Date(Date.now() - 2 * 86_400_000).toISOString().replace(/[-:]/g, "").replace(/\.\d+/, "");
    const ics = [
      "BEGIN:VCALENDAR",
      "VERSION:2.0",
      "PRODID:-//Tandem e2e//EN",
      "BEGIN:VEVENT",
      `UID:${marker}@tandem.test`,
      `DTSTAMP:${start}`,
      `DTSTART:${start}`,
      "SUMMARY:Roadmap review",
      `ORGANIZER:mailto:${user.username}`,
      `ATTENDEE;CN=${name}:mailto:${(contact?.Email ?? "").toUpperCase()}`,
      "END:VEVENT",
      "END:VCALENDAR",
      "",
    ].join("\r\n");
    await page.getByTestId("open-ics").click();
    await page.getByLabel("Calendar file (.ics)").setInputFiles({
      name: "week.ics",
      mimeType: "text/calendar",
      buffer: Buffer.from(ics),
    });
    const promotion = page.getByTestId("promotion").filter({ hasText: name });
    await promotion.first().waitFor();
    expect(await promotion.first().textContent()).toContain("Roadmap review");
    await page.screenshot({ path: artifactPath("calendar-import.png") });
    await page.getByRole("button", { name: "Done" }).click();

    const key = page.getByTestId("key-contacts").locator(`[data-contact-id="${contactId}"]`);
    await key.waitFor();
    expect(await key.getByTestId("evidence").textContent()).toMatch(/Meeting “Roadmap review”/);
    await page.screenshot({ path: artifactPath("opportunity-key-from-calendar.png"), fullPage: true });
    // The other device shows the promotion too.
    await deviceB.page
      .getByTestId("key-contacts")
      .locator(`[data-contact-id="${contactId}"]`)
      .waitFor({ timeout: SYNC_TIMEOUT });
    expect(deviceA.errors).toEqual([]);
    expect(deviceB.errors).toEqual([]);
  });
});
