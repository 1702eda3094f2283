/**
 * End to end in real Chromium against the real processes (emulated org CLI, Tandem server CLI,
 * the Vite-built client): the forms of issue 25.
 *
 * - Bug 2: a form whose fields are not all valid writes nothing — every field's error shows
 *   at once, and the org never receives any of its values (checked over the org's REST API
 *   after a later call has made it to Salesforce, so the worker has had its chance).
 * - The log dialog on an opportunity without a Key contact asks who was contacted instead of
 *   silently picking one.
 * - The pipeline's recommendations: ranked, a few shown with "Show all", following the stage
 *   filter and search, with one-tap fixes.
 *
 * Screenshots go to test-artifacts/ (forms-errors.png, log-no-key-contact.png,
 * recommendations-ranked.png and -phone.png).
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
} from "./harness.js";
import { type OrgSession, orgSession, soql } from "./org-api.js";

const SYNC_TIMEOUT = 60_000;

let org: RunningOrg;
let server: RunningServer;
let browser: Browser;
let user: OrgUser;
let sf: OrgSession;
let device: { context: BrowserContext } & WatchedPage;

beforeAll(async () => {
  const webDir = buildClient();
  org = await startOrg({ dataset: "small" });
  server = await startServer(org, webDir);
  browser = await launchBrowser();
  const first = org.users[0];
  if (first === undefined) throw new Error("the emulated org has no users");
  user = first;
  sf = await orgSession(org, user);
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  device = { context, ...(await openPage(context)) };
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await org?.stop();
});

async function openOpportunity(page: Page, id: string): Promise<void> {
  await page.evaluate((hash) => {
    window.location.hash = hash;
  }, `#/opportunity/${id}`);
  await page.getByTestId("opportunity-name").waitFor();
}

async function showPipeline(page: Page): Promise<void> {
  await page.evaluate(() => {
    window.location.hash = "#/";
  });
  await page.getByTestId("pipeline-table").waitFor();
}

/** An open opportunity of the user whose account has contacts (so a call can be logged). */
async function opportunityWithContacts(): Promise<string> {
  const opps = await soql<{ Id: string; AccountId: string }>(
    sf,
    `SELECT Id, AccountId FROM Opportunity WHERE OwnerId = '${user.id}' AND IsClosed = false AND AccountId != null ORDER BY CloseDate`,
  );
  for (const o of opps) {
    const contacts = await soql(sf, `SELECT Id FROM Contact WHERE AccountId = '${o.AccountId}'`);
    if (contacts.length > 0) return o.Id;
  }
  throw new Error("no open opportunity with contacts");
}

