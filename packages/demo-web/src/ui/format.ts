/**
 * Display formatting for the pipeline: amounts and dates as a salesperson reads them.
 *
 * Invariant: pure functions of their input and an explicit locale; `null` shows as an em dash.
 */

/** Formats an opportunity amount, `null` as "—". */
export function formatAmount(amount: number | null, currency = "USD", locale = "en-US"): string {
  if (amount === null) return "—";
  return new Intl.NumberFormat(locale, { style: "currency", currency, maximumFractionDigits: 0 }).format(amount);
}

/** Formats a Salesforce date (`YYYY-MM-DD`) for display without shifting it across time zones. */
export function formatDate(date: string | null, locale = "en-US"): string {
  if (date === null) return "—";
  const [y, m, d] = date.split("-").map(Number);
  if (y === undefined || m === undefined || d === undefined || Number.isNaN(y + m + d)) return date;
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone: "UTC" }).format(
    new Date(Date.UTC(y, m - 1, d)),
  );
}

/** Formats an ISO datetime (or a `YYYY-MM-DD` date) as a short local date and time. */
export function formatDateTime(iso: string | null, locale = "en-US", timeZone?: string): string {
  if (iso === null) return "—";
  if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) return formatDate(iso, locale);
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, {
    dateStyle: "medium",
    timeStyle: "short",
    ...(timeZone === undefined ? {} : { timeZone }),
  }).format(date);
}

/** Formats a probability percentage, `null` as "—". */
export function formatPercent(value: number | null): string {
  return value === null ? "—" : `${Math.round(value)}%`;
}
