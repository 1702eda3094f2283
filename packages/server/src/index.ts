/**
 * Public API of `@tandem/server`: the composition root, the relay and its registry, the
 * auth service, the store port with its implementations, and the protocol codec.
 */
export {
  type AccessToken,
  AuthService,
  type AuthServiceOptions,
  type IssuedTicket,
  LoginError,
  roomOf,
} from "./auth/auth-service.js";
export { KeyFileError, loadOrCreateKeyFile } from "./auth/key-file.js";
export { OAuthError } from "./auth/oauth-client.js";
export type { OrgConfig } from "./auth/org-config.js";
export { TokenCipher, TokenCipherError } from "./auth/token-cipher.js";
export { type Clock, systemClock } from "./clock.js";
export { createHealthRoutes, type ReadinessCheck } from "./http/health.js";
export { createJsonLogger, createMemoryLogger, type Logger, type LogLevel } from "./obs/logger.js";
export { Metrics } from "./obs/metrics.js";
export { CloseCode, type CloseCodeValue } from "./relay/close-codes.js";
export {
  type AwarenessEntry,
  answerSyncStep1,
  type ClientMessage,
  encodeAwarenessMessage,
  encodeSyncStep1,
  encodeUpdateMessage,
  ProtocolError,
  type ProtocolLimits,
  parseClientMessage,
} from "./relay/protocol.js";
export { type ConnectionInfo, defaultRelayLimits, Relay, type RelayLimits, type RelayOptions } from "./relay/relay.js";
export type { Room, RoomPeer } from "./relay/room.js";
export {
  REMOTE_ORIGIN,
  type RoomLease,
  type RoomListeners,
  RoomRegistry,
  type RoomRegistryOptions,
} from "./relay/room-registry.js";
export { validateStateVector, validateUpdateV1 } from "./relay/validate-update.js";
export { WireError } from "./relay/wire-reader.js";
export { startTandemServer, type TandemServer, type TandemServerOptions } from "./server.js";
export {
  type FileRoomStoreOptions,
  type FileStoreOptions,
  openFileAuthStore,
  openFileRoomStore,
  openFileStore,
} from "./store/file-store.js";
export { createKvAuthStore, type KvAuthStoreOptions } from "./store/kv-auth-store.js";
export { createMemoryRoomStore, createMemoryStore, type MemoryStoreOptions } from "./store/memory-store.js";
export { createPostgresAuthStore, type PostgresAuthStoreOptions } from "./store/pg-auth-store.js";
export { MIGRATIONS, type Migration, migrate } from "./store/pg-migrations.js";
export { createPostgresRoomStore, type PostgresRoomStoreOptions } from "./store/pg-room-store.js";
export {
  openPostgresStore,
  type PostgresStore,
  type PostgresStoreOptions,
  postgresPoolMetrics,
} from "./store/pg-store.js";
export {
  type AuthStore,
  combineStores,
  type RoomLog,
  type RoomStore,
  type SessionRecord,
  type Store,
  StoreError,
  type TicketLimit,
  type TicketRecord,
  type TicketTake,
} from "./store/store.js";
