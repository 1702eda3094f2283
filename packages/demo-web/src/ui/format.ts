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
