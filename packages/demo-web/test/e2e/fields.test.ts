/**
 * End to end in real Chromium against the real processes (emulated org CLI, Tandem server CLI
 * syncing the demo's configured fields, the Vite-built client): issue 20's fields and
 * permissions as a sales rep (the emulator's "Standard User" profile) sees them.
 *
 * - A "Renewal" opportunity's Stage select offers only the Renewal stages (as the org's UI API
 *   lists them for that record type), and the card names the record type.
 * - Competitor (read-only for reps by field-level security) shows read-only, with no control;
 *   the hidden Budget Confirmed is named in the "not synced" note.
 * - Next Step (an editable extra field) is edited in the form and reaches the org.
 * - A future Event shows as the next meeting on the opportunity and on its recommendation card.
 * - A contact's configured fields (Preferred Channel) show on the contact card.
 *
 * Screenshots go to test-artifacts/ (fields-renewal-card.png, fields-renewal-details.png,
 * fields-next-meeting-reco.png, fields-opportunity.png, fields-next-meeting-pipeline.png).
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
import { createRecord, type OrgSession, orgSession, recordTypePicklist, soql, updateRecord } from "./org-api.js";

const SYNC_TIMEOUT = 60_000;
/** The server CLI's `--fields`: what the demo syncs beyond the shapes. */
const FIELDS =
  "Opportunity.NextStep,Opportunity.Type,Opportunity.LeadSource,Opportunity.Competitor__c,Opportunity.Budget_Confirmed__c,Opportunity.Next_Step_Date__c,Contact.LeadSource,Contact.Preferred_Channel__c";

let org: RunningOrg;
let server: RunningServer;
let browser: Browser;
let user: OrgUser;
let sf: OrgSession;
let device: { context: BrowserContext } & WatchedPage;
/** An open Renewal opportunity of the user with a Competitor, its name, and the contact of its next meeting. */
let renewal = { id: "", name: "", competitor: "", recordTypeId: "" };
let contact = { id: "", name: "" };
let meetingAt = new Date();
const stamp = Date.now().toString(36);

/** Polls `ready` (outside a test, where `expect.poll` is not available). */
async function waitFor(ready: () => Promise<boolean>, timeoutMs = SYNC_TIMEOUT): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error("timed out waiting for the book");
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Picks the Renewal opportunity and the contact, and gives the deal a meeting and a card. */
async function arrangeOrg(): Promise<void> {
  const [type] = await soql<{ Id: string }>(
    sf,
    "SELECT Id FROM RecordType WHERE SobjectType = 'Opportunity' AND DeveloperName = 'Renewal'",
  );
  if (type === undefined) throw new Error("the emulated org has no Renewal record type");
  const opps = await soql<{ Id: string; Name: string; AccountId: string | null; Competitor__c: string | null }>(
    sf,
    `SELECT Id, Name, AccountId, Competitor__c FROM Opportunity WHERE OwnerId = '${user.id}' AND IsClosed = false AND RecordTypeId = '${type.Id}' AND AccountId != null ORDER BY CloseDate`,
  );
  for (const o of opps) {
    // A real competitor ("None" is one of the seed's values), so the read-only value reads as one.
    if (o.Competitor__c === null || o.Competitor__c === "None" || o.AccountId === null) continue;
    // A Key contact (by its contact role): the worker pulls the activities of Key contacts.
    const roles = await soql<{ ContactId: string }>(
      sf,
      `SELECT ContactId FROM OpportunityContactRole WHERE OpportunityId = '${o.Id}'`,
    );
    const contacts = await soql<{ Id: string; Name: string }>(
      sf,
      `SELECT Id, Name FROM Contact WHERE AccountId = '${o.AccountId}' ORDER BY Name`,
    );
    const key = contacts.find((c) => roles.some((r) => r.ContactId === c.Id));
    if (key === undefined) continue;
    renewal = { id: o.Id, name: o.Name, competitor: o.Competitor__c, recordTypeId: type.Id };
    contact = { id: key.Id, name: key.Name };
    break;
  }
  if (renewal.id === "") {
    throw new Error("the user needs an open Renewal opportunity with a Competitor and a contact role at its account");
  }
  // A close date that has passed gives the deal a recommendation card, whatever else it has.
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  await updateRecord(sf, "Opportunity", renewal.id, { CloseDate: yesterday });
  await updateRecord(sf, "Contact", contact.id, { Preferred_Channel__c: "Phone" });
  // A meeting two days ahead, on the hour (UTC), with the contact.
  meetingAt = new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000 + 2 * 86_400_000);
  await createRecord(sf, "Event", {
    Subject: `Renewal review ${stamp}`,
    StartDateTime: meetingAt.toISOString(),
    EndDateTime: new Date(meetingAt.getTime() + 3_600_000).toISOString(),
    WhatId: renewal.id,
    WhoId: contact.id,
  });
}

