/**
 * The tests' own view of the emulated org, over its REST API (as another Salesforce client
 * would see it): OAuth password grant, SOQL queries, record updates.
 *
 * Invariant: read-only except {@link updateRecord} and {@link createRecord}; never goes through
 * Tandem.
 */
import type { OrgUser, RunningOrg } from "./harness.js";

const VERSION = "v60.0";

/** An access token for one user of the org. */
export interface OrgSession {
  readonly accessToken: string;
  readonly instanceUrl: string;
}

/** Signs in to the org as a user (OAuth username-password grant). */
export async function orgSession(org: RunningOrg, user: OrgUser): Promise<OrgSession> {
  const response = await fetch(`${org.url}/services/oauth2/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "password",
      client_id: org.clientId,
      client_secret: org.clientSecret,
      username: user.username,
      password: user.password,
    }),
  });
  if (!response.ok) throw new Error(`org login failed: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as { access_token: string; instance_url: string };
  return { accessToken: body.access_token, instanceUrl: body.instance_url };
}

/** Runs a SOQL query, following `nextRecordsUrl`, and returns every record. */
export async function soql<T = Record<string, unknown>>(session: OrgSession, query: string): Promise<T[]> {
  const records: T[] = [];
  let path: string | null = `/services/data/${VERSION}/query?q=${encodeURIComponent(query)}`;
  while (path !== null) {
    const response: Response = await fetch(`${session.instanceUrl}${path}`, {
      headers: { authorization: `Bearer ${session.accessToken}` },
    });
    if (!response.ok) throw new Error(`query failed: ${response.status} ${await response.text()}`);
    const body = (await response.json()) as { records: T[]; nextRecordsUrl?: string; done: boolean };
    records.push(...body.records);
    path = body.done ? null : (body.nextRecordsUrl ?? null);
  }
  return records;
}

/** Updates fields of one record as this user. */
export async function updateRecord(
  session: OrgSession,
  sobject: string,
  id: string,
  fields: Record<string, unknown>,
): Promise<void> {
  const response = await fetch(`${session.instanceUrl}/services/data/${VERSION}/sobjects/${sobject}/${id}`, {
    method: "PATCH",
    headers: { authorization: `Bearer ${session.accessToken}`, "content-type": "application/json" },
    body: JSON.stringify(fields),
  });
  if (!response.ok) throw new Error(`update failed: ${response.status} ${await response.text()}`);
}

/** Creates one record as this user and returns its id. */
export async function createRecord(
  session: OrgSession,
  sobject: string,
  fields: Record<string, unknown>,
): Promise<string> {
  const response = await fetch(`${session.instanceUrl}/services/data/${VERSION}/sobjects/${sobject}`, {
    method: "POST",
    headers: { authorization: `Bearer ${session.accessToken}`, "content-type": "application/json" },
    body: JSON.stringify(fields),
  });
  if (!response.ok) throw new Error(`create failed: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as { id: string };
  return body.id;
}

/** The values a record type allows for a picklist field, as the org's UI API gives them. */
export async function recordTypePicklist(
  session: OrgSession,
  sobject: string,
  recordTypeId: string,
  field: string,
): Promise<string[]> {
  const response = await fetch(
    `${session.instanceUrl}/services/data/${VERSION}/ui-api/object-info/${sobject}/picklist-values/${recordTypeId}/${field}`,
    { headers: { authorization: `Bearer ${session.accessToken}` } },
  );
  if (!response.ok) throw new Error(`picklist values failed: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as { values: Array<{ value: string }> };
  return body.values.map((v) => v.value);
}
