/**
 * End to end in real Chromium against the real processes (issue 25, bugs 3, 4, 6 and 7 and the
 * contact gaps): what the book shows from Salesforce is the truth. Activities keep their time
 * and order by it; an open to-do shows as open and due, never as past activity; a pending
 * close shows as closing at once and leaves the pipeline right after the write; the stage sort
 * follows the org's sales process; a contact's numbers are tap-to-call links and the record
 * links to the org. One build, one org, one server and one browser for the whole file.
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
import { createRecord, type OrgSession, orgSession, soql, updateRecord } from "./org-api.js";

const SYNC_TIMEOUT = 60_000;

let org: RunningOrg;
let server: RunningServer;
let browser: Browser;
let user: OrgUser;
let sf: OrgSession;
let device: { context: BrowserContext } & WatchedPage;
/** An opportunity with a Key contact (a contact role), whose activities the worker pulls. */
let oppId = "";
let keyContactId = "";
const stamp = Date.now().toString(36);

beforeAll(async () => {
  const webDir = buildClient();
  org = await startOrg({ dataset: "small" });
  server = await startServer(org, webDir);
  browser = await launchBrowser();
  const first = org.users[0];
  if (first === undefined) throw new Error("the emulated org needs a user");
  user = first;
  sf = await orgSession(org, user);
  // UTC, so the times the test types and reads are the ones it computes.
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: "UTC" });
  device = { context, ...(await openPage(context)) };
  await signIn(device.page, server.url, user);
  const open = await soql<{ Id: string }>(
    sf,
    `SELECT Id FROM Opportunity WHERE OwnerId = '${user.id}' AND IsClosed = false`,
  );
  await waitFor(async () => (await device.page.getByTestId("pipeline-row").count()) === open.length);
  const ids = open.map((o) => `'${o.Id}'`).join(",");
  const roles = await soql<{ OpportunityId: string; ContactId: string }>(
    sf,
    `SELECT OpportunityId, ContactId FROM OpportunityContactRole WHERE OpportunityId IN (${ids})`,
  );
  const role = roles[0];
  if (role === undefined) throw new Error("the demo user needs an opportunity with a contact role");
  oppId = role.OpportunityId;
  keyContactId = role.ContactId;
}, 180_000);

/** Polls `ready` (outside a test, where `expect.poll` is not available). */
async function waitFor(ready: () => Promise<boolean>, timeoutMs = SYNC_TIMEOUT): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error("timed out waiting for the book");
    await new Promise((r) => setTimeout(r, 250));
  }
}

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

/** Asks the server's worker for a cycle now ("sync now"), as the signed-in device. */
async function syncNow(context: BrowserContext): Promise<void> {
  const response = await context.request.post(`${server.url}/api/sync`);
  expect(response.ok()).toBe(true);
}

const today = () => new Date().toISOString().slice(0, 10);

async function activitySubjects(page: Page): Promise<string[]> {
  return page
    .getByTestId("activity")
    .evaluateAll((rows) => rows.map((r) => r.querySelector("[data-testid=activity-subject]")?.textContent ?? ""));
}

/** `h:mm AM` of an instant in UTC, as the client shows it (en-US). */
const clock = (at: Date) =>
  new Intl.DateTimeFormat("en-US", { timeStyle: "short", timeZone: "UTC" }).format(at).replace(/\u202f/g, " ");
/** A `datetime-local` value in UTC. */
const localInput = (at: Date) => at.toISOString().slice(0, 16);

