/**
 * Recommendation cards from the engine (no recent interaction, close date passed, closing
 * soon, no Key contact, new Key contact from email), ranked most urgent first, each linking to
 * its opportunity, saying when its next meeting is, and offering one-tap fixes: move a passed
 * close date two weeks on, or log a call. On the pipeline they follow the table's stage filter and search and show a few (one
 * per deal) until "Show all".
 */
import {
  type BookSnapshot,
  bookRecommendations,
  type Recommendation,
  rankRecommendations,
  recommendationsFor,
} from "@tandem/engine";
import { useCallback, useMemo, useState } from "react";
import {
  dateAfter,
  MOVE_CLOSE_DATE_DAYS,
  type RecommendationSelection,
  selectRecommendations,
} from "../pipeline/recommendation-query.js";
import { formatDate } from "../text/format.js";
import {
  nextMeetingText,
  RECOMMENDATION_HINT,
  RECOMMENDATION_ICON,
  recommendationFixes,
  recommendationTitle,
} from "../text/recommendation-text.js";
import { opportunityDetail, type PipelineRow, pipelineRows, recommendationCards } from "../view-model/view-model.js";
import { useBook } from "./book-context.js";
import { LogActivityDialog } from "./log-activity-dialog.js";
import { fieldErrorText } from "./opportunity/field-text.js";
import { LoggedToast } from "./opportunity/logged-toast.js";
import { routeHref } from "./use-hash-route.js";

/** Props of {@link RecommendationList}. */
export interface RecommendationListProps {
  readonly snapshot: BookSnapshot;
  /** Only this opportunity's cards, all of them (the opportunity screen). */
  readonly opportunityId?: string | undefined;
  /** The pipeline rows on screen after the stage filter and search (default: every open row). */
  readonly visible?: readonly PipelineRow[] | undefined;
}

function select(
  snapshot: BookSnapshot,
  opportunityId: string | undefined,
  visible: readonly PipelineRow[] | undefined,
): RecommendationSelection {
  if (opportunityId !== undefined) {
    // One opportunity's cards, as the book's list has them (open opportunities only), without
    // judging the whole book: the screen opened by a click shows at once on a large book.
    const opp = snapshot.opportunities.find((o) => o.id === opportunityId);
    const cards = opp === undefined ? [] : recommendationsFor(opp, new Date(), undefined, snapshot.org.timeZone);
    const all = rankRecommendations(cards);
    return { all, top: all };
  }
  return selectRecommendations(bookRecommendations(snapshot, new Date()), visible ?? pipelineRows(snapshot));
}

