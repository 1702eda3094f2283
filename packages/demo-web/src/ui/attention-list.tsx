/**
 * The "Needs attention" screen (`#/attention`), reached from the status bar's "N need
 * attention" link: the book's open conflicts and failed changes, each linking to the
 * opportunity where the user settles it.
 */
import { useMemo } from "react";
import { attentionItems } from "./attention-items.js";
import { useSnapshot } from "./book-context.js";
import { routeHref } from "./use-hash-route.js";

/** The hash of the attention screen. */
export const ATTENTION_HASH = "#/attention";

/** The attention screen. */
export function AttentionList() {
  const snapshot = useSnapshot();
  const items = useMemo(() => attentionItems(snapshot), [snapshot]);
  return (
    <main className="page" aria-labelledby="attention-title" data-route={ATTENTION_HASH}>
      <a className="back" href={routeHref({ screen: "pipeline" })}>
        ← Pipeline
      </a>
      <h1 id="attention-title" tabIndex={-1}>
        Needs attention
      </h1>
      {items.length === 0 ? (
        <p className="muted" data-testid="attention-empty">
          Nothing needs attention: every change reached Salesforce.
        </p>
      ) : (
        <ul className="attention-list" data-testid="attention-list">
          {items.map((item) => (
            <li key={item.intentId} className={`attention-item ${item.kind}`} data-testid="attention-item">
              <strong>{item.what}</strong>
              {item.opportunity !== null && (
                <>
                  {" on "}
                  <a href={routeHref({ screen: "opportunity", id: item.opportunity.id })}>{item.opportunity.name}</a>
                </>
              )}
              <span className="attention-status">{item.kind === "conflict" ? "Conflict" : "Not saved"}</span>
              <p className="muted small">{item.detail}</p>
            </li>
          ))}
        </ul>
      )}
    </main>
  );
}
