/**
 * Bulk API 2.0 query jobs (reference §1.8, §5.4): `POST /jobs/query` runs the query at once
 * (the job reports `UploadComplete` on creation and `JobComplete` on the first poll), results
 * are CSV pages (each with its header row, as Salesforce sends them) with `Sforce-Locator` (the
 * literal `null` on the last page) and `Sforce-NumberOfRecords`; `maxRecords` sets the page size.
 *
 * Invariants: a job's rows are fixed when it is created (later writes do not show); child sub-queries, aggregates, GROUP BY and OFFSET are refused as Bulk 2.0
 * refuses them; a job belongs to the user who created it; columns are the canonical SELECT
 * paths (`Account.Name`), every value quoted, null as an empty quoted value.
 */
import { parseQuery } from "@jetstreamapp/soql-parser-js";
import { base62, to18 } from "../ids/salesforce-id.js";
import { apiErrors, SalesforceApiError } from "../schema/errors.js";
import type { AccessChecker } from "../sharing/access.js";
import { resolvePath } from "../soql/field-path.js";
import { executeQuery } from "../soql/query-engine.js";
import type { QueryExecution, ShapedRecord } from "../soql/query-execution.js";
import { pathParts } from "../soql/where.js";
import type { Org } from "../store/org.js";
import { formatDateTime } from "../util/time.js";
import type { ApiRequest, ApiResponse } from "./api-types.js";

const DELIMITERS: Readonly<Record<string, string>> = {
  COMMA: ",",
  TAB: "\t",
  SEMICOLON: ";",
  PIPE: "|",
  CARET: "^",
  BACKQUOTE: "`",
};

interface BulkJob {
  readonly id: string;
  readonly userId: string;
  readonly operation: "query" | "queryAll";
  readonly object: string;
  readonly createdDate: string;
  readonly version: string;
  readonly columns: readonly string[];
  readonly execution: QueryExecution;
  readonly delimiter: string;
  readonly lineEnding: "LF" | "CRLF";
  readonly columnDelimiter: string;
  state: "UploadComplete" | "JobComplete" | "Aborted";
}

/** Bulk API 2.0 query jobs of one server. */
export class BulkQueryJobs {
  readonly #jobs = new Map<string, BulkJob>();
  #counter = 0;