/** The recommendation cards of the whole book (or of the visible rows), or of one opportunity. */
export function RecommendationList({ snapshot, opportunityId, visible }: RecommendationListProps) {
  const { device, view, lookups } = useBook();
  const selection = useMemo(() => select(snapshot, opportunityId, visible), [snapshot, opportunityId, visible]);
  const words = useMemo(
    () => new Map(recommendationCards(selection.all, snapshot).map((c) => [c.id, c])),
    [selection, snapshot],
  );
  const [expanded, setExpanded] = useState(false);
  const [problem, setProblem] = useState<{ cardId: string; text: string } | null>(null);
  const [logFor, setLogFor] = useState<{ opportunityId: string; contactId: string | null } | null>(null);
  const [logged, setLogged] = useState<{ opportunityId: string; intentId: string } | null>(null);
  const dismissToast = useCallback(() => setLogged(null), []);

  const detailOf = (id: string) => {
    const o = view.getOpportunity(id);
    return o === undefined ? null : opportunityDetail(o, snapshot, lookups);
  };
  const moveCloseDate = (card: Recommendation) => {
    const value = dateAfter(new Date(), MOVE_CLOSE_DATE_DAYS);
    const r = device.editField({ sobject: "Opportunity", recordId: card.opportunityId, field: "CloseDate", value });
    setProblem(r.ok ? null : { cardId: card.id, text: fieldErrorText("CloseDate", r.error.code) });
  };

  const onePage = opportunityId !== undefined;
  const shown = expanded || onePage ? selection.all : selection.top;
  const logDetail = logFor === null ? null : detailOf(logFor.opportunityId);
  const loggedDetail = logged === null ? null : detailOf(logged.opportunityId);
  if (selection.all.length === 0 && logDetail === null && logged === null) return null;
  const moveTo = formatDate(dateAfter(new Date(), MOVE_CLOSE_DATE_DAYS));
  return (
    <section className="recommendations" aria-labelledby="reco-title" data-testid="recommendations">
      <h2 id="reco-title">
        Recommended next steps <span className="count">{selection.all.length}</span>
      </h2>
      {!onePage && !expanded && selection.all.length > shown.length && (
        <p className="muted small" data-testid="reco-summary">
          The {shown.length} most urgent of {selection.all.length}, one per deal.
        </p>
      )}
      <ul className="cards">
        {shown.map((card) => {
          const text = words.get(card.id);
          const contactCount = (() => {
            const o = view.getOpportunity(card.opportunityId);
            return o === undefined ? 0 : o.keyContacts.length + o.otherContacts.length;
          })();
          return (
            <li
              key={card.id}
              className={`card reco reco-${card.kind} severity-${card.severity}`}
              data-testid="recommendation"
              data-kind={card.kind}
              data-opportunity-id={card.opportunityId}
            >
              <span className="reco-icon" aria-hidden="true">
                {RECOMMENDATION_ICON[card.kind]}
              </span>
              <div>
                <strong data-testid="reco-title">{recommendationTitle(card, text?.title ?? card.title)}</strong>
                {!onePage && (
                  <a className="reco-opp" href={routeHref({ screen: "opportunity", id: card.opportunityId })}>
                    {text?.opportunityName ?? card.opportunityId}
                  </a>
                )}
                <p className="muted small">{RECOMMENDATION_HINT[card.kind]}</p>
                {card.nextMeeting !== null && (
                  <p className="reco-next-meeting small" data-testid="reco-next-meeting">
                    <span aria-hidden="true">◷ </span>
                    {nextMeetingText(card.nextMeeting)}
                  </p>
                )}
                <div className="reco-fixes">
                  {recommendationFixes(card.kind).map((fix) =>
                    fix === "move-close-date" ? (
                      <button
                        key={fix}
                        type="button"
                        className="small-button"
                        data-testid="reco-move-close-date"
                        aria-label={`Move to ${moveTo}: the close date of ${text?.opportunityName ?? card.opportunityId}`}
                        onClick={() => moveCloseDate(card)}
                      >
                        Move to {moveTo}
                      </button>
                    ) : (
                      contactCount > 0 && (
                        <button
                          key={fix}
                          type="button"
                          className="small-button"
                          aria-label={`Log a call on ${text?.opportunityName ?? card.opportunityId}`}
                          data-testid="reco-log-call"
                          onClick={() => setLogFor({ opportunityId: card.opportunityId, contactId: card.contactId })}
                        >
                          Log a call
                        </button>
                      )
                    ),
                  )}
                </div>
                {problem?.cardId === card.id && (
                  <p className="error-text small" role="alert">
                    {problem.text}
                  </p>
                )}
              </div>
            </li>
          );
        })}
      </ul>
      {!onePage && selection.all.length > selection.top.length && (
        <button type="button" className="link" data-testid="reco-toggle" onClick={() => setExpanded(!expanded)}>
          {expanded ? "Show fewer" : `Show all ${selection.all.length}`}
        </button>
      )}
      {logFor !== null && logDetail !== null && (
        <LogActivityDialog
          opportunityId={logDetail.row.id}
          opportunityName={logDetail.row.name}
          contacts={[...logDetail.keyContacts, ...logDetail.otherContacts]}
          initialContactId={logFor.contactId}
          onClose={() => setLogFor(null)}
          onLogged={(intentId) => setLogged({ opportunityId: logDetail.row.id, intentId })}
        />
      )}
      {logged !== null && (
        <LoggedToast
          activity={loggedDetail?.activities.find((a) => a.intentId === logged.intentId) ?? null}
          onDismiss={dismissToast}
        />
      )}
    </section>
  );
}
