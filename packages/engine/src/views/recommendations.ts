/**
 * Recommendation cards (docs/architecture.md, "Scope of a book"): pure functions of an opportunity view, the time now and
 * thresholds. Nothing is stored, so cards are always current.
 *
 * Invariant: the same inputs give the same cards, each with a stable `id`, so a UI can keep
 * dismissals keyed by it. {@link rankRecommendations} is a total order (ties end on `id`), so a
 * ranked list and its first few ({@link topRecommendations}) are stable too.
 */
import { localDate } from "../model/time.js";
import { createZone, type Zone } from "./time-order.js";
import type { BookSnapshot, NextMeeting, OpportunityView } from "./types.js";

/** The kinds of card. */
export type RecommendationKind =
  | "no-recent-interaction"
  | "close-date-passed"
  | "close-date-soon"
  | "no-key-contact"
  | "new-key-contact";

/** One recommendation card. */
export interface Recommendation {
  /** Stable: `<kind>:<opportunityId>[:<contactId>]`. */
  readonly id: string;
  readonly kind: RecommendationKind;
  readonly opportunityId: string;
  readonly contactId: string | null;
  readonly title: string;
  readonly severity: "info" | "warning" | "urgent";
  /** The opportunity's close date (`YYYY-MM-DD`), for the UI to word in its own date format. */
  readonly closeDate: string;
  /** The opportunity's amount, the value at stake (ranks bigger deals first). */
  readonly amount: number | null;
  /**
   * The opportunity's next meeting, the same as its view shows (`OpportunityView.nextMeeting`),
   * so a card can say "Next meeting: Thu 10:00 with Ada"; `null` when none is scheduled.
   */
  readonly nextMeeting: NextMeeting | null;
}

/** Thresholds of the cards, in days. */
export interface RecommendationThresholds {
  /** "No interaction with any Key contact in N days" (default 14). */
  readonly staleInteractionDays: number;
  /** "Close date within N days" (default 7). */
  readonly closeSoonDays: number;
  /** "New Key contact from email" when the interaction is at most N days old (default 7). */
  readonly newKeyContactDays: number;
}

/** The default thresholds. */
export const DEFAULT_THRESHOLDS: RecommendationThresholds = {
  staleInteractionDays: 14,
  closeSoonDays: 7,
  newKeyContactDays: 7,
};

const DAY = 86_400_000;

/**
 * The cards for one opportunity at time `now`, with days judged in `timeZone` (the user's,
 * `snapshot.org.timeZone`; UTC by default): a close date passes once its local day is over, and a
 * bare-dated interaction counts as the end of its local day.
 *
 * @example
 * ```ts
 * recommendationsFor(view.getOpportunity(id)!, new Date(), DEFAULT_THRESHOLDS, snapshot.org.timeZone);
 * ```
 */
export function recommendationsFor(
  opp: OpportunityView,
  now: Date,
  thresholds: RecommendationThresholds = DEFAULT_THRESHOLDS,
  timeZone = "UTC",
): Recommendation[] {
  return judge(opp, judgingDay(now, thresholds, timeZone), thresholds);
}

/** What every opportunity's cards are judged against at one `now`: computed once per book. */
interface JudgingDay {
  readonly zone: Zone;
  readonly nowMs: number;
  /** The local date of `now`. */
  readonly today: string;
  /** The local date `closeSoonDays` after `now`. */
  readonly soon: string;
}

/** The judging day of `now` (the local dates cost an `Intl` call each: once per book, not per opportunity). */
function judgingDay(now: Date, thresholds: RecommendationThresholds, timeZone: string | null | undefined): JudgingDay {
  const zone = createZone(timeZone);
  const nowMs = now.getTime();
  return {
    zone,
    nowMs,
    today: localDate(now.toISOString(), zone.timeZone),
    soon: localDate(new Date(nowMs + thresholds.closeSoonDays * DAY).toISOString(), zone.timeZone),
  };
}

