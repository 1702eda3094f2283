/**
 * Sessions are per device (issue 25, bug 5): `POST /auth/logout` ends only the caller's
 * session — its sockets close with 4001 at once, its tickets are refused — while the user's
 * other devices stay connected and signed in, and the Salesforce grant stays stored and
 * honoured by the org. `POST /auth/logout-everywhere` revokes the user: every socket closes
 * with 4001, every session ends, the grant is deleted and revoked at the org.
 * Real server on port 0, real emulator over HTTP, sign-in through the OAuth redirects.
 */
import { createEmulator, type Emulator } from "@tandem/salesforce-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { CloseCode } from "../src/relay/close-codes.js";
import { startTestServer, type TestServer, waitFor } from "./helpers.js";
import { signIn } from "./sync-helpers.js";

let emu: Emulator;
let t: TestServer;
beforeAll(async () => {
  emu = await createEmulator({ port: 0 });
  t = await startTestServer({
    org: { loginUrl: emu.url, clientId: emu.clientId, clientSecret: emu.clientSecret },
    sync: false,
  });
});
afterAll(async () => {
  await t.close();
  await emu.close();
});

function user(i: number): { id: string; username: string } {
  const u = emu.users[i];
  if (!u) throw new Error(`the emulator has no user ${i}`);
  return u;
}

async function ticketOf(cookie: string): Promise<{ ticket: string; room: string }> {
  const res = await fetch(`${t.server.url}/api/sync-ticket`, { method: "POST", headers: { cookie } });
  expect(res.status).toBe(200);
  return (await res.json()) as { ticket: string; room: string };
}

/** An admitted socket of one device: `closedWith` is its close code once it closed. */
interface OpenSocket {
  closedWith: number | undefined;
  close(): void;
}

/** Joins with a fresh ticket of `cookie`; resolves once the server spoke (the socket is admitted). */
async function openSocket(cookie: string): Promise<OpenSocket> {
  const { ticket, room } = await ticketOf(cookie);
  const url = `${t.server.url.replace(/^http/, "ws")}/sync/${room}?ticket=${encodeURIComponent(ticket)}`;
  const ws = new WebSocket(url);
  const socket: OpenSocket = { closedWith: undefined, close: () => ws.close() };
  ws.on("close", (code) => {
    socket.closedWith = code;
  });
  await new Promise<void>((resolve, reject) => {
    ws.once("message", () => resolve());
    ws.once("close", (code) => reject(new Error(`refused with ${code}`)));
    ws.once("error", reject);
  });
  return socket;
}

/** Whether the org still honours `refreshToken` (a refresh grant at its token endpoint). */
async function orgAcceptsRefresh(refreshToken: string): Promise<boolean> {
  const body = new URLSearchParams({
    grant_type: "refresh_token",
    refresh_token: refreshToken,
    client_id: emu.clientId,
    client_secret: emu.clientSecret,
  });
  const res = await fetch(`${emu.url}/services/oauth2/token`, { method: "POST", body });
  return res.ok;
}

const me = (cookie: string) => fetch(`${t.server.url}/api/me`, { headers: { cookie } });
const post = (path: string, cookie: string) => fetch(`${t.server.url}${path}`, { method: "POST", headers: { cookie } });

describe("logout ends this device's session only", () => {
  it("closes this device's socket (4001) at once and refuses its tickets; the other device and the grant stay", async () => {
    const alice = user(0);
    const laptop = await signIn(t.server.url, alice.username);
    const phone = await signIn(t.server.url, alice.username);
    const laptopSocket = await openSocket(laptop);
    const phoneSocket = await openSocket(phone);
    const laptopTicket = await ticketOf(laptop);
    const grant = await t.server.auth.refreshToken(emu.orgId, alice.id);

    const started = Date.now();
    expect((await post("/auth/logout", laptop)).status).toBe(204);
    // At once: the relay closes the session's sockets, not its periodic check (30 s).
    await waitFor(() => laptopSocket.closedWith !== undefined, "the laptop's socket closed", 2_000);
    expect(laptopSocket.closedWith).toBe(CloseCode.revoked);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect((await me(laptop)).status).toBe(401);
    expect((await post("/api/sync-ticket", laptop)).status).toBe(401);
    const refused = await openSocket(laptop).catch((e: unknown) => String(e));
    expect(refused).toMatch(/401|refused/);

    // The phone is untouched: still connected, still signed in, still gets tickets that join.
    await new Promise((r) => setTimeout(r, 200));
    expect(phoneSocket.closedWith).toBeUndefined();
    expect((await me(phone)).status).toBe(200);
    (await openSocket(phone)).close();
    // A ticket the laptop got before its logout is refused; the grant is still stored and honoured.
    const stale = new WebSocket(
      `${t.server.url.replace(/^http/, "ws")}/sync/${laptopTicket.room}?ticket=${encodeURIComponent(laptopTicket.ticket)}`,
    );
    const staleCode = await new Promise<number>((resolve) => stale.on("close", (code) => resolve(code)));
    expect(staleCode).toBe(CloseCode.revoked);
    expect(await t.server.auth.refreshToken(emu.orgId, alice.id)).toBe(grant);
    expect(await orgAcceptsRefresh(grant ?? "")).toBe(true);
    phoneSocket.close();
  });

  it("logout-everywhere revokes the user: every device's socket closes (4001), every session ends, the grant goes", async () => {
    const bob = user(1);
    const laptop = await signIn(t.server.url, bob.username);
    const phone = await signIn(t.server.url, bob.username);
    const sockets = [await openSocket(laptop), await openSocket(phone)];
    const grant = await t.server.auth.refreshToken(emu.orgId, bob.id);

    expect((await post("/auth/logout-everywhere", phone)).status).toBe(204);
    await waitFor(() => sockets.every((s) => s.closedWith !== undefined), "both sockets closed", 2_000);
    expect(sockets.map((s) => s.closedWith)).toEqual([CloseCode.revoked, CloseCode.revoked]);
    expect([(await me(laptop)).status, (await me(phone)).status]).toEqual([401, 401]);
    expect(await t.store.getToken(emu.orgId, bob.id)).toBeUndefined();
    expect(await orgAcceptsRefresh(grant ?? "")).toBe(false);
  });

  it("refuses a logout from a foreign origin", async () => {
    const cookie = await signIn(t.server.url, user(2).username);
    for (const path of ["/auth/logout", "/auth/logout-everywhere"]) {
      const res = await fetch(`${t.server.url}${path}`, {
        method: "POST",
        headers: { cookie, origin: "https://evil.example" },
      });
      expect(res.status).toBe(403);
    }
    expect((await me(cookie)).status).toBe(200);
  });
});
