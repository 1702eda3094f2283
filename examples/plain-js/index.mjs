#!/usr/bin/env node
/**
 * Tandem embedded in a plain-JavaScript Node script, with no server and no Effect: sign a user in
 * (OAuth 2.0 authorization code + PKCE), sync their book into a Y.Doc the script owns, print the
 * pipeline and one opportunity's Key contacts, log a call, and follow its receipt to `applied`.
 *
 * Run it against the Salesforce emulator (`npx tandem-emulator` prints url, clientId,
 * clientSecret and users on its ready line):
 *   SF_LOGIN_URL=http://127.0.0.1:4567 SF_CLIENT_ID=… SF_CLIENT_SECRET=… SF_USERNAME=… node index.mjs
 * (the login URL may also be the first argument).
 *
 * Invariants: every line it prints starts with a fixed word (`signed-in`, `synced`, `pipeline`,
 * `opportunity`, `key-contacts`, `contact`, `logged`, `receipt`, `done`) so a test can assert on
 * it; it exits 0 only when the call's receipt reached `applied`, 1 on any failure, 2 on bad input.
 * The doc lives in memory: `persist` has nothing to make durable (see ../ts-app for a doc kept
 * in a file across runs).
 */
import { createBookSync, createBookView, createDevice } from "@tandem/engine";
import { createAuthorizeUrl, signInWithAuthorizationCode } from "@tandem/salesforce-adapter";
import * as Y from "yjs";

function setting(name, fallback) {
  const value = fallback ?? process.env[name];
  if (value === undefined || value === "") {
    console.error(`usage: ${name} must be set (see the header of index.mjs)`);
    process.exit(2);
  }
  return value;
}

const loginUrl = setting("SF_LOGIN_URL", process.argv[2]);
const clientId = setting("SF_CLIENT_ID");
const clientSecret = setting("SF_CLIENT_SECRET");
const username = setting("SF_USERNAME");

/**
 * Authorization code + PKCE, headless. A real org shows its login page at `url` and redirects the
 * browser to `redirectUri`; the emulator approves a known `login_hint` at once, so the script
 * reads the code from the redirect itself. The redirect URI is never contacted.
 */
async function signIn() {
  const redirectUri = "http://localhost:1717/oauth/callback";
  const { url, codeVerifier, state } = createAuthorizeUrl({ loginUrl, clientId, redirectUri, loginHint: username });
  const response = await fetch(url, { redirect: "manual" });
  const location = response.headers.get("location");
  if (response.status !== 302 || location === null) {
    throw new Error(`the authorize endpoint answered ${response.status} instead of a redirect`);
  }
  const callback = new URL(location);
  if (callback.searchParams.get("state") !== state) throw new Error("the redirect's state does not match");
  const code = callback.searchParams.get("code");
  if (code === null) throw new Error(`sign-in refused: ${callback.searchParams.get("error") ?? "no code"}`);
  return signInWithAuthorizationCode({ loginUrl, clientId, clientSecret, redirectUri, code, codeVerifier });
}

/** Runs cycles until the first sync has read every page of the book. */
async function syncFully(sync) {
  let status = await sync.syncNow();
  while (status.lastReport?.more === true) status = await sync.syncNow();
  if (status.lastError !== null) throw new Error(`sync failed: ${status.lastErrorCode} ${status.lastError}`);
  return status;
}

/** Prints each status the intent's receipt goes through, as the worker writes it. */
function followReceipt(view, intentId) {
  let last;
  const print = () => {
    const entry = view.getIntent(intentId);
    if (entry === undefined || entry.status === last) return;
    last = entry.status;
    const task = entry.receipt?.salesforceId;
    console.log(`receipt ${intentId} ${entry.status}${task ? ` ${task}` : ""}`);
  };
  print();
  return { unsubscribe: view.subscribe(print), status: () => last };
}

async function main() {
  const salesforce = await signIn();
  console.log(`signed-in ${salesforce.username} user=${salesforce.userId} org=${salesforce.orgId}`);

  const doc = new Y.Doc();
  const sync = createBookSync({ doc, salesforce, persist: async () => {} });
  try {
    const first = await syncFully(sync);
    console.log(`synced pulled=${first.lastReport?.pulled.records ?? 0} state=${first.state}`);

    const view = createBookView(doc);
    const book = view.getSnapshot();
    console.log(`pipeline ${book.opportunities.length} open opportunities`);
    for (const opp of book.opportunities) {
      const r = opp.record;
      console.log(`opportunity ${opp.id} ${r.Name} | ${r.StageName} | ${r.CloseDate} | ${opp.accountName ?? "-"}`);
    }

    const opp = book.opportunities.find((o) => o.keyContacts.length > 0);
    if (opp === undefined) throw new Error("no opportunity in the book has a Key contact");
    console.log(`key-contacts ${opp.id} ${opp.keyContacts.length} of ${opp.record.Name}`);
    for (const c of opp.keyContacts) {
      const why = c.evidence.map((e) => e.kind).join(",");
      console.log(`contact ${c.contact.Id} ${c.contact.Name} | ${c.contact.Title ?? "-"} | ${why}`);
    }

    const contact = opp.keyContacts[0].contact;
    const device = createDevice(doc, {
      deviceId: "plain-js-example",
      now: () => new Date(),
      random: () => crypto.getRandomValues(new Uint8Array(10)),
    });
    const logged = device.logActivity({
      opportunityId: opp.id,
      contactId: contact.Id,
      type: "call",
      description: "Walked through the renewal terms",
      durationSeconds: 600,
    });
    if (!logged.ok) throw new Error(`log refused: ${logged.error.code} ${logged.error.message}`);
    console.log(`logged ${logged.value.id} "${logged.value.activity.subject}"`);

    // Adding the intent already schedules a debounced cycle; syncNow runs one without waiting.
    const receipt = followReceipt(view, logged.value.id);
    for (let cycle = 0; cycle < 3 && receipt.status() !== "applied"; cycle++) await syncFully(sync);
    receipt.unsubscribe();
    if (receipt.status() !== "applied") throw new Error(`the call's receipt stayed ${receipt.status()}`);
    device.dispose();
    view.dispose();
  } finally {
    await sync.stop();
  }
  console.log("done");
}

// No process.exit on success: the script ends by itself once the sync has stopped, which is
// also how an app knows nothing of Tandem's is left running.
main().catch((error) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
