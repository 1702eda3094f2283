import { describe, expect, it } from "vitest";
import { fromErrorCode, fromErrorItems, isRetryable, toPortError } from "./map-error.js";

class HttpApiErrorLike extends Error {
  constructor(
    message: string,
    readonly errorCode: string,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = errorCode;
  }
}

class FetchErrorLike extends Error {
  override readonly name = "FetchError";
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

describe("error mapping", () => {
  it("maps REST error codes to the port's errors", () => {
    const ctx = { method: "GET", defaultRetryAfterMs: 1234 };
    const limited = fromErrorCode("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.", [], ctx);
    expect(limited._tag).toBe("RateLimited");
    expect(limited._tag === "RateLimited" && limited.retryAfterMs).toBe(1234);
    expect(fromErrorCode("REQUEST_LIMIT_EXCEEDED", "x", [], { method: "GET", retryAfterMs: 5 })).toMatchObject({
      retryAfterMs: 5,
    });
    expect(fromErrorCode("UNABLE_TO_LOCK_ROW", "locked", [], ctx)._tag).toBe("RowLocked");
    expect(fromErrorCode("INVALID_SESSION_ID", "expired", [], ctx)._tag).toBe("SessionExpired");
    expect(fromErrorCode("INSUFFICIENT_ACCESS_OR_READONLY", "no", [], ctx)).toMatchObject({
      _tag: "AccessDenied",
      code: "INSUFFICIENT_ACCESS_OR_READONLY",
    });
    expect(fromErrorCode("INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY", "no", [], ctx)._tag).toBe("AccessDenied");
    // Field-level security refusing a write of one field (issue 20): final, not a bad value.
    expect(
      fromErrorCode("INVALID_FIELD_FOR_INSERT_UPDATE", "Unable to create/update fields: Competitor__c.", [], ctx),
    ).toMatchObject({ _tag: "AccessDenied", code: "INVALID_FIELD_FOR_INSERT_UPDATE" });
    expect(isRetryable(fromErrorCode("INVALID_FIELD_FOR_INSERT_UPDATE", "x", [], ctx))).toBe(false);
    expect(
      fromErrorCode("REQUIRED_FIELD_MISSING", "Required fields are missing: [LastName]", ["LastName"], ctx),
    ).toMatchObject({
      _tag: "ValidationFailed",
      fields: ["LastName"],
    });
    expect(fromErrorCode("FIELD_CUSTOM_VALIDATION_EXCEPTION", "Amount must be positive", ["Amount"], ctx)._tag).toBe(
      "ValidationFailed",
    );
    expect(fromErrorCode("NOT_FOUND", "gone", [], ctx)._tag).toBe("NotFound");
    expect(fromErrorCode("ENTITY_IS_DELETED", "entity is deleted", [], ctx)._tag).toBe("NotFound");
    expect(fromErrorCode("SERVER_UNAVAILABLE", "down", [], ctx)._tag).toBe("Unavailable");
    expect(fromErrorCode("SOMETHING_NEW", "?", [], { method: "GET", status: 503 })._tag).toBe("Unavailable");
  });

  it("maps INVALID_SESSION_ID after an invalid_grant refresh to Revoked", () => {
    expect(
      fromErrorCode("INVALID_SESSION_ID", "x", [], { method: "GET", refreshErrorName: "invalid_grant" })._tag,
    ).toBe("Revoked");
    const refreshFailed = new Error("Unable to refresh session due to: expired access/refresh token");
    expect(toPortError(refreshFailed, { method: "POST", refreshErrorName: "invalid_grant" })._tag).toBe("Revoked");
    expect(toPortError(refreshFailed, { method: "POST", refreshErrorName: "ERROR_HTTP_500" })._tag).toBe(
      "SessionExpired",
    );
    const oauth = Object.assign(new Error("authentication failure"), { name: "invalid_grant" });
    expect(toPortError(oauth, { method: "POST" })._tag).toBe("Revoked");
  });

  it("maps collection items by statusCode and jsforce errors by errorCode", () => {
    expect(
      fromErrorItems([{ statusCode: "MALFORMED_ID", message: "bad id", fields: ["WhoId"] }], { method: "POST" }),
    ).toMatchObject({
      _tag: "ValidationFailed",
      code: "MALFORMED_ID",
      fields: ["WhoId"],
    });
    const err = new HttpApiErrorLike("bad", "INVALID_FIELD", {
      errorCode: "INVALID_FIELD",
      message: "bad",
      fields: ["Foo"],
    });
    expect(toPortError(err, { method: "GET" })).toMatchObject({ _tag: "ValidationFailed", fields: ["Foo"] });
    const multiple = new HttpApiErrorLike("Multiple", "MULTIPLE_API_ERRORS", [
      { errorCode: "UNABLE_TO_LOCK_ROW", message: "a" },
      { errorCode: "OTHER", message: "b" },
    ]);
    expect(toPortError(multiple, { method: "PATCH" })._tag).toBe("RowLocked");
  });

  it("tells a lost write (outcome unknown) from a connection never made", () => {
    const reset = new FetchErrorLike("request to http://x failed, reason: socket hang up", "ECONNRESET");
    expect(toPortError(reset, { method: "POST" })._tag).toBe("OutcomeUnknown");
    expect(toPortError(reset, { method: "PATCH" })._tag).toBe("OutcomeUnknown");
    expect(toPortError(reset, { method: "GET" })._tag).toBe("Unavailable");
    const refused = new FetchErrorLike("connect ECONNREFUSED 127.0.0.1:1", "ECONNREFUSED");
    expect(toPortError(refused, { method: "POST" })._tag).toBe("Unavailable");
  });

  it("marks only transient errors retryable", () => {
    expect(isRetryable(fromErrorCode("UNABLE_TO_LOCK_ROW", "", [], { method: "GET" }))).toBe(true);
    expect(isRetryable(fromErrorCode("SERVER_UNAVAILABLE", "", [], { method: "GET" }))).toBe(true);
    expect(isRetryable(fromErrorCode("INSUFFICIENT_ACCESS", "", [], { method: "GET" }))).toBe(false);
    expect(isRetryable(fromErrorCode("REQUIRED_FIELD_MISSING", "", [], { method: "GET" }))).toBe(false);
  });
});