beforeAll(async () => {
  const webDir = buildClient();
  org = await startOrg({ dataset: "small" });
  server = await startServer(org, webDir, { fields: FIELDS });
  browser = await launchBrowser();
  const first = org.users[0];
  if (first === undefined) throw new Error("the emulated org needs a user");
  user = first;
  sf = await orgSession(org, user);
  await arrangeOrg();
  // UTC, so the meeting time the test computes is the one the client shows.
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 }, timezoneId: "UTC" });
  device = { context, ...(await openPage(context)) };
  await signIn(device.page, server.url, user);
  const open = await soql(sf, `SELECT Id FROM Opportunity WHERE OwnerId = '${user.id}' AND IsClosed = false`);
  await waitFor(async () => (await device.page.getByTestId("pipeline-row").count()) === open.length);
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

/** "Thu, Dec 10, 3:00 PM" in UTC, as the client words a meeting's start (en-US). */
const meetingText = (at: Date) =>
  new Intl.DateTimeFormat("en-US", {
    weekday: "short",
    month: "short",
    day: "numeric",
    hour: "numeric",
    minute: "2-digit",
    timeZone: "UTC",
  })
    .format(at)
    .replace(/\u202f/g, " ");

describe("issue 20: configured fields and permissions in the web client", { timeout: 180_000 }, () => {
  it("a Renewal's Stage select offers only the Renewal stages; Competitor is read-only", async () => {
    const { page } = device;
    await openOpportunity(page, renewal.id);
    const card = page.getByTestId("fields");
    // The configured fields arrive with the org's describe: Competitor shows read-only.
    const competitor = card.getByTestId("field-Competitor__c");
    await competitor.waitFor({ timeout: SYNC_TIMEOUT });
    expect(await competitor.getByTestId("field-value").textContent()).toBe(renewal.competitor);
    expect(await competitor.getAttribute("data-readonly")).toBe("true");
    expect(await card.getByTestId("field-RecordType").textContent()).toContain("Renewal");
    // Budget Confirmed is hidden from reps: not shown, but named in the note.
    expect(await card.getByTestId("field-Budget_Confirmed__c").count()).toBe(0);
    expect(await card.getByTestId("field-notes").textContent()).toMatch(/Budget_Confirmed__c.*not synced/);
    await card.screenshot({ path: artifactPath("fields-renewal-card.png") });

    await card.getByTestId("edit-fields").click();
    const renewalStages = await recordTypePicklist(sf, "Opportunity", renewal.recordTypeId, "StageName");
    const stage = page.locator("#field-StageName");
    const offered = await stage.locator("option").evaluateAll((els) => els.map((e) => (e as HTMLOptionElement).value));
    expect(offered).toEqual(renewalStages);
    expect(offered).not.toContain("Prospecting");
    // Competitor in the form: its value and a read-only marker, no control, and the reason for screen readers.
    const readOnly = page.getByTestId("form-field-Competitor__c");
    expect(await readOnly.getByTestId("read-only").textContent()).toBe("read-only");
    expect(await readOnly.locator("input, select, textarea").count()).toBe(0);
    expect(await page.getByRole("group", { name: /Competitor/ }).getAttribute("aria-describedby")).toBe(
      "field-Competitor__c-readonly",
    );
    expect(await page.locator("#field-Competitor__c-readonly").textContent()).toMatch(/permissions do not allow/);
    // Editable extra fields get the inputs of their types.
    expect(await page.locator("#field-NextStep").getAttribute("type")).toBe("text");
    expect(await page.locator("#field-Next_Step_Date__c").getAttribute("type")).toBe("date");
    expect(await page.locator("#field-Type option").allTextContents()).toContain("None");
    // A native select's open list is not painted in a headless screenshot: list the stages in
    // place for the picture (the options are the ones asserted above).
    await stage.evaluate((el) => {
      (el as HTMLSelectElement).size = (el as HTMLSelectElement).options.length;
    });
    // Tall enough for the whole form, so the sticky status bar does not cover the card's head.
    await page.setViewportSize({ width: 1280, height: 1800 });
    await card.screenshot({ path: artifactPath("fields-renewal-details.png") });
    await page.setViewportSize({ width: 1280, height: 1000 });
    await stage.evaluate((el) => {
      (el as HTMLSelectElement).size = 0;
    });
  });

  it("an editable extra field (Next Step) saves through the form and reaches Salesforce", async () => {
    const { page } = device;
    const nextStep = `Send the renewal quote ${stamp}`;
    await page.getByLabel("Next Step", { exact: true }).fill(nextStep);
    await page.getByTestId("save-fields").click();
    const shown = page.getByTestId("fields").getByTestId("field-NextStep");
    await expect.poll(() => shown.getByTestId("field-value").textContent()).toBe(nextStep);
    await expect
      .poll(
        async () =>
          (
            await soql<{ NextStep: string | null }>(sf, `SELECT NextStep FROM Opportunity WHERE Id = '${renewal.id}'`)
          )[0]?.NextStep,
        { timeout: SYNC_TIMEOUT },
      )
      .toBe(nextStep);
    await expect.poll(() => shown.getByTestId("receipt-status").count(), { timeout: SYNC_TIMEOUT }).toBe(0);
    // Competitor was never sent.
    const [after] = await soql<{ Competitor__c: string | null }>(
      sf,
      `SELECT Competitor__c FROM Opportunity WHERE Id = '${renewal.id}'`,
    );
    expect(after?.Competitor__c).toBe(renewal.competitor);
  });

  it("the future Event is the next meeting, on the opportunity and on its recommendation card", async () => {
    const { page } = device;
    const expected = `Next meeting: ${meetingText(meetingAt)} with ${contact.name}`;
    await expect
      .poll(() => page.getByTestId("last-interaction").getByTestId("next-meeting").textContent(), {
        timeout: SYNC_TIMEOUT,
      })
      .toContain(`Renewal review ${stamp}`);
    const card = page.locator(`[data-testid="recommendation"][data-opportunity-id="${renewal.id}"]`).first();
    await expect.poll(() => card.getByTestId("reco-next-meeting").textContent()).toBe(`◷ ${expected}`);
    await page.getByTestId("recommendations").screenshot({ path: artifactPath("fields-next-meeting-reco.png") });
    // In the activity list, the meeting to come is marked as such.
    const upcoming = page.getByTestId("activity").filter({ hasText: `Renewal review ${stamp}` });
    await expect.poll(() => upcoming.getByTestId("activity-upcoming").count()).toBe(1);
    await page.screenshot({ path: artifactPath("fields-opportunity.png"), fullPage: true });
    // The contact card shows the contact's configured field.
    const person = page.locator(`[data-testid="contact"][data-contact-id="${contact.id}"]`);
    expect(await person.getByTestId("contact-field-Preferred_Channel__c").textContent()).toContain("Phone");
    // On the pipeline too, once the search narrows the cards to this deal.
    await page.evaluate(() => {
      window.location.hash = "#/";
    });
    await page.getByLabel("Search").fill(renewal.name);
    const pipelineCard = page.locator(`[data-testid="recommendation"][data-opportunity-id="${renewal.id}"]`).first();
    await expect.poll(() => pipelineCard.getByTestId("reco-next-meeting").textContent()).toBe(`◷ ${expected}`);
    await page.screenshot({ path: artifactPath("fields-next-meeting-pipeline.png") });
    await page.getByLabel("Search").fill("");
    expect(device.errors).toEqual([]);
  });
});
