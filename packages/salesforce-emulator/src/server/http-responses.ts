/**
 * The Salesforce-shaped HTTP answers the server gives outside the data API router: a JSON error
 * array with the JSON content type, and the `Sforce-Limit-Info` header.
 */
import type { ApiUsageView } from "../api/api-types.js";

/** The content type of every JSON answer under `/services`. */
export const JSON_TYPE = "application/json;charset=UTF-8";

/** `[{"message","errorCode"}]` with `status`. */
export function errorArray(
  status: number,
  errorCode: string,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify([{ message, errorCode }]), {
    status,
    headers: { "Content-Type": JSON_TYPE, ...headers },
  });
}

/** `Sforce-Limit-Info: api-usage=used/max`, read now. */
export function limitHeader(usage: ApiUsageView): Record<string, string> {
  return { "Sforce-Limit-Info": `api-usage=${usage.used()}/${usage.max()}` };
}
