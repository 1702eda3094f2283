/**
 * A field edit that came back as a conflict (what you saw, what you set, what Salesforce has
 * now: keep theirs or re-apply mine) or as a failure (try again). Each choice is a new intent;
 * the panel stays until the engine no longer lists the edit as a problem.
 *
 * For assistive technology the panel is a group named by the field ("Amount"), each choice
 * is described by the values it picks, and when the panel leaves with focus inside it, focus
 * moves to the Details card's heading (`focus.ts`).
 */

import type { DeviceInputErrorCode } from "@tandem/engine";
import { useId, useRef, useState } from "react";
import type { FieldSpec } from "../../view-model/field-specs.js";
import type { EditView } from "../../view-model/view-model.js";
import { useBook } from "../book-context.js";
import { useFocusRescue } from "../focus.js";
import { ReceiptBadge } from "../receipt-badge.js";
import { fieldErrorText, fieldLabel, showValue } from "./field-text.js";

/** The element focus moves to when a settled panel leaves with focus inside it (the Details heading). */
export const CONFLICT_FOCUS_FALLBACK_ID = "fields-title";

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
  const ref = useRef<HTMLFieldSetElement>(null);
  const id = useId();
  useFocusRescue(ref, () => document.getElementById(CONFLICT_FOCUS_FALLBACK_ID));
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
    <fieldset ref={ref} className={`conflict ${isConflict ? "" : "failed"}`} data-testid="conflict">
      <legend className="conflict-legend">{label}</legend>
      <ReceiptBadge receipt={edit.receipt} what="edit" intentId={edit.intentId} />
      {isConflict && conflict !== null ? (
        <dl className="conflict-values">
          <dt>You saw</dt>
          <dd>{showValue(edit.field, conflict.base, spec?.type)}</dd>
          <dt>You set</dt>
          <dd id={`${id}-mine`} data-testid="conflict-mine">
            {showValue(edit.field, conflict.mine, spec?.type)}
          </dd>
          <dt>Salesforce now</dt>
          <dd id={`${id}-theirs`} data-testid="conflict-theirs">
            {showValue(edit.field, conflict.theirs, spec?.type)}
          </dd>
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
              aria-describedby={conflict === null ? undefined : `${id}-theirs`}
              data-testid="keep-theirs"
            >
              Keep theirs
            </button>
            <button
              type="button"
              className="primary"
              aria-describedby={conflict === null ? undefined : `${id}-mine`}
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