describe("issue 25: forms write all or nothing", { timeout: 180_000 }, () => {
  it("signs in and shows the user's book", async () => {
    await signIn(device.page, server.url, user);
    const open = await soql(sf, `SELECT Id FROM Opportunity WHERE OwnerId = '${user.id}' AND IsClosed = false`);
    await expect
      .poll(() => device.page.getByTestId("pipeline-row").count(), { timeout: SYNC_TIMEOUT })
      .toBe(open.length);
  });

  it("bug 2: an invalid field stops the whole form; the org receives none of its values", async () => {
    const { page } = device;
    const oppId = await opportunityWithContacts();
    const [before] = await soql<{ Amount: number | null; Probability: number | null }>(
      sf,
      `SELECT Amount, Probability FROM Opportunity WHERE Id = '${oppId}'`,
    );
    expect(before).toBeDefined();
    await openOpportunity(page, oppId);
    const shownAmount = await page.getByTestId("field-Amount").getByTestId("field-value").textContent();

    await page.getByTestId("edit-fields").click();
    await page.getByLabel("Amount").fill("-5000");
    await page.getByLabel("Probability (%)").fill("150");
    await page.getByTestId("save-fields").click();
    // The form stays open with the Probability error.
    await expect.poll(() => page.getByTestId("fields").textContent()).toMatch(/0 and 100|0 to 100/);
    expect(await page.getByTestId("save-fields").isVisible()).toBe(true);
    await page.getByRole("button", { name: "Cancel" }).click();

    // A barrier: log a call and wait until it is in Salesforce. The worker sends a book's
    // intents in order, so any edit the form had written would be in the org by then.
    const marker = `forms-barrier-${Date.now()}`;
    await page.getByTestId("log-activity").click();
    const contact = page.locator("#log-contact");
    if ((await contact.inputValue()) === "") await contact.selectOption({ index: 1 });
    await page.getByLabel("Notes").fill(marker);
    await page.getByTestId("log-submit").click();
    await expect
      .poll(
        () =>
          page
            .getByTestId("activity")
            .filter({ hasText: marker })
            .getByTestId("receipt-status")
            .first()
            .getAttribute("data-status"),
        { timeout: SYNC_TIMEOUT },
      )
      .toBe("applied");
    const tasks = await soql<{ Description: string | null }>(
      sf,
      `SELECT Description FROM Task WHERE WhatId = '${oppId}'`,
    );
    expect(tasks.filter((t) => (t.Description ?? "").includes(marker))).toHaveLength(1);
    const [after] = await soql<{ Amount: number | null; Probability: number | null }>(
      sf,
      `SELECT Amount, Probability FROM Opportunity WHERE Id = '${oppId}'`,
    );
    expect(after).toEqual(before);
    // Nor is any of it in the book.
    expect(await page.getByTestId("field-Amount").getByTestId("field-value").textContent()).toBe(shownAmount);
    expect(await page.getByTestId("field-Amount").getByTestId("receipt-status").count()).toBe(0);

    // Two bad fields: both errors show together, each next to its field.
    await page.getByTestId("edit-fields").click();
    await page.getByLabel("Amount").fill("lots");
    await page.getByLabel("Probability (%)").fill("150");
    await page.getByTestId("save-fields").click();
    await expect.poll(() => page.getByTestId("field-error-Amount").textContent()).toMatch(/number/i);
    expect(await page.getByTestId("field-error-Probability").textContent()).toMatch(/0 and 100|0 to 100/);
    await page.screenshot({ path: artifactPath("forms-errors.png"), fullPage: true });
    await page.getByRole("button", { name: "Cancel" }).click();
    expect(after).toEqual(before);
    expect(device.errors).toEqual([]);
  });

  it("the log dialog on an opportunity without a Key contact asks who, instead of picking one", async () => {
    const { page } = device;
    await showPipeline(page);
    const cards = page.locator('[data-testid="recommendation"][data-kind="no-key-contact"]');
    if ((await page.getByTestId("reco-toggle").count()) > 0) await page.getByTestId("reco-toggle").click();
    const candidates = await cards.evaluateAll((els) => els.map((e) => e.getAttribute("data-opportunity-id") ?? ""));
    let opened = false;
    for (const id of candidates) {
      await openOpportunity(page, id);
      if (await page.getByTestId("log-activity").isEnabled()) {
        opened = true;
        break;
      }
    }
    expect(opened).toBe(true);
    expect(await page.getByTestId("key-contacts").getByTestId("contact").count()).toBe(0);
    await page.getByTestId("log-activity").click();
    const dialog = page.getByTestId("log-dialog");
    await dialog.getByTestId("log-no-key-contact").waitFor();
    expect(await dialog.locator("#log-contact").inputValue()).toBe("");
    expect(await dialog.getByTestId("log-submit").isDisabled()).toBe(true);
    await page.screenshot({ path: artifactPath("log-no-key-contact.png") });
    await dialog.locator("#log-contact").selectOption({ index: 1 });
    expect(await dialog.getByTestId("log-submit").isEnabled()).toBe(true);
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await dialog.waitFor({ state: "hidden" });
  });
});

