/**
 * End to end in real Chromium at a phone's viewport, against the real processes (emulated org
 * CLI with its Streaming API, the Tandem server CLI with push configured through
 * `TANDEM_CDC_USER`, the Vite-built client): issue 23's push indicator. Once the integration
 * user (the org's System Administrator, who has View All Data) has signed in and the server's
 * change subscriber is live, a rep's status bar says "Live updates", from its first
 * `GET /api/status`; offline it says nothing of push.
 *
 * Screenshot: test-artifacts/phone-status-live.png (the top of the pipeline with the indicator).
 */
import type { Browser, Page } from "playwright-core";
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

const SYNC_TIMEOUT = 60_000;

let org: RunningOrg;
let server: RunningServer;
let browser: Browser;
let rep: OrgUser;
let admin: OrgUser;

/** `GET /api/status`'s `push`, asked from a signed-in page. */
function pushOf(page: Page): Promise<{ live?: boolean } | null> {
  return page.evaluate(async () => {
    const response = await fetch("/api/status", { credentials: "same-origin" });
    return ((await response.json()) as { push: { live?: boolean } | null }).push;
  });
}

beforeAll(async () => {
  const webDir = buildClient();
  org = await startOrg({ dataset: "small" });
  const first = org.users[0];
  const last = org.users.at(-1);
  if (first === undefined || last === undefined || first === last) {
    throw new Error("the small dataset has reps and an administrator");
  }
  [rep, admin] = [first, last];
  // The server CLI reads its integration user from the environment, as a deployment would.
  process.env.TANDEM_CDC_USER = admin.id;
  try {
    server = await startServer(org, webDir);
  } finally {
    delete process.env.TANDEM_CDC_USER;
  }
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await org?.stop();
});

describe("the status bar's push indicator", { timeout: 120_000 }, () => {
  it("says “Live updates” once the org's change subscriber is live, and nothing offline", async () => {
    // The integration user signs in once: the server then holds their grant and subscribes.
    const adminContext = await browser.newContext();
    const adminPage = await adminContext.newPage();
    await signIn(adminPage, server.url, admin);
    await expect.poll(async () => (await pushOf(adminPage))?.live, { timeout: SYNC_TIMEOUT }).toBe(true);
    await adminContext.close();

    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const phone: WatchedPage = await openPage(context);
    await signIn(phone.page, server.url, rep);
    await phone.page.getByTestId("pipeline-row").first().waitFor({ timeout: SYNC_TIMEOUT });
    const indicator = phone.page.getByTestId("sync-push");
    await expect.poll(() => indicator.textContent(), { timeout: SYNC_TIMEOUT }).toBe("Live updates");
    await phone.page.screenshot({ path: artifactPath("phone-status-live.png") });

    await context.setOffline(true);
    await expect.poll(() => phone.page.getByTestId("sync-headline").textContent()).toMatch(/^Offline/);
    expect(await indicator.count()).toBe(0);
    expect(phone.errors).toEqual([]);
    await context.close();
  });
});