describe("the book shows what Salesforce has", { timeout: 180_000 }, () => {
  it("bug 3 as filed: two calls logged in Tandem two minutes apart keep their time and order once Salesforce has them", async () => {
    const { page, context } = device;
    await openOpportunity(page, oppId);
    const minute = Math.floor(Date.now() / 60_000) * 60_000;
    const calls = [
      { subject: `e2e-call-first-${stamp}`, at: new Date(minute - 4 * 60_000) },
      { subject: `e2e-call-second-${stamp}`, at: new Date(minute - 2 * 60_000) },
    ];
    const contact = page.locator(`[data-testid=contact][data-contact-id="${keyContactId}"]`);
    for (const call of calls) {
      await contact.getByRole("button", { name: /^Log activity with/ }).click();
      await page.getByLabel("Subject").fill(call.subject);
      await page.getByLabel("When").fill(localInput(call.at));
      await page.getByTestId("log-submit").click();
      await page.getByTestId("log-dialog").waitFor({ state: "hidden" });
    }
    const row = (subject: string) => page.getByTestId("activity").filter({ hasText: subject });
    for (const call of calls) {
      await expect
        .poll(() => row(call.subject).getByTestId("receipt-status").getAttribute("data-status"), {
          timeout: SYNC_TIMEOUT,
        })
        .toBe("applied");
    }
    // The Tasks are in Salesforce: the book shows them from the mirror, not from the intents.
    await syncNow(context);
    await expect
      .poll(() => page.getByTestId("last-interaction-source").textContent(), { timeout: SYNC_TIMEOUT })
      .toBe("from Salesforce");
    expect(await page.getByTestId("last-interaction").textContent()).toContain(calls[1]?.subject);
    expect(await page.getByTestId("last-interaction").textContent()).toContain(clock(calls[1]?.at ?? new Date()));
    const shown = (await activitySubjects(page)).filter((s) => s.startsWith("e2e-call-"));
    expect(shown).toEqual([calls[1]?.subject, calls[0]?.subject]);
    for (const call of calls) expect(await row(call.subject).textContent()).toContain(clock(call.at));
  });

  it("bug 3: same-day activities keep their time, newest first, and the newest is the Last Interaction", async () => {
    const { page, context } = device;
    const early = `e2e-early-${stamp}`;
    const late = `e2e-late-${stamp}`;
    const task = (subject: string) => ({
      WhoId: keyContactId,
      WhatId: oppId,
      Subject: subject,
      Status: "Completed",
      ActivityDate: today(),
      TaskSubtype: "Call",
    });
    await createRecord(sf, "Task", task(early));
    // Salesforce stamps CreatedDate/CompletedDateTime to the second: keep them apart.
    await new Promise((r) => setTimeout(r, 2_100));
    await createRecord(sf, "Task", task(late));
    await syncNow(context);
    await openOpportunity(page, oppId);
    await expect
      .poll(async () => (await activitySubjects(page)).filter((s) => s === late || s === early), {
        timeout: SYNC_TIMEOUT,
      })
      .toEqual([late, early]);
    const lateRow = page.getByTestId("activity").filter({ hasText: late });
    expect(await lateRow.textContent()).toMatch(/\d{1,2}:\d{2}\s?[AP]M/);
    await expect.poll(() => page.getByTestId("last-interaction").textContent()).toContain(late);
    expect(await page.getByTestId("last-interaction").textContent()).toMatch(/\d{1,2}:\d{2}\s?[AP]M/);
  });

  it("bug 7: an open to-do shows as open and due, not as past activity nor the Last Interaction", async () => {
    const { page, context } = device;
    const todo = `e2e-todo-${stamp}`;
    const due = new Date(Date.now() + 20 * 86_400_000).toISOString().slice(0, 10);
    await createRecord(sf, "Task", {
      WhoId: keyContactId,
      WhatId: oppId,
      Subject: todo,
      Status: "Not Started",
      ActivityDate: due,
      TaskSubtype: "Task",
    });
    await syncNow(context);
    await openOpportunity(page, oppId);
    const todos = page.getByTestId("open-tasks");
    await expect
      .poll(() => todos.getByTestId("open-task").filter({ hasText: todo }).count(), { timeout: SYNC_TIMEOUT })
      .toBe(1);
    expect(await todos.getByTestId("open-task").filter({ hasText: todo }).textContent()).toMatch(/Due/);
    expect(await activitySubjects(page)).not.toContain(todo);
    expect(await page.getByTestId("last-interaction").textContent()).not.toContain(todo);
    await page.screenshot({ path: artifactPath("opportunity-timed-activities-and-todo.png"), fullPage: true });
  });

  it("a contact's phone and mobile are tap-to-call links, and the record links to the org", async () => {
    const { page, context } = device;
    await updateRecord(sf, "Contact", keyContactId, { Phone: "+1 415 555 0100", MobilePhone: "+1 415 555 0199" });
    await syncNow(context);
    await openOpportunity(page, oppId);
    const contact = page.locator(`[data-testid=contact][data-contact-id="${keyContactId}"]`);
    await expect
      .poll(() => contact.locator('a[href^="tel:"]').evaluateAll((as) => as.map((a) => a.getAttribute("href"))), {
        timeout: SYNC_TIMEOUT,
      })
      .toEqual(["tel:+14155550100", "tel:+14155550199"]);
    const link = page.getByTestId("open-in-salesforce");
    expect(await link.getAttribute("href")).toBe(`${sf.instanceUrl}/${oppId}`);
    await contact.screenshot({ path: artifactPath("contact-tel-links.png") });
  });

  it("bug 6: sorting by stage follows the org's sales process, not the alphabet", async () => {
    const { page } = device;
    const stages = await soql<{ MasterLabel: string; SortOrder: number }>(
      sf,
      "SELECT MasterLabel, SortOrder FROM OpportunityStage WHERE IsActive = true ORDER BY SortOrder",
    );
    const order = stages.map((s) => s.MasterLabel);
    await showPipeline(page);
    await page.getByRole("button", { name: /^Stage/ }).click();
    const shown = await page
      .getByTestId("pipeline-row")
      .evaluateAll((rows) => rows.map((r) => r.querySelector(".stage")?.textContent ?? ""));
    const rank = (s: string) => order.indexOf(s);
    expect(shown.every((s) => rank(s) >= 0)).toBe(true);
    expect(shown.map(rank)).toEqual([...shown.map(rank)].sort((a, b) => a - b));
    expect(new Set(shown).size).toBeGreaterThan(2);
    await page.screenshot({ path: artifactPath("pipeline-stage-order.png"), fullPage: true });
  });

  it("bug 4: a pending close shows as closing at once, and the opportunity leaves the pipeline right after the write", async () => {
    const { page, context } = device;
    const [target] = await soql<{ Id: string; Amount: number }>(
      sf,
      `SELECT Id, Amount FROM Opportunity WHERE OwnerId = '${user.id}' AND IsClosed = false AND Amount > 0 AND Id != '${oppId}' ORDER BY Amount DESC LIMIT 1`,
    );
    if (target === undefined) throw new Error("the demo user needs an opportunity with an amount");
    await showPipeline(page);
    const summary = async () => (await page.getByTestId("pipeline-summary").textContent()) ?? "";
    const totalBefore = Number((await summary()).split("·")[1]?.replace(/[^0-9]/g, ""));

    await context.setOffline(true);
    await openOpportunity(page, target.Id);
    await page.getByTestId("edit-fields").click();
    await page.getByLabel("Stage").selectOption("Closed Won");
    await page.getByTestId("save-fields").click();
    await showPipeline(page);
    const row = page.locator(`[data-testid=pipeline-row][data-id="${target.Id}"]`);
    await expect.poll(() => row.getAttribute("data-closing")).toBe("true");
    expect(await row.textContent()).toMatch(/closing/i);
    expect(Number((await summary()).split("·")[1]?.replace(/[^0-9]/g, ""))).toBe(totalBefore - target.Amount);
    await row.scrollIntoViewIfNeeded();
    await page.screenshot({ path: artifactPath("pipeline-closing-row.png") });

    await context.setOffline(false);
    // Well inside the worker's 5-minute schedule: the write's own cycle drops it.
    await expect.poll(() => row.count(), { timeout: 30_000 }).toBe(0);
    const fresh = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const freshPage = (await openPage(fresh)).page;
    await signIn(freshPage, server.url, user);
    const open = await soql(sf, `SELECT Id FROM Opportunity WHERE OwnerId = '${user.id}' AND IsClosed = false`);
    await expect.poll(() => freshPage.getByTestId("pipeline-row").count(), { timeout: SYNC_TIMEOUT }).toBe(open.length);
    expect(await freshPage.locator(`[data-testid=pipeline-row][data-id="${target.Id}"]`).count()).toBe(0);
    await fresh.close();
  });
});
