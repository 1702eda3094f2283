/**
 * What a query runs against: the org, the user's access, the time, and whether deleted rows
 * are included (queryAll).
 */
import type { AccessChecker } from "../sharing/access.js";
import type { Org } from "../store/org.js";

/** The environment of one query execution. */
export interface QueryEnv {
  readonly org: Org;
  readonly access: AccessChecker;
  readonly nowMs: number;
  readonly includeDeleted: boolean;
  /** API version of the request, e.g. `60.0`, for `attributes.url`. */
  readonly version: string;
}
