/**
 * One field of the Details form: the input its {@link FieldSpec} calls for (a select with the
 * allowed values, a checkbox, a date, a decimal or a text input), or, for a field the user may
 * not edit, its value with a "read-only" marker and the reason for assistive technology.
 *
 * Invariant: a read-only field renders no form control, so nothing of it can be typed or sent.
 */
import { type FieldSpec, READ_ONLY_REASON } from "../../view-model/field-specs.js";
import { showValue } from "./field-text.js";

/** The id of a field's control (its label's `htmlFor`). */
export const fieldId = (name: string): string => `field-${name}`;

/** Props of {@link FieldInput}. */
export interface FieldInputProps {
  readonly spec: FieldSpec;
  /** The draft text (`"true"`/`"false"` for a checkbox). */
  readonly value: string;
  readonly invalid: boolean;
  readonly onChange: (value: string) => void;
}

/** The input of an editable field. */
export function FieldInput({ spec, value, invalid, onChange }: FieldInputProps) {
  const a11y = {
    id: fieldId(spec.name),
    "aria-invalid": invalid,
    "aria-describedby": invalid ? `${fieldId(spec.name)}-error` : undefined,
  };
  const input = spec.input;
  switch (input.kind) {
    case "select":
      return (
        <select {...a11y} value={value} onChange={(e) => onChange(e.target.value)}>
          {(input.allowNone || value === "") && <option value="">None</option>}
          {input.options.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      );
    case "checkbox":
      return (
        <input
          {...a11y}
          type="checkbox"
          className="field-checkbox"
          checked={value === "true"}
          onChange={(e) => onChange(e.target.checked ? "true" : "false")}
        />
      );
    case "textarea":
      return (
        <textarea
          {...a11y}
          rows={3}
          maxLength={input.maxLength ?? undefined}
          value={value}
          onChange={(e) => onChange(e.target.value)}
        />
      );
    case "date":
      return <input {...a11y} type="date" value={value} onChange={(e) => onChange(e.target.value)} />;
    case "decimal":
      return (
        <input {...a11y} type="text" inputMode="decimal" value={value} onChange={(e) => onChange(e.target.value)} />
      );
    case "text":
      return (
        <input
          {...a11y}
          type="text"
          maxLength={input.maxLength ?? undefined}
          value={value}
          onChange={(e) => onChange(e.target.value)}
        />
      );
  }
}

/** The small marker next to a read-only field's label, with the reason as its tooltip. */
export function ReadOnlyMarker() {
  return (
    <span className="badge badge-neutral readonly-marker" title={READ_ONLY_REASON} data-testid="read-only">
      read-only
    </span>
  );
}

/** A field the user may not edit, in the form: its label, value and marker; no control. */
export function ReadOnlyField({ spec }: { spec: FieldSpec }) {
  const id = fieldId(spec.name);
  return (
    <fieldset
      className="field field-readonly"
      aria-describedby={`${id}-readonly`}
      data-testid={`form-field-${spec.name}`}
      data-readonly="true"
    >
      <legend className="field-label" id={`${id}-label`}>
        {spec.label} <ReadOnlyMarker />
      </legend>
      <span className="readonly-value" data-testid="field-value">
        {showValue(spec.name, spec.value, spec.type)}
      </span>
      <span className="visually-hidden" id={`${id}-readonly`}>
        {READ_ONLY_REASON}
      </span>
    </fieldset>
  );
}
