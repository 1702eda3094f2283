/**
 * Where a created Task keeps its idempotency key (docs/protocol.md §4, write-ahead).
 *
 * Default: the standard `CallObject` field (string 255, filterable, round-trips, rarely shown
 * in layouts), holding `tandem:<key>` — no change to the customer's org. When an org has a
 * unique External ID field on Task, configure `externalIdField`: creates become upserts on
 * it, retry-safe by construction.
 */

/** How Task creates carry their idempotency key. */
export interface IdempotencyConfig {
  /** Standard field holding `prefix + key`. Default `CallObject`. Must be filterable. */
  readonly field?: string | undefined;
  /** Prefix marking Tandem's keys in that field. Default `tandem:`. */
  readonly prefix?: string | undefined;
  /** A unique External ID field on Task (e.g. `Tandem_Key__c`): creates upsert on it. */
  readonly externalIdField?: string | undefined;
}

/** The resolved configuration. */
export interface ResolvedIdempotency {
  readonly field: string;
  /** The value stored for a key. */
  readonly valueOf: (key: string) => string;
  /** The key of a stored value, or null when it is not one of ours. */
  readonly keyOf: (value: unknown) => string | null;
  readonly externalIdField: string | undefined;
}

const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/** Thrown for a field name that is not a plain API name. */
export class InvalidFieldNameError extends Error {
  override readonly name = "InvalidFieldNameError";
}

/** True for a plain field API name (safe in SOQL and URLs). */
export function isFieldName(name: string): boolean {
  return FIELD_NAME.test(name);
}

/** Checks a field API name (so it can be put in SOQL and URLs). */
export function checkFieldName(name: string): string {
  if (!FIELD_NAME.test(name)) throw new InvalidFieldNameError(`not a field API name: ${JSON.stringify(name)}`);
  return name;
}

/** Resolves the configuration, defaults applied. */
export function resolveIdempotency(config: IdempotencyConfig | undefined): ResolvedIdempotency {
  if (config?.externalIdField !== undefined) {
    const field = checkFieldName(config.externalIdField);
    return {
      field,
      valueOf: (key) => key,
      keyOf: (value) => (typeof value === "string" && value !== "" ? value : null),
      externalIdField: field,
    };
  }
  const field = checkFieldName(config?.field ?? "CallObject");
  const prefix = config?.prefix ?? "tandem:";
  return {
    field,
    valueOf: (key) => `${prefix}${key}`,
    keyOf: (value) => (typeof value === "string" && value.startsWith(prefix) ? value.slice(prefix.length) : null),
    externalIdField: undefined,
  };
}
