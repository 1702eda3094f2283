/**
 * Public API of `@tandem/salesforce-emulator`: a faithful Salesforce REST API on loopback, for
 * tests, benchmarks and the zero-config demo.
 */
export { type ApiVersion, LATEST_API_VERSION, listApiVersions } from "./api/versions.js";
export type { ApiCallStats } from "./control/api-usage.js";
export type { EmulatorControl, EmulatorStats, EmulatorUser, IssuedToken } from "./control/emulator-control.js";
export type { FaultKind, FaultSpec } from "./control/faults.js";
export type { DatasetName } from "./data/seed.js";
export { readSalesforceId, to15, to18 } from "./ids/salesforce-id.js";
export { JwtKeyError, type JwtKeyView } from "./oauth/jwt-keys.js";
export type { ExternalIdFieldOption } from "./schema/objects.js";
export { MASTER_RECORD_TYPE_ID } from "./schema/record-type-values.js";
export {
  type FieldPermissionSpec,
  type FieldPermissionView,
  type ProfileView,
  SetupInputError,
  type UserSetupChange,
  type UserSetupView,
} from "./security/security-admin.js";
export { createEmulator, type Emulator, type EmulatorOptions } from "./server/create-emulator.js";
export { DataFileError } from "./server/persistence.js";
export { type SharingDefaults, TYPICAL_SHARING } from "./store/org.js";
export type { StreamingStats } from "./streaming/bayeux-server.js";
export type {
  ChangeEventData,
  ChangeEventHeader,
  ChangeEventPayload,
  ChangeType,
  GapChangeType,
  RecordChangeType,
} from "./streaming/change-events.js";
export {
  type GapEventSpec,
  StreamingInputError,
  type StreamingOptions,
} from "./streaming/streaming-service.js";
