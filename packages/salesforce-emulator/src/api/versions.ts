/**
 * `GET /services/data`: the API versions this emulated org serves (reference §2.9).
 *
 * Invariant: every version from 50.0 up to {@link LATEST_API_VERSION} is listed, oldest first,
 * as Salesforce lists them.
 */
import { Hono } from "hono";

/** The newest API version the emulator answers for. */
export const LATEST_API_VERSION = 66;

/** One entry of the versions list. */
export interface ApiVersion {
  readonly label: string;
  readonly url: string;
  readonly version: string;
}

/** Lists the served versions, oldest first. */
export function listApiVersions(): ApiVersion[] {
  const versions: ApiVersion[] = [];
  for (let v = 50; v <= LATEST_API_VERSION; v++) {
    const version = `${v}.0`;
    versions.push({ label: `Release ${v}`, url: `/services/data/v${version}`, version });
  }
  return versions;
}

/** Routes for the versions resource. */
export function createVersionsRoutes(): Hono {
  const app = new Hono();
  app.get("/services/data", (c) => c.json(listApiVersions()));
  return app;
}
