/**
 * Display formatting for the pipeline: amounts and dates as a salesperson reads them.
 *
 * Invariant: pure functions of their input and an explicit locale; `null` shows as an em dash.
 * The `Intl` formatters are built once per set of options and reused: building one costs far
 * more than formatting with it, and the pipeline formats every row's amount and date (5,000
 * rows of a large book took 0.8 s with a formatter per call).
 */

const numberFormats = new Map<string, Intl.NumberFormat>();
const dateFormats = new Map<string, Intl.DateTimeFormat>();

function numberFormat(locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let format = numberFormats.get(key);
  if (format === undefined) {
    format = new Intl.NumberFormat(locale, options);
    numberFormats.set(key, format);
  }
  return format;
}

function dateFormat(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let format = dateFormats.get(key);
  if (format === undefined) {
    format = new Intl.DateTimeFormat(locale, options);
    dateFormats.set(key, format);
  }
  return format;
}

/** Formats an opportunity amount, `null` as "—". */
export function formatAmount(amount: number | null, currency = "USD", locale = "en-US"): string {
  if (amount === null) return "—";
  return numberFormat(locale, { style: "currency", currency, maximumFractionDigits: 0 }).format(amount);
}

/** Formats a Salesforce date (`YYYY-MM-DD`) for display without shifting it across time zones. */
export function formatDate(date: string | null, locale = "en-US"): string {
  if (date === null) return "—";
  const [y, m, d] = date.split("-").map(Number);
  if (y === undefined || m === undefined || d === undefined || Number.isNaN(y + m + d)) return date;
  return dateFormat(locale, { dateStyle: "medium", timeZone: "UTC" }).format(new Date(Date.UTC(y, m - 1, d)));
}

/** Formats an ISO datetime (or a `YYYY-MM-DD` date) as a short local date and time. */
export function formatDateTime(iso: string | null, locale = "en-US", timeZone?: string): string {
  if (iso === null) return "—";
  if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) return formatDate(iso, locale);
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return dateFormat(locale, {
    dateStyle: "medium",
    timeStyle: "short",
    ...(timeZone === undefined ? {} : { timeZone }),
  }).format(date);
}

/**
 * Formats a meeting's start as a weekday, a date and a time ("Thu, Dec 10, 10:00 AM"), in
 * `timeZone` when given, else the browser's.
 */
export function formatMeetingTime(iso: string, locale = "en-US", timeZone?: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return dateFormat(locale, {
    weekday: "short",
    month: "short",
    day: "numeric",
    hour: "numeric",
    minute: "2-digit",
    ...(timeZone === undefined ? {} : { timeZone }),
  })
    .format(date)
    .replace(/\u202f/g, " ");
}

/** Formats a probability percentage, `null` as "—". */
export function formatPercent(value: number | null): string {
  return value === null ? "—" : `${Math.round(value)}%`;
}

/** The local calendar day of `now` as `YYYY-MM-DD`. */
export function localDay(now: Date = new Date()): string {
  const pad = (n: number): string => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/**
 * What an open to-do's due date says: "Due Dec 27, 2026", or "Overdue since Nov 16, 2026" once
 * the day has passed (`today` is the user's local day, both `YYYY-MM-DD`).
 */
export function dueText(due: string | null, today: string, locale = "en-US"): string {
  if (due === null) return "No due date";
  return due < today ? `Overdue since ${formatDate(due, locale)}` : `Due ${formatDate(due, locale)}`;
}
