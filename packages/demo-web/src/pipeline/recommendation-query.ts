/**
 * Which recommendation cards the pipeline shows: the engine's cards ranked, only those of the
 * rows the stage filter and search leave, and at first just a few (one per deal). Also the
 * close date a one-tap "move the close date" fix proposes.
 *
 * Invariants: pure; never mutates its input; the short list is a prefix-by-rank of the full
 * list, with at most one card per opportunity.
 */
import { type Recommendation, rankRecommendations, topRecommendations } from "@tandem/engine";
import type { PipelineRow } from "../view-model/view-model.js";

/** How many cards the pipeline shows before "Show all". */
export const RECOMMENDATION_LIMIT = 3;

/** How far a one-tap fix moves a passed close date: two weeks from today. */
export const MOVE_CLOSE_DATE_DAYS = 14;

/** The ranked cards, and the few shown first. */
export interface RecommendationSelection {
  /** Every card of the visible opportunities, most urgent first. */
  readonly all: readonly Recommendation[];
  /** The first few of them, one per opportunity. */
  readonly top: readonly Recommendation[];
}

/**
 * Ranks the cards and keeps those of the `visible` rows (the table after its stage filter and
 * search), so the cards always describe the deals on screen.
 */
export function selectRecommendations(
  cards: readonly Recommendation[],
  visible: readonly PipelineRow[],
  limit = RECOMMENDATION_LIMIT,
): RecommendationSelection {
  const ids = new Set(visible.map((row) => row.id));
  const all = rankRecommendations(cards.filter((c) => ids.has(c.opportunityId)));
  return { all, top: topRecommendations(all, limit) };
}

/** The local calendar date `days` after `now`, as Salesforce writes dates (`YYYY-MM-DD`). */
export function dateAfter(now: Date, days: number): string {
  const d = new Date(now.getFullYear(), now.getMonth(), now.getDate() + days);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}
