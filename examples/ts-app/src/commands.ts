/**
 * The app's commands over its book file: `pipeline` (sync, then print the open opportunities
 * with their Key contacts) and `log-call` (log a call, then sync it). With `offline`, neither
 * contacts Salesforce: the book is read from the file alone and a logged call waits in it until
 * the next online run sends it.
 *
 * Invariants: a logged call is saved to the file before anything else happens; every online
 * run reports the receipt of each intent that was waiting when it started; the file is saved
 * again after each sync, so what the sync mirrored survives a restart. Output lines start with a
 * fixed word (`pending`, `synced`, `receipt`, `opportunity`, `key-contact`, `logged`, `queued`).
 */
import {
  type BookSyncStatus,
  createBookSync,
  createBookView,
  createDevice,
  isFinalStatus,
  type OpportunityView,
} from "@tandem/engine";
import type { BookFile } from "./book-file.js";
import { signInFromEnv, UsageError } from "./session.js";

/** What every command gets. */
export interface AppContext {
  readonly book: BookFile;
  readonly env: NodeJS.ProcessEnv;
  readonly offline: boolean;
  /** Prints one line of output. */
  readonly print: (line: string) => void;
}

/** Cycles an online run may take for the intents it found waiting to reach a final receipt. */
const MAX_CYCLES = 3;

function waitingIntents(ctx: AppContext): string[] {
  const view = createBookView(ctx.book.doc);
  const ids = view.getSnapshot().pending.map((p) => p.intent.id);
  view.dispose();
  return ids;
}

/** Syncs the book once fully (every page of a first sync), and until `intentIds` are final. */
async function syncBook(ctx: AppContext, intentIds: readonly string[]): Promise<BookSyncStatus> {
  const salesforce = await signInFromEnv(ctx.env);
  const { doc } = ctx.book;
  // The engine awaits `persist` before any write to Salesforce: the `sending` receipts are on
  // disk before the call goes out, so a crash never sends a call twice.
  const sync = createBookSync({ doc, salesforce, persist: () => ctx.book.save() });
  const view = createBookView(doc);
  const unfinished = () => intentIds.filter((id) => !isFinalStatus(view.getIntent(id)?.status ?? "pending"));
  try {
    let status = await sync.syncNow();
    for (let cycle = 1; status.lastError === null && cycle < MAX_CYCLES; cycle++) {
      if (status.lastReport?.more !== true && unfinished().length === 0) break;
      status = await sync.syncNow();
    }
    if (status.lastError !== null) throw new Error(`sync failed: ${status.lastErrorCode ?? "?"} ${status.lastError}`);
    ctx.print(`synced pulled=${status.lastReport?.pulled.records ?? 0} pushed=${status.lastReport?.pushed ?? 0}`);
    for (const id of intentIds) {
      const entry = view.getIntent(id);
      const task = entry?.receipt?.salesforceId;
      ctx.print(`receipt ${id} ${entry?.status ?? "unknown"}${task === undefined ? "" : ` ${task}`}`);
    }
    return status;
  } finally {
    view.dispose();
    await sync.stop();
    await ctx.book.save();
  }
}

function printOpportunity(ctx: AppContext, opp: OpportunityView): void {
  const r = opp.record;
  const last = opp.lastInteraction;
  const lastText = last === null ? "none" : `${last.at.slice(0, 10)} ${last.subject ?? last.kind}`;
  ctx.print(`opportunity ${opp.id} ${r.Name} | ${r.StageName} | ${r.CloseDate} | last: ${lastText}`);
  for (const c of opp.keyContacts) ctx.print(`key-contact ${opp.id} ${c.contact.Id} ${c.contact.Name}`);
}

/**
 * `pipeline`: syncs (unless offline), then prints each open opportunity and its Key contacts.
 *
 * @example
 * ```ts
 * await pipeline({ book, env: process.env, offline: false, print: console.log });
 * ```
 */
export async function pipeline(ctx: AppContext): Promise<void> {
  const waiting = waitingIntents(ctx);
  ctx.print(`pending ${waiting.length}`);
  if (!ctx.offline) await syncBook(ctx, waiting);
  const view = createBookView(ctx.book.doc);
  const book = view.getSnapshot();
  ctx.print(`pipeline ${book.opportunities.length} open opportunities`);
  for (const opp of book.opportunities) printOpportunity(ctx, opp);
  view.dispose();
}

/**
 * `log-call <opportunityId> <contactId> <note>`: logs a completed call with the contact, saves
 * the book, and (unless offline) syncs until the call's receipt is final.
 *
 * @example
 * ```ts
 * await logCall(ctx, "006…", "003…", "Walked through pricing");
 * ```
 */
export async function logCall(ctx: AppContext, opportunityId: string, contactId: string, note: string): Promise<void> {
  const device = createDevice(ctx.book.doc, {
    deviceId: "ts-app",
    now: () => new Date(),
    random: () => crypto.getRandomValues(new Uint8Array(10)),
  });
  const logged = device.logActivity({ opportunityId, contactId, type: "call", description: note });
  device.dispose();
  if (!logged.ok) throw new UsageError(`cannot log this call: ${logged.error.message} (${logged.error.code})`);
  await ctx.book.save();
  ctx.print(`logged ${logged.value.id} "${logged.value.activity.subject}"`);
  if (ctx.offline) ctx.print(`queued ${logged.value.id} until the next online run`);
  else await syncBook(ctx, waitingIntents(ctx));
}
