/**
 * The transport-free request/response of the data API, so that composite sub-requests run
 * through the same handlers synchronously, inside one store transaction.
 */

/** A data API request, path relative to `/services/data/vXX.X`. */
export interface ApiRequest {
  readonly method: string;
  /** E.g. `/sobjects/Account/001…` (no version prefix, no query string). */
  readonly path: string;
  readonly version: string;
  readonly query: URLSearchParams;
  header(name: string): string | undefined;
  /** Parsed JSON body; `undefined` when there was none. */
  readonly body: unknown;
  readonly userId: string;
}

/** A data API response. */
export interface ApiResponse {
  readonly status: number;
  /** JSON body; `undefined` for 204 or a text body. */
  readonly body?: unknown;
  /** A non-JSON body (Bulk API 2.0 CSV results), sent with its own Content-Type header. */
  readonly text?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Daily API usage, for `/limits`. */
export interface ApiUsageView {
  used(): number;
  max(): number;
}
