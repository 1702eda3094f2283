/**
 * A receipt's status as a badge, with its reason and next step when something went wrong.
 * Given the intent's id it says whether this device or another one made the change (the
 * intent carries its `device`; this device knows its own id).
 */
import { type BookMaps, bookMaps } from "@tandem/engine";
import { useContext } from "react";
import type { ReceiptView } from "../view-model/view-model.js";
import { BookContext } from "./book-context.js";
import { type IntentAuthor, receiptText } from "./receipt-text.js";

/** Who wrote intent `intentId`: the intent carries its `device`, compared with this device's id. */
export function intentAuthor(intents: BookMaps["intents"], intentId: string, myDeviceId: string): IntentAuthor {
  const device: unknown = intents.get(intentId)?.device;
  if (typeof device !== "string") return "unknown";
  return device === myDeviceId ? "this-device" : "other-device";
}

/** Who wrote intent `intentId` of the open book, as far as this device can tell. */
export function useIntentAuthor(intentId: string | null | undefined): IntentAuthor {
  const book = useContext(BookContext);
  if (book === null || intentId === null || intentId === undefined) return "unknown";
  return intentAuthor(bookMaps(book.connection.doc).intents, intentId, book.device.deviceId);
}

/** Props of {@link ReceiptBadge}. */
export interface ReceiptBadgeProps {
  readonly receipt: ReceiptView;
  readonly what?: "activity" | "edit" | undefined;
  /** The intent the receipt is for, to tell this device's changes from another device's. */
  readonly intentId?: string | null | undefined;
}

/** Shows one receipt. */
export function ReceiptBadge({ receipt, what = "activity", intentId }: ReceiptBadgeProps) {
  const author = useIntentAuthor(intentId);
  const text = receiptText(receipt, what, author === "other-device" ? "other-device" : "this-device");
  return (
    <span className="receipt" data-author={author}>
      <span className={`badge badge-${text.tone}`} data-testid="receipt-status" data-status={receipt.status}>
        {text.label}
      </span>
      {text.detail !== null && <span className="receipt-detail">{text.detail}</span>}
      {text.action !== null && <span className="receipt-action">{text.action}</span>}
    </span>
  );
}
