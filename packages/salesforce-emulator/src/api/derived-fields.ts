/**
 * Fields Salesforce derives on every write: Contact `Name`; Opportunity
 * `IsClosed`, `IsWon`, probability and forecast category from the stage; Task `IsClosed`,
 * `CompletedDateTime`, `IsHighPriority` and `AccountId`; Event start, end, duration and
 * `AccountId`; a single primary contact role per opportunity.
 *
 * Invariant: derivation runs inside the writer's transaction, after the input is applied and
 * before required fields are checked, so a refused write stores none of it.
 */
import { SalesforceApiError } from "../schema/errors.js";
import type { ObjectDef } from "../schema/schema-types.js";
import { findStage, findTaskStatus } from "../store/org.js";
import type { SfRecord, SfValue } from "../store/org-store.js";
import { formatDate, formatDateTime, parseDateTime } from "../util/time.js";
import type { WriteContext } from "./write-context.js";

type Draft = Record<string, SfValue>;

const FORECAST_CATEGORY: Readonly<Record<string, string>> = {
  Pipeline: "Pipeline",
  "Best Case": "BestCase",
  Commit: "Forecast",
  Closed: "Closed",
  Omitted: "Omitted",
  "Most Likely": "MostLikely",
};

/** Sets the derived fields of `draft`; `given` holds the lower-case names the input set. */
export function derive(
  ctx: WriteContext,
  def: ObjectDef,
  draft: Draft,
  previous: SfRecord | undefined,
  given: Set<string>,
): void {
  const { store } = ctx.org;
  switch (def.name) {
    case "Contact":
      draft.Name = [draft.FirstName, draft.LastName].filter((p) => typeof p === "string" && p !== "").join(" ");
      break;
    case "Opportunity": {
      const stage = typeof draft.StageName === "string" ? findStage(draft.StageName) : undefined;
      if (!stage) break;
      const stageChanged = previous === undefined || previous.StageName !== draft.StageName;
      draft.IsClosed = stage.isClosed;
      draft.IsWon = stage.isWon;
      if (stageChanged && !given.has("probability")) draft.Probability = stage.probability;
      if ((stageChanged && !given.has("forecastcategoryname")) || draft.ForecastCategoryName === null) {
        draft.ForecastCategoryName = stage.forecastCategoryName;
      }
      if (stage.isClosed) draft.ForecastCategoryName = stage.forecastCategoryName;
      draft.ForecastCategory = FORECAST_CATEGORY[String(draft.ForecastCategoryName)] ?? stage.forecastCategory;
      break;
    }
    case "Task": {
      const status = typeof draft.Status === "string" ? findTaskStatus(draft.Status) : undefined;
      const closed = status?.isClosed ?? false;
      draft.IsClosed = closed;
      if (!closed) draft.CompletedDateTime = null;
      else if (previous?.IsClosed !== true || draft.CompletedDateTime === null) {
        draft.CompletedDateTime = formatDateTime(ctx.nowMs);
      }
      draft.IsHighPriority = draft.Priority === "High";
      draft.AccountId = activityAccount(ctx, draft);
      break;
    }
    case "Event": {
      deriveEventTimes(draft, given);
      draft.AccountId = activityAccount(ctx, draft);
      break;
    }
    case "OpportunityContactRole":
      if (draft.IsPrimary === true && typeof draft.OpportunityId === "string") {
        for (const otherId of store.children("OpportunityContactRole", "OpportunityId", draft.OpportunityId)) {
          const other = store.get("OpportunityContactRole", otherId);
          if (other && other.Id !== draft.Id && other.IsPrimary === true) {
            store.put("OpportunityContactRole", {
              ...other,
              IsPrimary: false,
              SystemModstamp: draft.SystemModstamp ?? null,
            });
          }
        }
      }
      break;
    default:
      break;
  }
}

function activityAccount(ctx: WriteContext, draft: Draft): string | null {
  const { store } = ctx.org;
  if (typeof draft.WhatId === "string") {
    const what = store.find(["Account", "Opportunity"], draft.WhatId);
    if (what?.object === "Account") return String(what.record.Id);
    if (what && typeof what.record.AccountId === "string") return what.record.AccountId;
  }
  if (typeof draft.WhoId === "string") {
    const who = store.get("Contact", draft.WhoId);
    if (who && typeof who.AccountId === "string") return who.AccountId;
  }
  return null;
}

function deriveEventTimes(draft: Draft, given: Set<string>): void {
  if (given.has("activitydatetime") && !given.has("startdatetime"))
    draft.StartDateTime = draft.ActivityDateTime ?? null;
  draft.ActivityDateTime = draft.StartDateTime ?? null;
  if (draft.IsAllDayEvent === true) {
    if (draft.ActivityDate === null && typeof draft.StartDateTime === "string") {
      draft.ActivityDate = draft.StartDateTime.slice(0, 10);
    }
    if (draft.ActivityDate === null) throw missing(["ActivityDate"]);
    draft.DurationInMinutes ??= 1440;
    return;
  }
  const start = typeof draft.StartDateTime === "string" ? parseDateTime(draft.StartDateTime) : undefined;
  if (start === undefined) throw missing(["ActivityDateTime"]);
  const end = typeof draft.EndDateTime === "string" ? parseDateTime(draft.EndDateTime) : undefined;
  const durationGiven =
    given.has("durationinminutes") || (!given.has("enddatetime") && draft.DurationInMinutes !== null);
  if (durationGiven && typeof draft.DurationInMinutes === "number") {
    draft.EndDateTime = formatDateTime(start + draft.DurationInMinutes * 60_000);
  } else if (end !== undefined) {
    if (end < start) {
      throw new SalesforceApiError(
        400,
        "FIELD_INTEGRITY_EXCEPTION",
        "End Date Time: End date cannot be before start date",
        ["EndDateTime"],
      );
    }
    draft.DurationInMinutes = Math.round((end - start) / 60_000);
  } else {
    throw missing(["DurationInMinutes"]);
  }
  draft.ActivityDate = formatDate(start);
}

/** The REQUIRED_FIELD_MISSING error for `fields`. */
export function missing(fields: readonly string[]): SalesforceApiError {
  return new SalesforceApiError(
    400,
    "REQUIRED_FIELD_MISSING",
    `Required fields are missing: [${fields.join(", ")}]`,
    fields,
  );
}
