/**
 * End to end in real Chromium against the real processes (emulated org CLI, Tandem server CLI,
 * the Vite-built client): issue 24's accessibility. The accessibility tree (playwright-core's
 * `ariaSnapshot()`, the roles and accessible names Chromium gives assistive technology) names
 * every action: open an opportunity from the pipeline, log a call or note, edit the fields,
 * promote or demote a contact, choose in a conflict. Then one flow by keyboard only (Tab,
 * Enter, Space, Escape): open an opportunity, open and close the log dialog (focus moves into
 * it and back), log a note, edit the fields and cancel with Escape, promote and demote a
 * contact (focus follows it between the lists), settle a conflict (focus lands on the Details
 * heading), each focused control showing a visible focus ring.
 *
 * The desktop layout keeps its sortable column headers, with no phone "Sort by" select. The
 * status bar polls `GET /api/status` and, with no change subscriber on this server, says
 * nothing about push.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
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
import { type OrgSession, orgSession, soql, updateRecord } from "./org-api.js";

const SYNC_TIMEOUT = 60_000;
/** More Tab presses than any screen has controls before the one a step looks for. */
const MAX_TABS = 150;

let org: RunningOrg;
let server: RunningServer;
let browser: Browser;
let user: OrgUser;
let sf: OrgSession;
let device: { context: BrowserContext } & WatchedPage;
let opp = { id: "", name: "" };
/** The HTTP status of each `GET /api/status` the page made (the status bar's push poll). */
const statusAnswers: number[] = [];

beforeAll(async () => {
  const webDir = buildClient();
  org = await startOrg({ dataset: "small" });
  server = await startServer(org, webDir);
  browser = await launchBrowser();
  const first = org.users[0];
  if (first === undefined) throw new Error("the emulated org needs a user");
  user = first;
  sf = await orgSession(org, user);
  const opps = await soql<{ Id: string; Name: string; AccountId: string }>(
    sf,
    `SELECT Id, Name, AccountId FROM Opportunity WHERE OwnerId = '${user.id}' AND IsClosed = false AND AccountId != null ORDER BY CloseDate`,
  );
  for (const o of opps) {
    if ((await soql(sf, `SELECT Id FROM Contact WHERE AccountId = '${o.AccountId}'`)).length > 1) {
      opp = { id: o.Id, name: o.Name };
      break;
    }
  }
  if (opp.id === "") throw new Error("the user needs an open opportunity at an account with contacts");
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: "UTC" });
  device = { context, ...(await openPage(context)) };
  device.page.on("response", (response) => {
    if (new URL(response.url()).pathname === "/api/status") statusAnswers.push(response.status());
  });
  await signIn(device.page, server.url, user);
  await device.page.getByTestId("pipeline-row").first().waitFor({ timeout: SYNC_TIMEOUT });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await org?.stop();
});

/** The YAML line prefix of a node with this role and accessible name in an aria snapshot. */
const node = (role: string, name: string) => `- ${role} ${JSON.stringify(name)}`;

/** A snapshot line without YAML's single quotes (used when the line holds ": "). */
function unquote(line: string): string {
  const quoted = /^- '(.*)'(:?)$/.exec(line);
  return quoted === null ? line : `- ${(quoted[1] ?? "").replaceAll("''", "'")}${quoted[2] ?? ""}`;
}

/** The lines of `yaml` missing a node of each `[role, name]`. */
function missing(yaml: string, nodes: ReadonlyArray<readonly [string, string]>): string[] {
  const lines = yaml.split("\n").map((l) => unquote(l.trim()));
  return nodes
    .map(([role, name]) => node(role, name))
    .filter((want) => !lines.some((l) => l === want || l.startsWith(`${want} `) || l.startsWith(`${want}:`)));
}

/** A description of the focused element: its tag, test id and accessible-ish name. */
function focused(page: Page): Promise<{ tag: string; testId: string | null; label: string; id: string }> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    return {
      tag: el?.tagName.toLowerCase() ?? "",
      testId: el?.getAttribute("data-testid") ?? null,
      label: (el?.getAttribute("aria-label") ?? el?.textContent ?? "").trim(),
      id: el?.id ?? "",
    };
  });
}

/**
 * Presses Tab until the focused element matches `selector` (none if it already does); fails
 * after {@link MAX_TABS}.
 */
