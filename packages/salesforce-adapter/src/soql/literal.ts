/**
 * SOQL literals: the only way user values enter a query string.
 *
 * Invariant: every value is escaped by its type (strings per the SOQL reserved-character
 * rules, dates and datetimes in Salesforce's literal formats), never concatenated raw.
 */

const ESCAPES: Record<string, string> = {
  "\\": "\\\\",
  "'": "\\'",
  '"': '\\"',
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\b": "\\b",
  "\f": "\\f",
};

/**
 * Quotes a string as a SOQL string literal.
 *
 * @remarks Escapes backslash, both quotes and control characters, as the SOQL reference
 * lists them. jsforce's own builder escapes only `'`, which lets a trailing backslash break
 * out of the literal.
 * @example
 * ```ts
 * soqlString("O'Brien"); // "'O\\'Brien'"
 * ```
 */
export function soqlString(value: string): string {
  return `'${value.replace(/[\\'"\n\r\t\b\f]/g, (ch) => ESCAPES[ch] ?? ch)}'`;
}

/**
 * Formats a JS Date as a SOQL datetime literal (`2024-05-01T10:00:00Z`, unquoted, UTC).
 *
 * @example
 * ```ts
 * soqlDateTime(new Date(Date.UTC(2024, 4, 1, 10))); // "2024-05-01T10:00:00Z"
 * ```
 */
export function soqlDateTime(value: Date): string {
  if (Number.isNaN(value.getTime())) throw new RangeError("soqlDateTime: invalid Date");
  return value.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * Formats a JS Date as a SOQL date literal (`2024-05-01`, unquoted, the UTC calendar day).
 */
export function soqlDate(value: Date): string {
  if (Number.isNaN(value.getTime())) throw new RangeError("soqlDate: invalid Date");
  return value.toISOString().slice(0, 10);
}
