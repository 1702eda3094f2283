/**
 * How a recommendation card reads: its title with dates in the table's format ("Nov 20, 2026",
 * not the engine's "2026-11-20"), its hint, the opportunity's next meeting, and which one-tap
 * fixes it offers.
 *
 * Invariant: pure; the same card gives the same words.
 */
import type { NextMeeting, Recommendation, RecommendationKind } from "@tandem/engine";
import { formatDate, formatMeetingTime } from "./format.js";

/** A one-tap fix a card offers. */
export type RecommendationFix = "move-close-date" | "log-call";

/** Each kind of card's icon (decorative: the title says what it is). */
export const RECOMMENDATION_ICON: Record<RecommendationKind, string> = {
  "no-recent-interaction": "◔",
  "close-date-passed": "!",
  "close-date-soon": "◷",
  "no-key-contact": "?",
  "new-key-contact": "★",
};

/** What each kind of card suggests doing. */
export const RECOMMENDATION_HINT: Record<RecommendationKind, string> = {
  "no-recent-interaction": "Reach out to a Key contact.",
  "close-date-passed": "Move the close date, or update the stage.",
  "close-date-soon": "Make sure the next step is booked.",
  "no-key-contact": "Log who you talk to, promote a contact, or import your calendar.",
  "new-key-contact": "Say hello, and check their role in the deal.",
};

/**
 * The card's title without the opportunity's name (the card links to it), in the table's
 * date format; `fallback` is the view model's title, used for kinds with no date.
 */
export function recommendationTitle(card: Recommendation, fallback: string): string {
  switch (card.kind) {
    case "close-date-passed":
      return `Close date ${formatDate(card.closeDate)} has passed`;
    case "close-date-soon":
      return `Closes on ${formatDate(card.closeDate)}`;
    default:
      return fallback;
  }
}

/** The one-tap fixes of a card: a passed close date can be moved; every card can log a call. */
export function recommendationFixes(kind: RecommendationKind): readonly RecommendationFix[] {
  return kind === "close-date-passed" ? ["move-close-date", "log-call"] : ["log-call"];
}

/**
 * The card's line about the opportunity's next meeting ("Next meeting: Thu, Dec 10, 10:00 AM
 * with Ada Lovelace"), or `null` when none is scheduled. Times are in `timeZone` when given,
 * else the browser's.
 */
export function nextMeetingText(next: NextMeeting | null, timeZone?: string): string | null {
  if (next === null) return null;
  const when = formatMeetingTime(next.at, "en-US", timeZone);
  return next.contactName === null ? `Next meeting: ${when}` : `Next meeting: ${when} with ${next.contactName}`;
}
