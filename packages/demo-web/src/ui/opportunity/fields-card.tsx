/**
 * The Details card: the opportunity's editable fields with the pending-edit overlay, the
 * conflicted or failed edits to act on, and the edit form. Saving writes one `editField`
 * intent per changed field, so each change syncs (and can conflict) on its own.
 */
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
import { FIELD_LABEL, fieldValue, parseInput, STAGES, showValue } from "./field-text.js";

const fields = EDITABLE_OPPORTUNITY_FIELDS;

/** The draft text of each field while the form is open. */
type Draft = Record<string, string>;

/** The card. */
export function FieldsCard({ detail }: { detail: OpportunityDetail }) {
  const { device } = useBook();
  const { row } = detail;
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState<Draft>({});
  const [error, setError] = useState<string | null>(null);

  const start = () => {
    const initial: Draft = {};
    for (const f of fields) {
      const v = fieldValue(row, f);
      initial[f] = v === null || v === undefined ? "" : String(v);
    }
    setDraft(initial);
    setError(null);
    setEditing(true);
  };

  const save = (event: FormEvent) => {
    event.preventDefault();
    const changes: Array<{ field: EditableField; value: unknown }> = [];
    for (const f of fields) {
      const value = parseInput(f, draft[f] ?? "");
      if (value === undefined) {
        setError(`${FIELD_LABEL[f]} must be a number.`);
        return;
      }
      if (value !== fieldValue(row, f)) changes.push({ field: f, value });
    }
    for (const { field, value } of changes) {
      const result = device.editField({ sobject: "Opportunity", recordId: row.id, field, value });
      if (!result.ok) {
        setError(`${FIELD_LABEL[field]}: ${result.error.message}`);
        return;
      }
    }
    setEditing(false);
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
          error={error}
          onChange={setDraft}
          onSave={save}
          onCancel={() => setEditing(false)}
        />
      ) : (
        <FieldList detail={detail} />
      )}
      {error !== null && !editing && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

function FieldsForm(props: {
  row: PipelineRow;
  draft: Draft;
  error: string | null;
  onChange: (draft: Draft) => void;
  onSave: (event: FormEvent) => void;
  onCancel: () => void;
}) {
  const { draft } = props;
  return (
    <form className="stack" onSubmit={props.onSave} aria-label="Edit opportunity">
      {fields.map((f) => (
        <div className="field" key={f}>
          <label htmlFor={`field-${f}`}>{FIELD_LABEL[f]}</label>
          <FieldInput
            field={f}
            stage={props.row.stage}
            value={draft[f] ?? ""}
            onChange={(value) => props.onChange({ ...draft, [f]: value })}
          />
        </div>
      ))}
      {props.error !== null && (
        <p className="error-text" role="alert">
          {props.error}
        </p>
      )}
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
  onChange: (value: string) => void;
}) {
  const { field: f } = props;
  if (f === "StageName") {
    return (
      <select id={`field-${f}`} value={props.value} onChange={(e) => props.onChange(e.target.value)}>
        {[...new Set([...STAGES, props.stage])].map((s) => (
          <option key={s} value={s}>
            {s}
          </option>
        ))}
      </select>
    );
  }
  if (f === "Description") {
    return <textarea id={`field-${f}`} rows={3} value={props.value} onChange={(e) => props.onChange(e.target.value)} />;
  }
  return (
    <input
      id={`field-${f}`}
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
              {pending !== undefined && <ReceiptBadge receipt={pending.receipt} what="edit" />}
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
