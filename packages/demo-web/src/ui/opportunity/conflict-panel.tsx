/**
 * A field edit that came back as a conflict (what you saw, what you set, what Salesforce has
 * now: keep theirs or re-apply mine) or as a failure (try again). Each choice is a new intent;
 * the panel stays until the engine no longer lists the edit as a problem.
 */

import type { DeviceInputErrorCode } from "@tandem/engine";
import { useState } from "react";
import type { EditableField, EditView } from "../../view-model/view-model.js";
import { useBook } from "../book-context.js";
import { ReceiptBadge } from "../receipt-badge.js";
import { FIELD_LABEL, fieldErrorText, showValue } from "./field-text.js";

/** Props of {@link ConflictPanel}. */
export interface ConflictPanelProps {
  readonly edit: EditView;
  /** The opportunity the edit is of. */
  readonly recordId: string;
}

/** The panel. */
export function ConflictPanel({ edit, recordId }: ConflictPanelProps) {
  const { device } = useBook();
  const [error, setError] = useState<string | null>(null);
  const editable = Object.hasOwn(FIELD_LABEL, edit.field) ? (edit.field as EditableField) : null;
  const report = (result: { ok: true } | { ok: false; error: { code: DeviceInputErrorCode; message: string } }) => {
    if (result.ok) setError(null);
    // The engine's message names the API field; the form's words do not.
    else setError(editable === null ? result.error.message : fieldErrorText(editable, result.error.code));
  };
  const label = editable === null ? edit.field : FIELD_LABEL[editable];
  const conflict = edit.receipt.conflict;
  const isConflict = edit.receipt.status === "conflict";
  return (
    <fieldset className={`conflict ${isConflict ? "" : "failed"}`} data-testid="conflict">
      <legend className="conflict-legend">{label}</legend>
      <ReceiptBadge receipt={edit.receipt} what="edit" intentId={edit.intentId} />
      {isConflict && conflict !== null ? (
        <dl className="conflict-values">
          <dt>You saw</dt>
          <dd>{showValue(edit.field, conflict.base)}</dd>
          <dt>You set</dt>
          <dd data-testid="conflict-mine">{showValue(edit.field, conflict.mine)}</dd>
          <dt>Salesforce now</dt>
          <dd data-testid="conflict-theirs">{showValue(edit.field, conflict.theirs)}</dd>
        </dl>
      ) : (
        <p className="small">
          {label}: you set {showValue(edit.field, edit.value)}.
        </p>
      )}
      <div className="row-actions">
        {isConflict ? (
          <>
            <button
              type="button"
              onClick={() => report(device.resolveConflict(edit.intentId, "theirs"))}
              data-testid="keep-theirs"
            >
              Keep theirs
            </button>
            <button
              type="button"
              className="primary"
              data-testid="reapply-mine"
              onClick={() => report(device.resolveConflict(edit.intentId, "mine"))}
            >
              Re-apply mine
            </button>
          </>
        ) : (
          <button
            type="button"
            onClick={() =>
              report(device.editField({ sobject: "Opportunity", recordId, field: edit.field, value: edit.value }))
            }
          >
            Try again
          </button>
        )}
      </div>
      {error !== null && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
    </fieldset>
  );
}
