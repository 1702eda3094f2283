/**
 * `lookup`: which idempotency keys already became a Task, in chunked queries.
 *
 * Invariant: answers for every key asked; uses queryAll so a Task the user deleted since
 * still counts as written (never re-created behind their back).
 */
import type { IdempotencyKey, SalesforceId, SalesforcePortError } from "@tandem/engine";
import { readSalesforceId } from "@tandem/engine";
import { Effect, Result } from "effect";
import { type ReadSpec, runReads } from "../client/batch-reads.js";
import type { SalesforceClient } from "../client/salesforce-client.js";
import { chunkedStatements, select } from "../soql/builder.js";
import { soqlString } from "../soql/literal.js";
import type { ResolvedIdempotency } from "./idempotency.js";

/**
 * Looks keys up.
 *
 * @example
 * ```ts
 * const found = yield* lookupKeys(client, idem, [key]); // Map { key => "00T…" | null }
 * ```
 */
export function lookupKeys(
  client: SalesforceClient,
  idempotency: ResolvedIdempotency,
  keys: ReadonlyArray<IdempotencyKey>,
  options: { readonly maxUrlLength: number; readonly useComposite: boolean },
): Effect.Effect<ReadonlyMap<IdempotencyKey, SalesforceId | null>, SalesforcePortError> {
  return Effect.gen(function* () {
    const answer = new Map<IdempotencyKey, SalesforceId | null>();
    for (const key of keys) answer.set(key, null);
    const values = [...new Set(keys.map((key) => idempotency.valueOf(key)))];
    const statements = chunkedStatements(
      values,
      idempotency.field,
      soqlString,
      (c) =>
        select({
          fields: ["Id", idempotency.field, "CreatedDate"],
          from: "Task",
          where: [c],
          orderBy: "CreatedDate ASC",
        }),
      { baseUrlLength: client.queryUrlPrefixLength, maxUrlLength: options.maxUrlLength },
    );
    const specs: ReadSpec[] = statements.map((soql) => ({ kind: "query", soql, includeDeleted: true }));
    const results = yield* runReads(client, specs, { useComposite: options.useComposite });
    for (const result of results) {
      if (Result.isFailure(result)) return yield* Effect.fail(result.failure);
      if (result.success.kind !== "query") continue;
      for (const row of result.success.records) {
        const key = idempotency.keyOf(row[idempotency.field]) as IdempotencyKey | null;
        // The oldest Task wins if a key was ever written twice.
        if (key !== null && answer.has(key) && answer.get(key) === null)
          answer.set(key, readSalesforceId(String(row.Id)));
      }
    }
    return answer;
  });
}
