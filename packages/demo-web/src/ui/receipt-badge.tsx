/**
 * A receipt's status as a badge, with its reason and next step when something went wrong.
 */
import type { ReceiptView } from "../view-model/view-model.js";
import { receiptText } from "./receipt-text.js";

/** Shows one receipt. */
export function ReceiptBadge({ receipt, what = "activity" }: { receipt: ReceiptView; what?: "activity" | "edit" }) {
  const text = receiptText(receipt, what);
  return (
    <span className="receipt">
      <span className={`badge badge-${text.tone}`} data-testid="receipt-status" data-status={receipt.status}>
        {text.label}
      </span>
      {text.detail !== null && <span className="receipt-detail">{text.detail}</span>}
      {text.action !== null && <span className="receipt-action">{text.action}</span>}
    </span>
  );
}
