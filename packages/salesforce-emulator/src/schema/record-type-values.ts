/**
 * The picklist values each record type allows (its sales process for `StageName`), keyed by
 * `SobjectType.DeveloperName`. A record type not listed here, and the Master record type, allow
 * every value of the field.
 *
 * Invariant: every value listed is a value of the field's full picklist, in its order.
 */
import type { FieldDef } from "./schema-types.js";

/** The id every org gives the Master record type. */
export const MASTER_RECORD_TYPE_ID = "012000000000000AAA";

const RESTRICTED: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = {
  "Opportunity.Renewal": {
    StageName: ["Needs Analysis", "Proposal/Price Quote", "Negotiation/Review", "Closed Won", "Closed Lost"],
    Type: ["Existing Business"],
  },
};

/**
 * The values of picklist `f` of `sobject` that the record type `developerName` allows
 * (every value for the Master record type, `undefined`).
 *
 * @example picklistValuesFor("Opportunity", "Renewal", stageField) // ["Needs Analysis", …]
 */
export function picklistValuesFor(sobject: string, developerName: string | undefined, f: FieldDef): readonly string[] {
  const allowed = developerName === undefined ? undefined : RESTRICTED[`${sobject}.${developerName}`]?.[f.name];
  return allowed ? f.picklistValues.filter((v) => allowed.includes(v)) : f.picklistValues;
}
