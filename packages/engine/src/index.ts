/**
 * Public API of `@tandem/engine`: the pure core of Tandem. Explicit named exports only.
 */
export {
  InvalidSalesforceIdError,
  type InvalidSalesforceIdReason,
  isSalesforceId,
  keyPrefix,
  readSalesforceId,
  type SalesforceId,
  SalesforceIdSchema,
  to15,
  to18,
} from "./model/salesforce-id.js";
