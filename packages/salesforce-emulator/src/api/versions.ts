/**
 * `GET /services/data`: the API versions this emulated org serves (reference §2.9).
 *
 * Invariant: every version from 50.0 up to {@link LATEST_API_VERSION} is listed, oldest first,
 * labelled with its release name as Salesforce labels them (v62.0 = "Winter '25").
 */

/** The newest API version the versions list shows (any version ≥ 50 is answered). */
export const LATEST_API_VERSION = 66;

/** One entry of the versions list. */
export interface ApiVersion {
  readonly label: string;
  readonly url: string;
  readonly version: string;
}

/** The release name of an API version. */
export function releaseLabel(v: number): string {
  const index = v - 62;
  const yearOffset = Math.floor(index / 3);
  const season = ["Winter", "Spring", "Summer"][((index % 3) + 3) % 3] ?? "Winter";
  return `${season} '${String(25 + yearOffset).padStart(2, "0")}`;
}

/** Lists the served versions, oldest first. */
export function listApiVersions(): ApiVersion[] {
  const versions: ApiVersion[] = [];
  for (let v = 50; v <= LATEST_API_VERSION; v++) {
    const version = `${v}.0`;
    versions.push({ label: releaseLabel(v), url: `/services/data/v${version}`, version });
  }
  return versions;
}
