/**
 * The Details card: the opportunity's editable fields with the pending-edit overlay, the
 * conflicted or failed edits to act on, and the edit form. Saving writes one `editField`
 * intent per changed field, so each change syncs (and can conflict) on its own.
 *
 * Invariant: a form is all or nothing (issue 25, bug 2): every changed field is checked first
 * (the engine's `editFields`, through `saveDraft`), every field's error shows at once, and the
 * changes are written in one transaction only when all are valid.
 */
import type { Device } from "@tandem/engine";
import { type FormEvent, useState } from "react";
import {
  EDITABLE_OPPORTUNITY_FIELDS,
  type EditableField,
  type OpportunityDetail,
  type PipelineRow,
} from "../../view-model/view-model.js";
import { useBook } from "../book-context.js";
import { ReceiptBadge } from "../receipt-badge.js";
import { ConflictPanel } from "./conflict-panel.js";
import {
  FIELD_LABEL,
  fieldErrorText,
  fieldValue,
  formErrorSummary,
  parseInput,
  STAGES,
  showValue,
} from "./field-text.js";

const fields = EDITABLE_OPPORTUNITY_FIELDS;

/** The draft text of each field while the form is open. */
type Draft = Record<string, string>;

/** Each refused field's error, in the form's words. */
type FieldErrors = Partial<Record<EditableField, string>>;

/**
 * Saves a draft as one form: the changed fields, or every field's error with nothing written.
 *
 * @remarks Exported for tests; pure apart from the one `device.editFields` call, which writes
 * either all changes or none.
 */
export function saveDraft(device: Pick<Device, "editFields">, row: PipelineRow, draft: Draft): FieldErrors | null {
  const changes: Array<{ field: EditableField; value: unknown }> = [];
  for (const f of fields) {
    const text = draft[f] ?? "";
    const value = parseInput(f, text);
    // Text that is not a number goes to the engine as typed, so it is refused with the rest.
    if (value === undefined) changes.push({ field: f, value: text });
    else if (value !== fieldValue(row, f)) changes.push({ field: f, value });
  }
  const result = device.editFields(
    changes.map(({ field, value }) => ({ sobject: "Opportunity" as const, recordId: row.id, field, value })),
  );
  if (result.ok) return null;
  const errors: FieldErrors = {};
  for (const e of result.errors) {
    const field = changes[e.index]?.field;
    if (field !== undefined) errors[field] ??= fieldErrorText(field, e.error.code);
  }
  return errors;
}

/** The card. */
export function FieldsCard({ detail }: { detail: OpportunityDetail }) {
  const { device } = useBook();
  const { row } = detail;
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState<Draft>({});
  const [errors, setErrors] = useState<FieldErrors>({});

  const start = () => {
    const initial: Draft = {};
    for (const f of fields) {
      const v = fieldValue(row, f);
      initial[f] = v === null || v === undefined ? "" : String(v);
    }
    setDraft(initial);
    setErrors({});
    setEditing(true);
  };

  const save = (event: FormEvent) => {
    event.preventDefault();
    const refused = saveDraft(device, row, draft);
    setErrors(refused ?? {});
    if (refused === null) setEditing(false);
  };

  return (
    <section className="card card-fields" aria-labelledby="fields-title" data-testid="fields">
      <div className="card-head">
        <h2 id="fields-title">Details</h2>
        {!editing && (
          <button type="button" onClick={start} data-testid="edit-fields">
            Edit
          </button>
        )}
      </div>
      {detail.problems.map((e) => (
        <ConflictPanel key={e.intentId} edit={e} recordId={row.id} />
      ))}
      {editing ? (
        <FieldsForm
          row={row}
          draft={draft}
          errors={errors}
          onChange={setDraft}
          onSave={save}
          onCancel={() => setEditing(false)}
        />
      ) : (
        <FieldList detail={detail} />
      )}
    </section>
  );
}

function FieldsForm(props: {
  row: PipelineRow;
  draft: Draft;
  errors: FieldErrors;
  onChange: (draft: Draft) => void;
  onSave: (event: FormEvent) => void;
  onCancel: () => void;
}) {
  const { draft, errors } = props;
  const refused = fields.filter((f) => errors[f] !== undefined);
  return (
    <form className="stack" onSubmit={props.onSave} aria-label="Edit opportunity" noValidate>
      {refused.length > 0 && (
        <p className="error-text form-error-summary" role="alert" data-testid="form-error-summary">
          {formErrorSummary(refused)}
        </p>
      )}
      {fields.map((f) => {
        const error = errors[f];
        return (
          <div className={error === undefined ? "field" : "field field-invalid"} key={f}>
            <label htmlFor={`field-${f}`}>{FIELD_LABEL[f]}</label>
            <FieldInput
              field={f}
              stage={props.row.stage}
              value={draft[f] ?? ""}
              invalid={error !== undefined}
              onChange={(value) => props.onChange({ ...draft, [f]: value })}
            />
            {error !== undefined && (
              <p className="field-error" id={`field-${f}-error`} data-testid={`field-error-${f}`}>
                {error}
              </p>
            )}
          </div>
        );
      })}
      <div className="row-actions">
        <button type="submit" className="primary" data-testid="save-fields">
          Save
        </button>
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function FieldInput(props: {
  field: EditableField;
  /** The row's current stage, offered even when it is not a default one. */
  stage: string;
  value: string;
  invalid: boolean;
  onChange: (value: string) => void;
}) {
  const { field: f } = props;
  const a11y = {
    "aria-invalid": props.invalid,
    "aria-describedby": props.invalid ? `field-${f}-error` : undefined,
  };
  if (f === "StageName") {
    return (
      <select id={`field-${f}`} {...a11y} value={props.value} onChange={(e) => props.onChange(e.target.value)}>
        {[...new Set([...STAGES, props.stage])].map((s) => (
          <option key={s} value={s}>
            {s}
          </option>
        ))}
      </select>
    );
  }
  if (f === "Description") {
    return (
      <textarea
        id={`field-${f}`}
        {...a11y}
        rows={3}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
      />
    );
  }
  return (
    <input
      id={`field-${f}`}
      {...a11y}
      type={f === "CloseDate" ? "date" : "text"}
      inputMode={f === "Amount" || f === "Probability" ? "decimal" : undefined}
      value={props.value}
      onChange={(e) => props.onChange(e.target.value)}
    />
  );
}

function FieldList({ detail }: { detail: OpportunityDetail }) {
  const { row } = detail;
  return (
    <dl className="fields">
      {fields.map((f) => {
        const pending = detail.pending.get(f);
        return (
          <div key={f} className={pending === undefined ? "" : "pending-field"} data-testid={`field-${f}`}>
            <dt>{FIELD_LABEL[f]}</dt>
            <dd>
              <span data-testid="field-value">{showValue(f, fieldValue(row, f))}</span>
              {pending !== undefined && (
                <ReceiptBadge receipt={pending.receipt} what="edit" intentId={pending.intentId} />
              )}
            </dd>
          </div>
        );
      })}
      <div>
        <dt>Forecast</dt>
        <dd>{row.forecastCategory ?? "—"}</dd>
      </div>
    </dl>
  );
}
