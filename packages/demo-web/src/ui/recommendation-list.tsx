/**
 * Recommendation cards from the engine (no recent interaction, close date passed, closing
 * soon, no Key contact, new Key contact from email), each linking to its opportunity.
 */
import { type BookSnapshot, bookRecommendations, type RecommendationKind } from "@tandem/engine";
import { useMemo, useState } from "react";
import { recommendationCards } from "../view-model/view-model.js";
import { routeHref } from "./use-hash-route.js";

const ICON: Record<RecommendationKind, string> = {
  "no-recent-interaction": "◔",
  "close-date-passed": "!",
  "close-date-soon": "◷",
  "no-key-contact": "?",
  "new-key-contact": "★",
};

const HINT: Record<RecommendationKind, string> = {
  "no-recent-interaction": "Reach out to a Key contact.",
  "close-date-passed": "Update the close date or the stage.",
  "close-date-soon": "Make sure the next step is booked.",
  "no-key-contact": "Add a contact role, promote a contact, or import your calendar.",
  "new-key-contact": "Say hello, and check their role in the deal.",
};

const LIMIT = 6;

/** The recommendation cards of the whole book, or of one opportunity. */
export function RecommendationList({ snapshot, opportunityId }: { snapshot: BookSnapshot; opportunityId?: string }) {
  const all = useMemo(() => recommendationCards(bookRecommendations(snapshot, new Date()), snapshot), [snapshot]);
  const [expanded, setExpanded] = useState(false);
  const cards = opportunityId === undefined ? all : all.filter((c) => c.opportunityId === opportunityId);
  if (cards.length === 0) return null;
  const shown = expanded || opportunityId !== undefined ? cards : cards.slice(0, LIMIT);
  return (
    <section className="recommendations" aria-labelledby="reco-title" data-testid="recommendations">
      <h2 id="reco-title">
        Recommended next steps <span className="count">{cards.length}</span>
      </h2>
      <ul className="cards">
        {shown.map((card) => (
          <li
            key={card.id}
            className={`card reco reco-${card.kind} severity-${card.severity}`}
            data-testid="recommendation"
            data-kind={card.kind}
          >
            <span className="reco-icon" aria-hidden="true">
              {ICON[card.kind]}
            </span>
            <div>
              <strong>{card.title}</strong>
              {opportunityId === undefined && (
                <a className="reco-opp" href={routeHref({ screen: "opportunity", id: card.opportunityId })}>
                  {card.opportunityName}
                </a>
              )}
              <p className="muted small">{HINT[card.kind]}</p>
            </div>
          </li>
        ))}
      </ul>
      {cards.length > LIMIT && opportunityId === undefined && (
        <button type="button" className="link" onClick={() => setExpanded(!expanded)}>
          {expanded ? "Show fewer" : `Show all ${cards.length}`}
        </button>
      )}
    </section>
  );
}