/** The cards of one opportunity on `day`. */
function judge(opp: OpportunityView, day: JudgingDay, thresholds: RecommendationThresholds): Recommendation[] {
  const cards: Recommendation[] = [];
  const { zone, nowMs, today } = day;
  const name = opp.record.Name;
  const close = opp.record.CloseDate;
  const amount = opp.record.Amount;
  const nextMeeting = opp.nextMeeting;
  if (close < today) {
    cards.push({
      id: `close-date-passed:${opp.id}`,
      kind: "close-date-passed",
      opportunityId: opp.id,
      closeDate: close,
      amount,
      nextMeeting,
      contactId: null,
      title: `${name}: close date ${close} has passed`,
      severity: "urgent",
    });
  } else if (close <= day.soon) {
    cards.push({
      id: `close-date-soon:${opp.id}`,
      kind: "close-date-soon",
      opportunityId: opp.id,
      closeDate: close,
      amount,
      nextMeeting,
      contactId: null,
      title: `${name} closes on ${close}`,
      severity: "warning",
    });
  }
  if (opp.keyContacts.length === 0) {
    cards.push({
      id: `no-key-contact:${opp.id}`,
      kind: "no-key-contact",
      opportunityId: opp.id,
      closeDate: close,
      amount,
      nextMeeting,
      contactId: null,
      title: `${name} has no Key contact`,
      severity: "warning",
    });
  } else {
    let last: number | null = null;
    for (const k of opp.keyContacts) {
      if (k.lastInteraction === null) continue;
      const t = zone.orderMs(k.lastInteraction.at);
      if (last === null || t > last) last = t;
    }
    if (last === null || nowMs - last > thresholds.staleInteractionDays * DAY) {
      cards.push({
        id: `no-recent-interaction:${opp.id}`,
        kind: "no-recent-interaction",
        opportunityId: opp.id,
        closeDate: close,
        amount,
        nextMeeting,
        contactId: null,
        title: `No interaction with any Key contact of ${name} in ${thresholds.staleInteractionDays} days`,
        severity: "warning",
      });
    }
    for (const k of opp.keyContacts) {
      if (k.override !== null || k.evidence.some((e) => e.kind === "role")) continue;
      const email = k.evidence.find((e) => e.kind === "interaction" && e.interaction === "email");
      if (email === undefined || email.kind !== "interaction") continue;
      if (nowMs - zone.orderMs(email.at) > thresholds.newKeyContactDays * DAY) continue;
      cards.push({
        id: `new-key-contact:${opp.id}:${k.contact.Id}`,
        kind: "new-key-contact",
        opportunityId: opp.id,
        closeDate: close,
        amount,
        nextMeeting,
        contactId: k.contact.Id,
        title: `${k.contact.Name} is a new Key contact for ${name} (from email)`,
        severity: "info",
      });
    }
  }
  return cards;
}

/** The cards of the whole book at time `now`, opportunity by opportunity, in the user's time zone. */
export function bookRecommendations(
  snapshot: BookSnapshot,
  now: Date,
  thresholds: RecommendationThresholds = DEFAULT_THRESHOLDS,
): Recommendation[] {
  const day = judgingDay(now, thresholds, snapshot.org.timeZone);
  return snapshot.opportunities.flatMap((o) => judge(o, day, thresholds));
}

const SEVERITY_RANK: Record<Recommendation["severity"], number> = { urgent: 0, warning: 1, info: 2 };
const KIND_RANK: Record<RecommendationKind, number> = {
  "close-date-passed": 0,
  "close-date-soon": 1,
  "no-recent-interaction": 2,
  "no-key-contact": 3,
  "new-key-contact": 4,
};

/** Bigger amounts first; no amount last. */
function compareAmounts(a: number | null, b: number | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return b - a;
}

/** Orders two cards: most urgent first, then the kind, the bigger deal, the earlier close date, the id. */
function compareRecommendations(a: Recommendation, b: Recommendation): number {
  return (
    SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
    KIND_RANK[a.kind] - KIND_RANK[b.kind] ||
    compareAmounts(a.amount, b.amount) ||
    a.closeDate.localeCompare(b.closeDate) ||
    a.id.localeCompare(b.id)
  );
}

/**
 * The cards in the order a salesperson should act on them.
 *
 * @remarks Most urgent first (a passed close date, then one coming up, then no recent contact,
 * no Key contact, a new Key contact); within a kind the bigger deal, then the earlier close date;
 * ties end on `id`, so the order is total and stable. Returns a new array.
 * @example
 * ```ts
 * const ranked = rankRecommendations(bookRecommendations(snapshot, new Date()));
 * ```
 */
export function rankRecommendations(cards: readonly Recommendation[]): Recommendation[] {
  return [...cards].sort(compareRecommendations);
}

/**
 * The first `limit` ranked cards, at most one per opportunity, so a short list names
 * different deals (the rest stay in the full ranked list).
 *
 * @example
 * ```ts
 * topRecommendations(rankRecommendations(cards), 3);
 * ```
 */
export function topRecommendations(ranked: readonly Recommendation[], limit: number): Recommendation[] {
  const seen = new Set<string>();
  const top: Recommendation[] = [];
  for (const card of ranked) {
    if (top.length >= limit) break;
    if (seen.has(card.opportunityId)) continue;
    seen.add(card.opportunityId);
    top.push(card);
  }
  return top;
}