async function tabTo(page: Page, selector: string): Promise<void> {
  const there = () => page.evaluate((s) => document.activeElement?.matches(s) === true, selector);
  if (await there()) return;
  for (let i = 0; i < MAX_TABS; i++) {
    await page.keyboard.press("Tab");
    if (await there()) return;
  }
  throw new Error(`Tab never reached ${selector}`);
}

/** True when the focused element draws a focus ring (an outline that is not none or zero). */
function focusRingShown(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (el === null) return false;
    const style = getComputedStyle(el);
    return style.outlineStyle !== "none" && Number.parseFloat(style.outlineWidth) > 0;
  });
}

describe("accessibility: names in the tree, and a keyboard-only flow", { timeout: 180_000 }, () => {
  it("the pipeline names its controls and each opportunity's link, and keeps the desktop table", async () => {
    const { page } = device;
    const yaml = await page.locator("body").ariaSnapshot();
    expect(
      missing(yaml, [
        ["heading", "Pipeline"],
        ["region", "Sync status"],
        ["searchbox", "Search"],
        ["combobox", "Stage"],
        ["columnheader", "Amount"],
        ["button", "Close date"],
        ["link", opp.name],
        ["button", "Sign out"],
      ]),
    ).toEqual([]);
    // The status bar asked for the push state; this server has no change subscriber, so it says nothing of push.
    await expect.poll(() => statusAnswers.includes(200)).toBe(true);
    expect(await page.getByTestId("sync-push").count()).toBe(0);
    // The phone's "Sort by" is not shown, nor in the tree, on a desktop.
    expect(yaml).not.toContain('combobox "Sort by"');
    expect(await page.getByLabel("Sort by").isVisible()).toBe(false);
  });

  it("opens an opportunity, logs a note and edits the fields by keyboard, focus following", async () => {
    const { page } = device;
    await tabTo(page, `[data-testid="pipeline-row"][data-id="${opp.id}"] a`);
    expect(await focusRingShown(page)).toBe(true);
    await page.keyboard.press("Enter");
    await page.getByTestId("opportunity-name").waitFor();
    // Navigation moves focus to the new screen's heading.
    expect(await focused(page)).toMatchObject({ tag: "h1", id: "opp-title" });
    await page.getByTestId("key-contacts").waitFor();
    const contactNames = await page.getByTestId("contact-name").allTextContents();
    const yaml = await page.locator("main").ariaSnapshot();
    expect(
      missing(yaml, [
        ["heading", opp.name],
        ["link", "← Pipeline"],
        ["button", "Log activity"],
        ["button", "Edit details"],
        ...contactNames.map((name) => ["button", `Log activity with ${name}`] as const),
      ]),
    ).toEqual([]);
    // Every contact has exactly one tier action, named after it.
    for (const name of contactNames) {
      const tier = missing(yaml, [
        ["button", `Promote ${name} to Key`],
        ["button", `Demote ${name} to Other`],
      ]);
      expect(tier).toHaveLength(1);
    }

    // The log dialog: focus moves in, Escape closes it, focus comes back to its opener.
    await tabTo(page, '[data-testid="log-activity"]');
    expect(await focusRingShown(page)).toBe(true);
    await page.keyboard.press("Enter");
    const dialog = page.getByTestId("log-dialog");
    await dialog.waitFor();
    expect(await page.evaluate(() => document.activeElement?.closest("dialog") !== null)).toBe(true);
    const dialogYaml = await dialog.ariaSnapshot();
    expect(
      missing(dialogYaml, [
        ["dialog", "Log activity"],
        ["radio", "Call"],
        ["radio", "Note"],
        ["combobox", "Contact"],
        ["textbox", "Subject"],
        ["textbox", "When"],
        ["textbox", "Notes"],
        ["button", "Log call"],
        ["button", "Cancel"],
      ]),
    ).toEqual([]);
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    expect((await focused(page)).testId).toBe("log-activity");

    // Again, this time a note: arrow keys choose the type, Enter in the subject submits.
    await page.keyboard.press("Enter");
    await dialog.waitFor();
    await tabTo(page, 'input[name="kind"]');
    await page.keyboard.press("ArrowRight");
    await page.keyboard.press("ArrowRight");
    await page.keyboard.press("ArrowRight");
    expect(await dialog.getByRole("radio", { name: "Note" }).isChecked()).toBe(true);
    await tabTo(page, "#log-subject");
    const subject = `Keyboard note ${Date.now().toString(36)}`;
    await page.keyboard.type(subject);
    await page.keyboard.press("Enter");
    await dialog.waitFor({ state: "detached" });
    await page.getByTestId("activity").filter({ hasText: subject }).waitFor();
    expect((await focused(page)).testId).toBe("log-activity");

    // The fields form: focus moves into it, Escape cancels, focus comes back to "Edit".
    await tabTo(page, '[data-testid="edit-fields"]');
    await page.keyboard.press("Enter");
    const form = page.getByRole("form", { name: "Edit opportunity" });
    await form.waitFor();
    expect(await page.evaluate(() => document.activeElement?.closest("form")?.ariaLabel ?? null)).toBe(
      "Edit opportunity",
    );
    await page.keyboard.press("Escape");
    await form.waitFor({ state: "detached" });
    expect((await focused(page)).testId).toBe("edit-fields");
  });

  it("promotes and demotes a contact by keyboard, focus following it between the lists", async () => {
    const { page } = device;
    const other = page.getByTestId("other-contacts").getByTestId("contact").first();
    const id = (await other.getAttribute("data-contact-id")) ?? "";
    const name = (await other.getByTestId("contact-name").textContent()) ?? "";
    await tabTo(page, `li[data-contact-id="${id}"] button[data-tier-action="promote"]`);
    expect(await focusRingShown(page)).toBe(true);
    await page.keyboard.press("Space");
    await page.getByTestId("key-contacts").locator(`li[data-contact-id="${id}"]`).waitFor();
    await expect.poll(async () => (await focused(page)).label).toBe(`Demote ${name} to Other`);
    await page.keyboard.press("Space");
    await page.getByTestId("other-contacts").locator(`li[data-contact-id="${id}"]`).waitFor();
    await expect.poll(async () => (await focused(page)).label).toBe(`Promote ${name} to Key`);
    // Back to the automatic rule: the next control is its Reset.
    await page.keyboard.press("Tab");
    expect((await focused(page)).label).toBe(`Reset ${name} to automatic`);
    await page.keyboard.press("Enter");
    await expect.poll(() => page.getByRole("button", { name: `Reset ${name} to automatic` }).count()).toBe(0);
  });

  it("names a conflict's choices in its field's group, and settles it by keyboard", async () => {
    const { page, context } = device;
    const [current] = await soql<{ Amount: number | null }>(
      sf,
      `SELECT Amount FROM Opportunity WHERE Id = '${opp.id}'`,
    );
    const base = current?.Amount ?? 0;
    await context.setOffline(true);
    await tabTo(page, '[data-testid="edit-fields"]');
    await page.keyboard.press("Enter");
    await tabTo(page, "#field-Amount");
    await page.keyboard.press("ControlOrMeta+A");
    await page.keyboard.type(String(base + 1111));
    await tabTo(page, '[data-testid="save-fields"]');
    await page.keyboard.press("Enter");
    await updateRecord(sf, "Opportunity", opp.id, { Amount: base + 2222 });
    await context.setOffline(false);
    const conflict = page.getByTestId("conflict");
    await conflict.waitFor({ timeout: SYNC_TIMEOUT });
    await expect
      .poll(() => conflict.getByTestId("conflict-theirs").textContent(), { timeout: SYNC_TIMEOUT })
      .toContain((base + 2222).toLocaleString("en-US"));
    const yaml = await conflict.ariaSnapshot();
    expect(
      missing(yaml, [
        ["group", "Amount"],
        ["button", "Keep theirs"],
        ["button", "Re-apply mine"],
      ]),
    ).toEqual([]);
    // Each choice is described by the value it keeps.
    const described = await conflict
      .getByTestId("keep-theirs")
      .evaluate((b) => document.getElementById(b.getAttribute("aria-describedby") ?? "")?.textContent ?? "");
    expect(described).toContain((base + 2222).toLocaleString("en-US"));
    await tabTo(page, '[data-testid="keep-theirs"]');
    expect(await focusRingShown(page)).toBe(true);
    await page.keyboard.press("Enter");
    await expect.poll(() => page.getByTestId("conflict").count(), { timeout: SYNC_TIMEOUT }).toBe(0);
    // Focus was on the panel that left: it lands on the Details heading, not the page's top.
    await expect.poll(async () => (await focused(page)).id).toBe("fields-title");
    expect(device.errors).toEqual([]);
  });
});
