/**
 * How a recommendation card reads: its title with dates in the table's format ("Nov 20, 2026",
 * not the engine's "2026-11-20"), its hint, and which one-tap fixes it offers.
 *
 * Invariant: pure; the same card gives the same words.
 */
import type { Recommendation, RecommendationKind } from "@tandem/engine";
import { formatDate } from "./format.js";

/** A one-tap fix a card offers. */
export type RecommendationFix = "move-close-date" | "log-call";

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
