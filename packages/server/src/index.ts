/**
 * Public API of `@tandem/server`.
 */
export { createHealthRoutes } from "./http/health.js";
