/**
 * The version root `/services/data/vNN.N/` (the resource directory) and `/limits`.
 *
 * Invariant: of the limits, only `DailyApiRequests` moves (it reads the live usage); the rest
 * are the fixed values of a new org.
 */
import type { Org } from "../store/org.js";
import { json } from "./api-response.js";
import type { ApiRequest, ApiResponse, ApiUsageView } from "./api-types.js";

/** `GET /`: the resource directory; `baseUrl` is the emulator's URL, for the identity URL. */
export function resources(org: Org, baseUrl: string, req: ApiRequest): ApiResponse {
  const b = `/services/data/v${req.version}`;
  return json(200, {
    tooling: `${b}/tooling`,
    metadata: `${b}/metadata`,
    eclair: `${b}/eclair`,
    folders: `${b}/folders`,
    prechatForms: `${b}/prechatForms`,
    chatter: `${b}/chatter`,
    tabs: `${b}/tabs`,
    appMenu: `${b}/appMenu`,
    quickActions: `${b}/quickActions`,
    queryAll: `${b}/queryAll`,
    commerce: `${b}/commerce`,
    wave: `${b}/wave`,
    search: `${b}/search`,
    identity: `${baseUrl}/id/${org.orgId}/${req.userId}`,
    composite: `${b}/composite`,
    theme: `${b}/theme`,
    nouns: `${b}/nouns`,
    recent: `${b}/recent`,
    licensing: `${b}/licensing`,
    limits: `${b}/limits`,
    process: `${b}/process`,
    query: `${b}/query`,
    sobjects: `${b}/sobjects`,
    actions: `${b}/actions`,
    support: `${b}/support`,
  });
}

/** `GET /limits`. */
export function limits(usage: ApiUsageView): ApiResponse {
  const max = usage.max();
  const fixed = (n: number) => ({ Max: n, Remaining: n });
  return json(200, {
    ConcurrentAsyncGetReportInstances: fixed(200),
    ConcurrentSyncReportRuns: fixed(20),
    DailyApiRequests: { Max: max, Remaining: Math.max(0, max - usage.used()) },
    DailyAsyncApexExecutions: fixed(250000),
    DailyBulkApiBatches: fixed(15000),
    DailyBulkV2QueryFileStorageMB: fixed(976562),
    DailyBulkV2QueryJobs: fixed(10000),
    DailyStreamingApiEvents: fixed(10000),
    DataStorageMB: { Max: 1024, Remaining: 1000 },
    FileStorageMB: { Max: 1024, Remaining: 1024 },
    HourlyODataCallout: fixed(10000),
    SingleEmail: fixed(5000),
  });
}
