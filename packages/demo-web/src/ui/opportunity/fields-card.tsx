/**
 * The Details card: the opportunity's fields — the shape's editable ones and every configured
 * extra field, as the user's describe gives them — with the pending-edit overlay, the record
 * type, the configured fields the sync leaves out, the conflicted or failed edits to act on,
 * and the edit form. Saving writes one `editField` intent per changed field, so each change
 * syncs (and can conflict) on its own.
 *
 * Invariants: a form is all or nothing (issue 25, bug 2): every changed field is checked first
 * (the engine's `editFields`, through `saveDraft`), every field's error shows at once, and the
 * changes are written in one transaction only when all are valid. A read-only field (describe
 * says the user may not edit it) has no control and is never sent (issue 20). Opening the form
 * moves focus to its first control; saving or cancelling brings it back to "Edit".
 */
import type { Device, FieldNote } from "@tandem/engine";
import { type FormEvent, useEffect, useRef, useState } from "react";
import { draftText, type FieldSpec, parseDraft } from "../../view-model/field-specs.js";
import type { OpportunityDetail } from "../../view-model/view-model.js";
import { useBook } from "../book-context.js";
import { ReceiptBadge } from "../receipt-badge.js";
import { ConflictPanel } from "./conflict-panel.js";
import { FieldInput, fieldId, ReadOnlyField, ReadOnlyMarker } from "./field-input.js";
import { fieldErrorText, formErrorSummary, showValue } from "./field-text.js";

/** The draft text of each field while the form is open. */
type Draft = Record<string, string>;

/** Each refused field's error, in the form's words, by API name. */
type FieldErrors = Partial<Record<string, string>>;

const same = (a: unknown, b: unknown): boolean => (a ?? null) === (b ?? null);

/**
 * Saves a draft as one form: the changed editable fields, or every field's error with nothing
 * written. Read-only fields are never sent.
 *
 * @remarks Exported for tests; pure apart from the one `device.editFields` call, which writes
 * either all changes or none.
 */