  /** Routes `/jobs/query[/{id}[/results]]`. */
  handle(org: Org, req: ApiRequest, rest: readonly string[], access: AccessChecker): ApiResponse {
    const [id, sub, ...extra] = rest;
    if (extra.length > 0) throw apiErrors.notFound();
    if (id === undefined) {
      if (req.method !== "POST") throw apiErrors.methodNotAllowed(req.method, ["POST"]);
      return this.#create(org, req, access);
    }
    const job = this.#jobs.get(id);
    if (!job || job.userId !== req.userId) throw apiErrors.notFound();
    if (sub === "results") {
      if (req.method !== "GET") throw apiErrors.methodNotAllowed(req.method, ["GET"]);
      return this.#results(req, job);
    }
    if (sub !== undefined) throw apiErrors.notFound();
    switch (req.method) {
      case "GET":
        if (job.state === "UploadComplete") job.state = "JobComplete";
        return { status: 200, body: this.#info(job) };
      case "PATCH":
        job.state = "Aborted";
        return { status: 200, body: this.#info(job) };
      case "DELETE":
        this.#jobs.delete(id);
        return { status: 204 };
      default:
        throw apiErrors.methodNotAllowed(req.method, ["GET", "PATCH", "DELETE"]);
    }
  }

  #create(org: Org, req: ApiRequest, access: AccessChecker): ApiResponse {
    const body = typeof req.body === "object" && req.body !== null ? (req.body as Record<string, unknown>) : {};
    const soql = body.query;
    const operation = body.operation ?? "query";
    if (typeof soql !== "string" || soql.trim() === "") {
      throw new SalesforceApiError(400, "INVALIDJOB", "A query is required");
    }
    if (operation !== "query" && operation !== "queryAll") {
      throw new SalesforceApiError(400, "INVALIDJOB", `Invalid operation: ${String(operation)}`);
    }
    const columnDelimiter = typeof body.columnDelimiter === "string" ? body.columnDelimiter : "COMMA";
    const delimiter = DELIMITERS[columnDelimiter];
    if (!delimiter) throw new SalesforceApiError(400, "INVALIDJOB", `Invalid columnDelimiter: ${columnDelimiter}`);
    const lineEnding = body.lineEnding === "CRLF" ? "CRLF" : "LF";
    let parsed: ReturnType<typeof parseQuery> | undefined;
    try {
      parsed = parseQuery(soql);
    } catch {
      parsed = undefined; // executeQuery reports the MALFORMED_QUERY error below
    }
    if (
      parsed &&
      ((parsed.fields ?? []).some(
        (f) => f.type === "FieldSubquery" || f.type === "FieldFunctionExpression" || f.type === "FieldTypeof",
      ) ||
        parsed.groupBy !== undefined ||
        parsed.offset !== undefined)
    ) {
      throw new SalesforceApiError(
        400,
        "API_ERROR",
        "Bulk API 2.0 query does not support parent-to-child sub-queries, aggregate functions, GROUP BY, OFFSET or TYPEOF",
      );
    }
    const live = executeQuery(
      {
        org: org,
        access,
        nowMs: org.clock.nowMs(),
        includeDeleted: operation === "queryAll",
        version: req.version,
      },
      soql,
    );
    // A job's results are fixed when it runs, as Salesforce's result files are: later writes
    // (an update, a delete) do not show in pages read afterwards.
    const rows = live.page(0, live.rowCount);
    const execution: QueryExecution = {
      totalSize: live.totalSize,
      rowCount: live.rowCount,
      page: (from, to) => rows.slice(from, to),
    };
    const def = org.schema.object(parsed?.sObject ?? "");
    const columns = (parsed?.fields ?? []).map((f) => {
      const raw =
        f.type === "Field" ? f.field : f.type === "FieldRelationship" ? [...f.relationships, f.field].join(".") : "";
      return def ? resolvePath(org, def, pathParts(def, parsed?.sObjectAlias, raw), soql).canonical : raw;
    });
    const id = to18(`750${org.pod}0${base62(++this.#counter, 9)}`);
    const job: BulkJob = {
      id,
      userId: req.userId,
      operation,
      object: def?.name ?? "",
      createdDate: formatDateTime(org.clock.nowMs()),
      version: req.version,
      columns,
      execution,
      delimiter,
      lineEnding,
      columnDelimiter,
      state: "UploadComplete",
    };
    this.#jobs.set(id, job);
    return { status: 200, body: this.#info(job) };
  }

  #info(job: BulkJob): Record<string, unknown> {
    return {
      id: job.id,
      operation: job.operation,
      object: job.object,
      createdById: job.userId,
      createdDate: job.createdDate,
      systemModstamp: job.createdDate,
      state: job.state,
      concurrencyMode: "Parallel",
      contentType: "CSV",
      apiVersion: Number(job.version),
      jobType: "V2Query",
      lineEnding: job.lineEnding,
      columnDelimiter: job.columnDelimiter,
      numberRecordsProcessed: job.state === "JobComplete" ? job.execution.rowCount : 0,
      retries: 0,
      totalProcessingTime: 0,
      isPkChunkingSupported: false,
    };
  }

  #results(req: ApiRequest, job: BulkJob): ApiResponse {
    if (job.state !== "JobComplete") {
      throw new SalesforceApiError(
        412,
        "JOB_NOT_COMPLETE",
        "The job is not complete. Poll the job until its state is JobComplete.",
      );
    }
    const locator = req.query.get("locator");
    const offset = locator ? Number.parseInt(Buffer.from(locator, "base64url").toString("utf8"), 10) : 0;
    if (!Number.isInteger(offset) || offset < 0 || offset > job.execution.rowCount) {
      throw new SalesforceApiError(400, "INVALID_LOCATOR", "invalid locator");
    }
    const maxText = req.query.get("maxRecords");
    // Without maxRecords the whole result comes in one page: jsforce 3.10.16 pipes every page,
    // header row included, into one CSV parser, so smaller default pages would corrupt its rows.
    const max = maxText ? Math.max(1, Number.parseInt(maxText, 10) || 1) : job.execution.rowCount;
    const end = Math.min(job.execution.rowCount, offset + max);
    const eol = job.lineEnding === "CRLF" ? "\r\n" : "\n";
    const quote = (v: unknown) => `"${v === null || v === undefined ? "" : String(v).replace(/"/g, '""')}"`;
    const lines = [job.columns.map(quote).join(job.delimiter)];
    for (const rec of job.execution.page(offset, end)) {
      lines.push(job.columns.map((c) => quote(readColumn(rec, c))).join(job.delimiter));
    }
    const next = end < job.execution.rowCount ? Buffer.from(String(end)).toString("base64url") : "null";
    return {
      status: 200,
      text: `${lines.join(eol)}${eol}`,
      headers: {
        "Content-Type": "text/csv",
        "Sforce-Locator": next,
        "Sforce-NumberOfRecords": String(end - offset),
      },
    };
  }
}

function readColumn(rec: ShapedRecord, column: string): unknown {
  let current: unknown = rec;
  for (const part of column.split(".")) {
    if (typeof current !== "object" || current === null) return null;
    current = (current as Record<string, unknown>)[part];
  }
  return current ?? null;
}