describe("issue 25: the pipeline's recommendations", { timeout: 180_000 }, () => {
  async function cardOpportunities(page: Page): Promise<string[]> {
    return page
      .getByTestId("recommendation")
      .evaluateAll((els) => els.map((e) => e.getAttribute("data-opportunity-id") ?? ""));
  }
  async function visibleRows(page: Page): Promise<string[]> {
    return page.getByTestId("pipeline-row").evaluateAll((els) => els.map((e) => e.getAttribute("data-id") ?? ""));
  }

  it("shows a few ranked cards, one per deal, with every card a tap away; dates as in the table", async () => {
    const { page } = device;
    await showPipeline(page);
    const shown = await cardOpportunities(page);
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.length).toBeLessThanOrEqual(3);
    expect(new Set(shown).size).toBe(shown.length);
    const toggle = page.getByTestId("reco-toggle");
    const total = Number(/Show all (\d+)/.exec((await toggle.textContent()) ?? "")?.[1]);
    expect(total).toBeGreaterThan(shown.length);
    // The most urgent come first: a passed close date, when there is one, leads.
    const titles = await page.getByTestId("reco-title").allTextContents();
    for (const t of titles) expect(t).not.toMatch(/\d{4}-\d{2}-\d{2}/);
    await page.screenshot({ path: artifactPath("recommendations-ranked.png") });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: artifactPath("recommendations-ranked-phone.png") });
    await page.setViewportSize({ width: 1280, height: 900 });
    await toggle.click();
    expect(await page.getByTestId("recommendation").count()).toBe(total);
    const kinds = await page
      .getByTestId("recommendation")
      .evaluateAll((els) => els.map((e) => e.getAttribute("data-kind") ?? ""));
    const rank = ["close-date-passed", "close-date-soon", "no-recent-interaction", "no-key-contact", "new-key-contact"];
    const ranks = kinds.map((k) => rank.indexOf(k));
    expect([...ranks].sort((a, b) => a - b)).toEqual(ranks);
    await toggle.click();
  });

  it("follows the stage filter and the search", async () => {
    const { page } = device;
    await showPipeline(page);
    const stages = await page
      .locator("#pipeline-stage option")
      .evaluateAll((els) => els.map((e) => (e as HTMLOptionElement).value).filter((v) => v !== ""));
    for (const stage of stages.slice(0, 3)) {
      await page.locator("#pipeline-stage").selectOption(stage);
      const rows = new Set(await visibleRows(page));
      await expect.poll(async () => (await cardOpportunities(page)).every((id) => rows.has(id))).toBe(true);
    }
    await page.locator("#pipeline-stage").selectOption("");
    const first = (await cardOpportunities(page))[0] ?? "";
    const name = (await page.locator(`[data-testid="pipeline-row"][data-id="${first}"] th a`).textContent()) ?? "";
    await page.getByLabel("Search").fill(name);
    await expect.poll(async () => [...new Set(await cardOpportunities(page))]).toEqual([first]);
    await page.getByLabel("Search").fill("no deal is called this");
    await expect.poll(() => page.getByTestId("recommendation").count()).toBe(0);
    await page.getByLabel("Search").fill("");
  });

  it("one tap moves a passed close date two weeks on, and Salesforce gets it", async () => {
    const { page } = device;
    await showPipeline(page);
    const card = page.locator('[data-testid="recommendation"][data-kind="close-date-passed"]').first();
    await card.waitFor();
    const id = (await card.getAttribute("data-opportunity-id")) ?? "";
    const d = new Date();
    const moved = new Date(d.getFullYear(), d.getMonth(), d.getDate() + 14);
    const expected = `${moved.getFullYear()}-${String(moved.getMonth() + 1).padStart(2, "0")}-${String(moved.getDate()).padStart(2, "0")}`;
    await card.getByTestId("reco-move-close-date").click();
    await expect
      .poll(() =>
        page
          .locator(`[data-testid="recommendation"][data-kind="close-date-passed"][data-opportunity-id="${id}"]`)
          .count(),
      )
      .toBe(0);
    await expect
      .poll(
        async () =>
          (await soql<{ CloseDate: string }>(sf, `SELECT CloseDate FROM Opportunity WHERE Id = '${id}'`))[0]?.CloseDate,
        { timeout: SYNC_TIMEOUT },
      )
      .toBe(expected);
  });

  it("one tap opens the log dialog for the card's deal", async () => {
    const { page } = device;
    await showPipeline(page);
    const card = page
      .getByTestId("recommendation")
      .filter({ has: page.getByTestId("reco-log-call") })
      .first();
    await card.getByTestId("reco-log-call").click();
    const dialog = page.getByTestId("log-dialog");
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain((await card.locator(".reco-opp").textContent()) ?? "?");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await dialog.waitFor({ state: "hidden" });
    expect(device.errors).toEqual([]);
  });
});
