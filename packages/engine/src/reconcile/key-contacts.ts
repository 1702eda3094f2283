/**
 * The Key-contact rule (docs/architecture.md, "Scope of a book"), in one place for both sides
 * that use it: the views show each opportunity's Key and Other contacts with it, and the worker
 * pulls the activities of every contact it makes Key for at least one opportunity.
 *
 * The rule: an opportunity's contacts are those at its account plus those a contact role links
 * to it. One of them is Key when a role links them, or when an email/meeting interaction has the
 * contact's address (trimmed, case-insensitive) and happened within the interaction window
 * (default {@link DEFAULT_KEY_INTERACTION_WINDOW_DAYS} days before now, never after now: a
 * meeting to come is not an interaction); every other one is Other. The user's latest
 * live `setContactTier` override (by HLC) for that opportunity and contact wins over the rule,
 * and `auto` returns to it. An override for a contact that is not one of the opportunity's
 * contacts changes nothing, since no view shows that pair.
 *
 * Invariant: pure given the clock (`options.now`, else the time of the call); O(opportunities + contacts × opportunities of their account + roles +
 * interactions + intents). `key-contacts.prop.test.ts` checks that the views agree with
 * `keyContactsByOpportunity` on random books.
 */
import type { Table } from "../doc/intent-state.js";
import { byHlc } from "../doc/intent-state.js";
import { normalizeEmail } from "../model/fields.js";
import type { ContactRecord, ContactRoleRecord, OpportunityRecord } from "../model/records.js";
import type { Intent, Interaction, Receipt, ReceiptStatus, SetContactTierIntent } from "../model/schemas.js";

/** The tables the Key-contact rule reads. */
export interface KeyContactInputs {
  readonly opportunities: Table<OpportunityRecord>;
  readonly contacts: Table<ContactRecord>;
  readonly contactRoles: Table<ContactRoleRecord>;
  readonly interactions: Table<Interaction>;
  readonly intents: Table<Intent>;
  readonly receipts: Table<Receipt>;
}

/** How many days an email or meeting keeps a contact Key, by default. */
export const DEFAULT_KEY_INTERACTION_WINDOW_DAYS = 90;

const DAY_MS = 86_400_000;

/** The clock and window the Key-contact rule judges interactions by. */
export interface KeyContactOptions {
  /** The time now; defaults to the time of the call. */
  readonly now?: Date | undefined;
  /** How many days before now an interaction still promotes; defaults to 90. */
  readonly interactionWindowDays?: number | undefined;
}

/** The instants (ms) an interaction must lie between to promote a contact: `[from, to]`. */
export interface InteractionWindow {
  readonly fromMs: number;
  readonly toMs: number;
}

/**
 * The window of {@link KeyContactOptions}: from `interactionWindowDays` before now up to now.
 *
 * @example
 * ```ts
 * const w = interactionWindow({ now: new Date("2026-04-01T00:00:00Z") }); // 2026-01-01 … 2026-04-01
 * ```
 */
export function interactionWindow(options: KeyContactOptions = {}): InteractionWindow {
  const toMs = (options.now ?? new Date()).getTime();
  const days = options.interactionWindowDays ?? DEFAULT_KEY_INTERACTION_WINDOW_DAYS;
  return { fromMs: toMs - days * DAY_MS, toMs };
}

/** True when an interaction at `at` (ISO date or datetime) lies in `window`; an unreadable date never does. */
export function isInWindow(at: string, window: InteractionWindow): boolean {
  const ms = Date.parse(at);
  return !Number.isNaN(ms) && ms >= window.fromMs && ms <= window.toMs;
}

/** How one opportunity shows one of its contacts. */
export interface ResolvedTier {
  readonly tier: "key" | "other";
  /** The override in force, or `null` when the rule decides (no override, or `auto`). */
  readonly override: "key" | "other" | null;
}

/** True when an override with this receipt status still counts (not withdrawn, failed or replaced). */
export function isLiveOverride(status: ReceiptStatus | undefined): boolean {
  return status !== "cancelled" && status !== "failed" && status !== "superseded";
}

/**
 * The latest live `setContactTier` override per group, by HLC.
 *
 * @remarks Takes `[key in intents, intent]` entries and asks `statusOf` by that key (a checked
 * table has key = id). Entries that are not `setContactTier` intents (or `undefined`) are
 * skipped, so a caller may pass intents looked up by id. `groupOf` groups them: per contact for
 * one opportunity, or per (opportunity, contact) over a whole book.
 * @example
 * ```ts
 * const perContact = latestOverrides(entries, (key) => receipts.get(key)?.status, (t) => t.contactId);
 * ```
 */
