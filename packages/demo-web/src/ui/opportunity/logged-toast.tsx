/**
 * The toast after logging an activity: its subject and receipt, following it until it is in
 * Salesforce, then dismissing itself.
 */
import { useEffect } from "react";
import type { ActivityView } from "../../view-model/view-model.js";
import { ReceiptBadge } from "../receipt-badge.js";

/** Props of {@link LoggedToast}. */
export interface LoggedToastProps {
  /** The logged activity, or null before the view lists it. */
  readonly activity: ActivityView | null;
  readonly onDismiss: () => void;
}

/** The toast. */
export function LoggedToast({ activity, onDismiss }: LoggedToastProps) {
  const settled = activity?.receipt?.status === "applied";
  useEffect(() => {
    // Once in Salesforce the toast has said what it had to; the activity list keeps the status.
    if (!settled) return;
    const timer = setTimeout(onDismiss, 6_000);
    return () => clearTimeout(timer);
  }, [settled, onDismiss]);
  return (
    <div className="toast" role="status" data-testid="log-toast">
      {activity === null ? (
        <span>Logged.</span>
      ) : (
        <>
          <span>
            <strong>{activity.subject}</strong>
          </span>
          {activity.receipt !== null && <ReceiptBadge receipt={activity.receipt} intentId={activity.intentId} />}
        </>
      )}
      <button type="button" className="link" onClick={onDismiss} aria-label="Dismiss this notice">
        ✕
      </button>
    </div>
  );
}
