/**
 * Builds the view snapshot of a book from the engine's live view: the pipeline rows and the
 * recommendation cards exactly as the pipeline's first screen shows them (default query, the
 * few most urgent cards before "Show all"), already worded.
 *
 * Invariants: pure given its inputs (the clock is a parameter); the words come from the same
 * functions the live screens use (`view-model.ts`, `recommendation-text.ts`,
 * `recommendation-query.ts`), so a snapshot paint and the live paint read the same. Lives on
 * the doc side of the code split: it imports the engine, the snapshot paint never imports it.
 */
import { type BookSnapshot, bookRecommendations, type OpportunityView } from "@tandem/engine";
import { dateAfter, MOVE_CLOSE_DATE_DAYS, selectRecommendations } from "../pipeline/recommendation-query.js";
import { formatDate } from "../text/format.js";
import {
  nextMeetingText,
  RECOMMENDATION_HINT,
  recommendationFixes,
  recommendationTitle,
} from "../text/recommendation-text.js";
import { pipelineRows, recommendationCards } from "../view-model/view-model.js";
import { type SnapshotCard, type SnapshotOwner, VIEW_SNAPSHOT_VERSION, type ViewSnapshot } from "./view-snapshot.js";

/** What {@link snapshotOfView} reads: the engine's `BookView` has both. */
export interface SnapshotSource {
  getSnapshot(): BookSnapshot;
  getOpportunity(id: string): OpportunityView | undefined;
}

/**
 * The view snapshot of `owner`'s book as the pipeline would show it at `now`.
 *
 * @remarks "Log a call" is offered only on deals with contacts, as on the live cards.
 * @example
 * ```ts
 * const snapshot = snapshotOfView(handle.view, { room: me.room, userId: me.userId }, new Date());
 * ```
 */
export function snapshotOfView(source: SnapshotSource, owner: SnapshotOwner, now: Date): ViewSnapshot {
  const book = source.getSnapshot();
  const rows = pipelineRows(book);
  const selection = selectRecommendations(bookRecommendations(book, now), rows);
  const words = new Map(recommendationCards(selection.all, book).map((c) => [c.id, c]));
  const moveTo = `Move to ${formatDate(dateAfter(now, MOVE_CLOSE_DATE_DAYS))}`;
  const top = selection.top.map((card): SnapshotCard => {
    const text = words.get(card.id);
    const o = source.getOpportunity(card.opportunityId);
    const hasContacts = o !== undefined && o.keyContacts.length + o.otherContacts.length > 0;
    return {
      id: card.id,
      kind: card.kind,
      severity: card.severity,
      opportunityId: card.opportunityId,
      opportunityName: text?.opportunityName ?? card.opportunityId,
      title: recommendationTitle(card, text?.title ?? card.title),
      hint: RECOMMENDATION_HINT[card.kind],
      nextMeeting: nextMeetingText(card.nextMeeting),
      fixes: recommendationFixes(card.kind)
        .filter((fix) => fix === "move-close-date" || hasContacts)
        .map((fix) => ({ fix, label: fix === "move-close-date" ? moveTo : "Log a call" })),
    };
  });
  return {
    version: VIEW_SNAPSHOT_VERSION,
    room: owner.room,
    userId: owner.userId,
    savedAt: now.toISOString(),
    rows,
    cards: { top, total: selection.all.length },
  };
}
