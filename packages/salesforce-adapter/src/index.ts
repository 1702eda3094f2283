/**
 * Public API of `@tandem/salesforce-adapter`: the engine's Salesforce port on jsforce.
 */
export { soqlDate, soqlDateTime, soqlString } from "./soql/literal.js";
