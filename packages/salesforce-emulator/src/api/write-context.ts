/**
 * Who a data API write runs as, and when: the request's user under sharing, at the org's
 * current time. Every record write takes one.
 */
import { type AccessChecker, createAccessChecker } from "../sharing/access.js";
import type { Org } from "../store/org.js";
import type { ApiRequest } from "./api-types.js";

/** Who is writing, and when. */
export interface WriteContext {
  readonly org: Org;
  readonly userId: string;
  readonly access: AccessChecker;
  readonly nowMs: number;
}

/** The write context of a request. */
export function writeContextOf(org: Org, req: ApiRequest): WriteContext {
  return { org, userId: req.userId, access: createAccessChecker(org, req.userId), nowMs: org.clock.nowMs() };
}
