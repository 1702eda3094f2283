/**
 * Helpers for sync tests: sign in through `/auth/login` with real redirects against the
 * emulator, open stock y-websocket devices with fresh tickets, and query the emulated org as
 * a given user over its REST API.
 */
import { createEmulator, type Emulator, type EmulatorUser } from "@tandem/salesforce-emulator";
import { WebSocket } from "ws";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { startTestServer, type TestServer } from "./helpers.js";

/** A team-selling org on the emulator, a server syncing it, and two of its users. */
export interface TeamOrg {
  readonly emu: Emulator;
  readonly t: TestServer;
  /** The user whose book the tests look at, and "someone else" who edits in Salesforce. */
  readonly user: EmulatorUser;
  readonly other: EmulatorUser;
  readonly asUser: OrgSession;
  readonly asOther: OrgSession;
}

/**
 * Starts the emulator (`small` dataset, Opportunities public read/write, so a colleague may
 * edit a deal) and a server whose workers sync fast, and signs both users in at the org.
 */
export async function startTeamOrg(): Promise<TeamOrg> {
  const emu = await createEmulator({ port: 0, dataset: "small", sharing: { Opportunity: "ReadWrite" } });
  const [admin, second] = emu.users;
  if (!admin || !second) throw new Error("the small dataset has at least two users");
  const t = await startTestServer({
    org: { loginUrl: emu.url, clientId: emu.clientId, clientSecret: emu.clientSecret },
    sync: { trigger: { debounceMs: 50, maxDebounceMs: 200, quietMs: 0, scheduleMs: 3_600_000, retryMs: 200 } },
  });
  // The second user owns the book; the first plays "someone else".
  const asUser = await orgSession(emu, second.username, second.password);
  const asOther = await orgSession(emu, admin.username, admin.password);
  return { emu, t, user: second, other: admin, asUser, asOther };
}

/** Signs in as `username` through the server's OAuth flow; returns the session cookie. */
export async function signIn(serverUrl: string, username: string): Promise<string> {
  const start = await fetch(`${serverUrl}/auth/login?login_hint=${encodeURIComponent(username)}`, {
    redirect: "manual",
  });
  if (start.status !== 302) throw new Error(`/auth/login answered ${start.status}`);
  const loginCookie =
    start.headers
      .getSetCookie()
      .find((c) => c.startsWith("tandem_login="))
      ?.split(";")[0] ?? "";
  const atOrg = await fetch(start.headers.get("location") ?? "", { redirect: "manual" });
  if (atOrg.status !== 302) throw new Error(`authorize answered ${atOrg.status}`);
  const callback = await fetch(atOrg.headers.get("location") ?? "", {
    redirect: "manual",
    headers: { cookie: loginCookie },
  });
  if (callback.status !== 302) throw new Error(`/auth/callback answered ${callback.status}`);
  const session = callback.headers.getSetCookie().find((c) => c.startsWith("tandem_session="));
  if (!session) throw new Error("no session cookie");
  return session.split(";")[0] ?? "";
}

/** A device: a Y.Doc replicated through a stock WebsocketProvider that gets a fresh ticket per connect. */
export interface Device {
  readonly doc: Y.Doc;
  readonly provider: WebsocketProvider;
  readonly room: string;
  /** Close codes the server sent this device. */
  readonly closeCodes: number[];
  reconnect(): Promise<void>;
  destroy(): void;
}

async function ticket(serverUrl: string, cookie: string): Promise<{ ticket: string; room: string }> {
  const res = await fetch(`${serverUrl}/api/sync-ticket`, { method: "POST", headers: { cookie } });
  if (!res.ok) throw new Error(`/api/sync-ticket answered ${res.status}`);
  return (await res.json()) as { ticket: string; room: string };
}

/** Opens a device for the session `cookie`. */
export async function openDevice(serverUrl: string, cookie: string): Promise<Device> {
  const doc = new Y.Doc();
  const first = await ticket(serverUrl, cookie);
  const provider = new WebsocketProvider(`${serverUrl.replace(/^http/, "ws")}/sync`, first.room, doc, {
    params: { ticket: first.ticket },
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    // Tickets are single use: reconnects happen through `reconnect()` with a fresh one.
    connect: true,
    maxBackoffTime: 60_000,
  });
  const closeCodes: number[] = [];
  provider.on("connection-close", (event) => {
    if (event) closeCodes.push(event.code);
    provider.shouldConnect = false;
  });
  return {
    doc,
    provider,
    room: first.room,
    closeCodes,
    async reconnect() {
      const next = await ticket(serverUrl, cookie);
      provider.params = { ticket: next.ticket };
      provider.connect();
    },
    destroy() {
      provider.destroy();
      doc.destroy();
    },
  };
}

/** Polls `cond` every 20 ms until it holds; throws naming `what` after `timeoutMs`. */
export async function until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!(await cond())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A user's REST session at the emulated org (password grant), for independent checks. */
export interface OrgSession {
  query<T>(soql: string): Promise<T[]>;
  patch(sobject: string, id: string, fields: Record<string, unknown>): Promise<void>;
}

/** Signs `username` in at the org with the password grant. */
export async function orgSession(
  org: { url: string; clientId: string; clientSecret: string },
  username: string,
  password: string,
): Promise<OrgSession> {
  const res = await fetch(`${org.url}/services/oauth2/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "password",
      username,
      password,
      client_id: org.clientId,
      client_secret: org.clientSecret,
    }),
  });
  if (!res.ok) throw new Error(`password grant answered ${res.status}`);
  const token = (await res.json()) as { access_token: string; instance_url: string };
  const base = `${token.instance_url}/services/data/v60.0`;
  const headers = { authorization: `Bearer ${token.access_token}`, "content-type": "application/json" };
  return {
    async query<T>(soql: string) {
      const rows: T[] = [];
      let next: string | undefined = `${base}/query?q=${encodeURIComponent(soql)}`;
      while (next) {
        const page = await fetch(next, { headers });
        if (!page.ok) throw new Error(`query answered ${page.status}: ${await page.text()}`);
        const body = (await page.json()) as { records: T[]; nextRecordsUrl?: string };
        rows.push(...body.records);
        next = body.nextRecordsUrl ? `${token.instance_url}${body.nextRecordsUrl}` : undefined;
      }
      return rows;
    },
    async patch(sobject, id, fields) {
      const r = await fetch(`${base}/sobjects/${sobject}/${id}`, {
        method: "PATCH",
        headers,
        body: JSON.stringify(fields),
      });
      if (r.status !== 204) throw new Error(`PATCH ${sobject} answered ${r.status}: ${await r.text()}`);
    },
  };
}
