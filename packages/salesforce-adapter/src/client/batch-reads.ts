/**
 * Runs many independent reads (queries, queryAll, getDeleted …) in as few API calls as
 * Salesforce allows: bundled into composite requests of at most 25 subrequests, at most 5 of
 * them queries, with every query's `nextRecordsUrl` pages followed in later bundles.
 *
 * Invariants: each read gets exactly one outcome (all its records, or its error, or with
 * `stopAbove` its first page marked truncated); a query's pages are fetched in order and each
 * record is returned once; with `useComposite: false`
 * (or a single pending read) reads go out as plain GETs.
 */
import type { SalesforcePortError } from "@tandem/engine";
import { Effect, Result } from "effect";
import { fromErrorItems, type SalesforceErrorItem } from "../errors/map-error.js";
import {
  asQueryPage,
  type CompositeSubrequest,
  type CompositeSubresponse,
  type SalesforceClient,
} from "./salesforce-client.js";

/** One read to run. */
export type ReadSpec =
  | {
      readonly kind: "query";
      readonly soql: string;
      readonly includeDeleted?: boolean | undefined;
      /**
       * When the query's `totalSize` is above this, only its first page is read and the outcome
       * is `truncated` (the caller reads it another way, e.g. a Bulk API 2.0 job).
       */
      readonly stopAbove?: number | undefined;
    }
  | { readonly kind: "get"; readonly url: string };

/** The outcome of a read: a query's records, or a GET's body. */
export type ReadOutcome =
  | {
      readonly kind: "query";
      readonly records: ReadonlyArray<Readonly<Record<string, unknown>>>;
      /** Set when `stopAbove` stopped the read after its first page: the query's `totalSize`. */
      readonly truncated?: number | undefined;
    }
  | { readonly kind: "get"; readonly body: unknown };

/** Composite limits (Salesforce: 25 subrequests, at most 5 of them query operations). */
export const COMPOSITE_MAX_SUBREQUESTS = 25;
export const COMPOSITE_MAX_QUERIES = 5;

interface Pending {
  readonly index: number;
  readonly url: string;
  readonly isQuery: boolean;
  /** Only on a query's first page (see `ReadSpec.stopAbove`). */
  readonly stopAbove?: number | undefined;
}

function subresponseError(sub: CompositeSubresponse): SalesforcePortError {
  const items = Array.isArray(sub.body) ? (sub.body as ReadonlyArray<SalesforceErrorItem>) : [];
  return fromErrorItems(
    items.length > 0 ? items : [{ errorCode: `ERROR_HTTP_${sub.status}`, message: `HTTP ${sub.status}` }],
    { method: "GET", status: sub.status },
  );
}

/**
 * Runs `specs` and returns one result per spec, in order.
 *
 * @remarks A failure of the whole composite call fails the effect; a failure of one
 * subrequest is that spec's `Result.fail`.
 * @example
 * ```ts
 * const [opps, deleted] = yield* runReads(client, [{ kind: "query", soql }, { kind: "get", url }]);
 * ```
 */
export function runReads(
  client: SalesforceClient,
  specs: ReadonlyArray<ReadSpec>,
  options: { readonly useComposite?: boolean | undefined } = {},
): Effect.Effect<ReadonlyArray<Result.Result<ReadOutcome, SalesforcePortError>>, SalesforcePortError> {
  return Effect.gen(function* () {
    const records: Array<Array<Readonly<Record<string, unknown>>>> = specs.map(() => []);
    const bodies: unknown[] = specs.map(() => undefined);
    const errors: Array<SalesforcePortError | undefined> = specs.map(() => undefined);
    const truncated: Array<number | undefined> = specs.map(() => undefined);
    let pending: Pending[] = specs.map((spec, index) =>
      spec.kind === "query"
        ? {
            index,
            url: client.queryUrl(spec.soql, spec.includeDeleted === true),
            isQuery: true,
            stopAbove: spec.stopAbove,
          }
        : { index, url: spec.url, isQuery: false },
    );
    const useComposite = options.useComposite ?? true;

    const accept = (item: Pending, sub: CompositeSubresponse, next: Pending[]) => {
      if (sub.status >= 400) {
        errors[item.index] = subresponseError(sub);
        return;
      }
      if (!item.isQuery) {
        bodies[item.index] = sub.body;
        return;
      }
      const page = asQueryPage(sub.body);
      records[item.index]?.push(...page.records);
      const total = (sub.body as { totalSize?: unknown } | null)?.totalSize;
      if (item.stopAbove !== undefined && typeof total === "number" && total > item.stopAbove) {
        truncated[item.index] = total;
        return;
      }
      if (!page.done && page.nextRecordsUrl !== undefined) {
        next.push({ index: item.index, url: page.nextRecordsUrl, isQuery: true });
      }
    };

    while (pending.length > 0) {
      const next: Pending[] = [];
      // Take a bundle: ≤ 25 subrequests, ≤ 5 queries; the rest waits for the next round.
      const bundle: Pending[] = [];
      const rest: Pending[] = [];
      let queries = 0;
      for (const item of pending) {
        const fits = bundle.length < COMPOSITE_MAX_SUBREQUESTS && (!item.isQuery || queries < COMPOSITE_MAX_QUERIES);
        if (fits && (useComposite || bundle.length === 0)) {
          bundle.push(item);
          if (item.isQuery) queries += 1;
        } else {
          rest.push(item);
        }
      }
      if (bundle.length === 1) {
        const only = bundle[0] as Pending;
        const result = yield* Effect.result(client.read({ method: "GET", url: only.url }));
        if (Result.isSuccess(result)) accept(only, { status: result.success.status, body: result.success.body }, next);
        else errors[only.index] = result.failure;
      } else {
        const subrequests: CompositeSubrequest[] = bundle.map((item) => ({ method: "GET", url: item.url }));
        const responses = yield* client.composite(subrequests);
        bundle.forEach((item, i) => {
          const sub = responses[i];
          if (sub !== undefined) accept(item, sub, next);
        });
      }
      pending = [...rest, ...next];
    }

    return specs.map((spec, index): Result.Result<ReadOutcome, SalesforcePortError> => {
      const error = errors[index];
      if (error !== undefined) return Result.fail(error);
      return spec.kind === "query"
        ? Result.succeed({ kind: "query", records: records[index] ?? [], truncated: truncated[index] })
        : Result.succeed({ kind: "get", body: bodies[index] });
    });
  });
}