export function saveDraft(
  device: Pick<Device, "editFields">,
  recordId: string,
  fields: readonly FieldSpec[],
  draft: Draft,
): FieldErrors | null {
  const changes: Array<{ spec: FieldSpec; value: unknown }> = [];
  for (const spec of fields) {
    if (spec.readOnly) continue;
    const text = draft[spec.name] ?? draftText(spec);
    const value = parseDraft(spec, text);
    // Text that is not a number goes to the engine as typed, so it is refused with the rest.
    if (value === undefined) changes.push({ spec, value: text });
    else if (!same(value, spec.value)) changes.push({ spec, value });
  }
  const result = device.editFields(
    changes.map(({ spec, value }) => ({ sobject: "Opportunity" as const, recordId, field: spec.name, value })),
  );
  if (result.ok) return null;
  const errors: FieldErrors = {};
  for (const e of result.errors) {
    const spec = changes[e.index]?.spec;
    if (spec !== undefined) errors[spec.name] ??= fieldErrorText(spec.name, e.error.code, spec);
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
  const card = useRef<HTMLElement>(null);
  const opened = useRef(false);
  useEffect(() => {
    // Keyboard focus follows the form: into it when it opens, back to "Edit" when it closes.
    if (editing) {
      opened.current = true;
      card.current?.querySelector<HTMLElement>("form input, form select, form textarea")?.focus();
    } else if (opened.current) {
      opened.current = false;
      card.current?.querySelector<HTMLElement>('[data-testid="edit-fields"]')?.focus();
    }
  }, [editing]);

  const start = () => {
    const initial: Draft = {};
    for (const spec of detail.fields) if (!spec.readOnly) initial[spec.name] = draftText(spec);
    setDraft(initial);
    setErrors({});
    setEditing(true);
  };

  const save = (event: FormEvent) => {
    event.preventDefault();
    const refused = saveDraft(device, row.id, detail.fields, draft);
    setErrors(refused ?? {});
    if (refused === null) setEditing(false);
  };

  return (
    <section ref={card} className="card card-fields" aria-labelledby="fields-title" data-testid="fields">
      <div className="card-head">
        <h2 id="fields-title" tabIndex={-1}>
          Details
        </h2>
        {!editing && (
          <button type="button" onClick={start} aria-label="Edit details" data-testid="edit-fields">
            Edit
          </button>
        )}
      </div>
      {detail.problems.map((e) => (
        <ConflictPanel
          key={e.intentId}
          edit={e}
          recordId={row.id}
          spec={detail.fields.find((f) => f.name === e.field)}
        />
      ))}
      {editing ? (
        <FieldsForm
          detail={detail}
          draft={draft}
          errors={errors}
          onChange={setDraft}
          onSave={save}
          onCancel={() => setEditing(false)}
        />
      ) : (
        <FieldList detail={detail} />
      )}
      <FieldNotes notes={detail.fieldNotes} />
    </section>
  );
}

function RecordTypeLine({ name }: { name: string | null }) {
  if (name === null) return null;
  return (
    <p className="record-type small" data-testid="record-type">
      <span className="muted">Record type</span> <strong>{name}</strong>
    </p>
  );
}

function FieldsForm(props: {
  detail: OpportunityDetail;
  draft: Draft;
  errors: FieldErrors;
  onChange: (draft: Draft) => void;
  onSave: (event: FormEvent) => void;
  onCancel: () => void;
}) {
  const { draft, errors, detail } = props;
  const refused = detail.fields.filter((f) => errors[f.name] !== undefined).map((f) => f.name);
  return (
    <form
      className="stack"
      onSubmit={props.onSave}
      // Escape cancels, as it closes a dialog.
      onKeyDown={(e) => {
        if (e.key === "Escape" && !e.defaultPrevented) {
          e.preventDefault();
          props.onCancel();
        }
      }}
      aria-label="Edit opportunity"
      noValidate
    >
      {refused.length > 0 && (
        <p className="error-text form-error-summary" role="alert" data-testid="form-error-summary">
          {formErrorSummary(refused, detail.fields)}
        </p>
      )}
      <RecordTypeLine name={detail.recordType} />
      {detail.fields.map((spec) => {
        if (spec.readOnly) return <ReadOnlyField key={spec.name} spec={spec} />;
        const error = errors[spec.name];
        const checkbox = spec.input.kind === "checkbox";
        const input = (
          <FieldInput
            spec={spec}
            value={draft[spec.name] ?? draftText(spec)}
            invalid={error !== undefined}
            onChange={(value) => props.onChange({ ...draft, [spec.name]: value })}
          />
        );
        return (
          <div
            className={`field${checkbox ? " field-check" : ""}${error === undefined ? "" : " field-invalid"}`}
            key={spec.name}
            data-testid={`form-field-${spec.name}`}
          >
            {checkbox && input}
            <label htmlFor={fieldId(spec.name)}>{spec.label}</label>
            {!checkbox && input}
            {error !== undefined && (
              <p className="field-error" id={`${fieldId(spec.name)}-error`} data-testid={`field-error-${spec.name}`}>
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

function FieldList({ detail }: { detail: OpportunityDetail }) {
  const { row } = detail;
  return (
    <dl className="fields">
      {detail.fields.map((spec) => {
        const pending = detail.pending.get(spec.name);
        return (
          <div
            key={spec.name}
            className={pending === undefined ? "" : "pending-field"}
            data-testid={`field-${spec.name}`}
            data-readonly={spec.readOnly ? "true" : undefined}
          >
            <dt>
              {spec.label}
              {spec.readOnly && <ReadOnlyMarker />}
            </dt>
            <dd>
              <span data-testid="field-value">{showValue(spec.name, spec.value, spec.type)}</span>
              {pending !== undefined && (
                <ReceiptBadge receipt={pending.receipt} what="edit" intentId={pending.intentId} />
              )}
            </dd>
          </div>
        );
      })}
      {detail.recordType !== null && (
        <div data-testid="field-RecordType">
          <dt>Record type</dt>
          <dd>{detail.recordType}</dd>
        </div>
      )}
      <div>
        <dt>Forecast</dt>
        <dd>{row.forecastCategory ?? "—"}</dd>
      </div>
    </dl>
  );
}

/** The configured fields the sync leaves out, and why, as a quiet note under the fields. */
function FieldNotes({ notes }: { notes: readonly FieldNote[] }) {
  if (notes.length === 0) return null;
  return (
    <div className="field-notes small" data-testid="field-notes">
      <p className="muted">
        {notes.length === 1 ? "One configured field is" : `${notes.length} configured fields are`} not synced:
      </p>
      <ul>
        {notes.map((n) => (
          <li key={`${n.sobject}.${n.field}`} data-testid="field-note">
            {n.message}
          </li>
        ))}
      </ul>
    </div>
  );
}
