/**
 * Public API of `@tandem/salesforce-emulator`: a Salesforce REST API on loopback.
 */
export { type ApiVersion, createVersionsRoutes, LATEST_API_VERSION, listApiVersions } from "./api/versions.js";
