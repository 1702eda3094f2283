/**
 * A field edit that came back as a conflict (what you saw, what you set, what Salesforce has
 * now: keep theirs or re-apply mine) or as a failure (try again). Each choice is a new intent;
 * the panel stays until the engine no longer lists the edit as a problem.
 */

import type { DeviceInputErrorCode } from "@tandem/engine";
import { useState } from "react";
import type { FieldSpec } from "../../view-model/field-specs.js";
import type { EditView } from "../../view-model/view-model.js";
import { useBook } from "../book-context.js";
import { ReceiptBadge } from "../receipt-badge.js";
import { fieldErrorText, fieldLabel, showValue } from "./field-text.js";

/** Props of {@link ConflictPanel}. */
export interface ConflictPanelProps {
  readonly edit: EditView;
  /** The opportunity the edit is of. */
  readonly recordId: string;
  /** The edited field as the Details card shows it (a configured field's label and input). */
  readonly spec?: FieldSpec | undefined;
}

/** The panel. */
export function ConflictPanel({ edit, recordId, spec }: ConflictPanelProps) {
  const { device } = useBook();
  const [error, setError] = useState<string | null>(null);
  const report = (result: { ok: true } | { ok: false; error: { code: DeviceInputErrorCode; message: string } }) => {
    if (result.ok) setError(null);
    // The engine's message names the API field; the form's words do not (a field the card
    // does not describe keeps the engine's message).
    else if (spec === undefined && fieldLabel(edit.field) === edit.field) setError(result.error.message);
    else setError(fieldErrorText(edit.field, result.error.code, spec));
  };
  const label = fieldLabel(edit.field, spec);
  const conflict = edit.receipt.conflict;
  const isConflict = edit.receipt.status === "conflict";
  return (
    <fieldset className={`conflict ${isConflict ? "" : "failed"}`} data-testid="conflict">
      <legend className="conflict-legend">{label}</legend>
      <ReceiptBadge receipt={edit.receipt} what="edit" intentId={edit.intentId} />
      {isConflict && conflict !== null ? (
        <dl className="conflict-values">
          <dt>You saw</dt>
          <dd>{showValue(edit.field, conflict.base, spec?.type)}</dd>
          <dt>You set</dt>
          <dd data-testid="conflict-mine">{showValue(edit.field, conflict.mine, spec?.type)}</dd>
          <dt>Salesforce now</dt>
          <dd data-testid="conflict-theirs">{showValue(edit.field, conflict.theirs, spec?.type)}</dd>
        </dl>
      ) : (
        <p className="small">
          {label}: you set {showValue(edit.field, edit.value, spec?.type)}.
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