export function latestOverrides(
  entries: Iterable<readonly [string, Intent | undefined]>,
  statusOf: (intentKey: string) => ReceiptStatus | undefined,
  groupOf: (override: SetContactTierIntent) => string,
): Map<string, SetContactTierIntent> {
  const latest = new Map<string, SetContactTierIntent>();
  for (const [key, t] of entries) {
    if (t?.kind !== "setContactTier" || !isLiveOverride(statusOf(key))) continue;
    const group = groupOf(t);
    const prev = latest.get(group);
    if (prev === undefined || byHlc(prev, t) < 0) latest.set(group, t);
  }
  return latest;
}

/**
 * What an override makes of the rule's answer for one of an opportunity's contacts.
 *
 * @example
 * ```ts
 * resolveTier(true, undefined); // { tier: "key", override: null }
 * ```
 */
export function resolveTier(ruleSaysKey: boolean, override: SetContactTierIntent | undefined): ResolvedTier {
  const forced = override === undefined || override.tier === "auto" ? null : override.tier;
  return { tier: forced ?? (ruleSaysKey ? "key" : "other"), override: forced };
}

/** True when `contact` is one of `opp`'s contacts: at its account, or linked to it by a role. */
export function isOpportunityContact(opp: OpportunityRecord, contact: ContactRecord, roleLinked: boolean): boolean {
  return roleLinked || (opp.AccountId !== null && contact.AccountId === opp.AccountId);
}

/** Per opportunity id, the ids of its Key contacts (opportunities without any are left out). */
export function keyContactsByOpportunity(
  inputs: KeyContactInputs,
  options: KeyContactOptions = {},
): Map<string, Set<string>> {
  const keys = new Map<string, Set<string>>();
  const add = (oppId: string, contactId: string) => {
    let set = keys.get(oppId);
    if (set === undefined) {
      set = new Set();
      keys.set(oppId, set);
    }
    set.add(contactId);
  };
  const pair = (oppId: string, contactId: string) => `${oppId}|${contactId}`;
  // By rule: roles…
  const roleLinks = new Set<string>();
  for (const r of inputs.contactRoles.values()) {
    if (!inputs.opportunities.has(r.OpportunityId) || !inputs.contacts.has(r.ContactId)) continue;
    roleLinks.add(pair(r.OpportunityId, r.ContactId));
    add(r.OpportunityId, r.ContactId);
  }
  // …and interactions in the window, which make a contact Key at every opportunity of its account.
  const window = interactionWindow(options);
  const emails = new Set<string>();
  for (const i of inputs.interactions.values()) {
    if (typeof i.email === "string" && typeof i.at === "string" && isInWindow(i.at, window)) {
      emails.add(normalizeEmail(i.email));
    }
  }
  const oppsByAccount = new Map<string, string[]>();
  for (const o of inputs.opportunities.values()) {
    if (o.AccountId === null) continue;
    const list = oppsByAccount.get(o.AccountId) ?? [];
    list.push(o.Id);
    oppsByAccount.set(o.AccountId, list);
  }
  for (const c of inputs.contacts.values()) {
    if (c.Email === null || c.AccountId === null || !emails.has(normalizeEmail(c.Email))) continue;
    for (const opp of oppsByAccount.get(c.AccountId) ?? []) add(opp, c.Id);
  }
  // Overrides win; every pair's rule answer is complete by now.
  const overrides = latestOverrides(
    inputs.intents.entries(),
    (key) => inputs.receipts.get(key)?.status,
    (t) => pair(t.opportunityId, t.contactId),
  );
  for (const [k, t] of overrides) {
    const opp = inputs.opportunities.get(t.opportunityId);
    const contact = inputs.contacts.get(t.contactId);
    if (opp === undefined || contact === undefined || !isOpportunityContact(opp, contact, roleLinks.has(k))) continue;
    const ruleSaysKey = keys.get(t.opportunityId)?.has(t.contactId) ?? false;
    if (resolveTier(ruleSaysKey, t).tier === "key") add(t.opportunityId, t.contactId);
    else keys.get(t.opportunityId)?.delete(t.contactId);
  }
  for (const [oppId, set] of keys) if (set.size === 0) keys.delete(oppId);
  return keys;
}

/** The ids of contacts that are Key for at least one opportunity (see `keyContactsByOpportunity`). */
export function keyContactIds(inputs: KeyContactInputs, options: KeyContactOptions = {}): Set<string> {
  const out = new Set<string>();
  for (const contacts of keyContactsByOpportunity(inputs, options).values()) for (const c of contacts) out.add(c);
  return out;
}
