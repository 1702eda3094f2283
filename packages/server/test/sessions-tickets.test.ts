/**
 * Sync tickets and the sessions they come from (issue 18, "Sessions and connections"): a
 * ticket issued before its session's logout, or before the user's revocation, no longer admits a
 * socket after it (close code 4001), and one user cannot hold more than the allowed number of live tickets (`POST
 * /api/sync-ticket` answers 429) while a device that uses its tickets never meets the limit.
 * Real server on port 0, real emulator over HTTP, sign-in through the OAuth redirects.
 */
import { createEmulator, type Emulator } from "@tandem/salesforce-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { CloseCode } from "../src/relay/close-codes.js";
import { startTestServer, type TestServer } from "./helpers.js";
import { signIn } from "./sync-helpers.js";

/** The documented default of `maxLiveTicketsPerUser`. */
const DEFAULT_MAX_LIVE_TICKETS_PER_USER = 32;

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

/** A user of the emulated org (the small dataset has three; tests share them, never a ticket pool). */
function user(i: number): { id: string; username: string } {
  const u = emu.users[i];
  if (!u) throw new Error(`the emulator has no user ${i}`);
  return u;
}

/** `POST /api/sync-ticket` for the session `cookie`. */
async function requestTicket(cookie: string): Promise<Response> {
  return fetch(`${t.server.url}/api/sync-ticket`, { method: "POST", headers: { cookie } });
}

async function ticketOf(cookie: string): Promise<{ ticket: string; room: string }> {
  const res = await requestTicket(cookie);
  expect(res.status).toBe(200);
  return (await res.json()) as { ticket: string; room: string };
}

/**
 * Presents `ticket` for `room` on a raw websocket: "joined" once the server speaks (its sync
 * step 1, sent only to an admitted socket; the socket is then closed), else the close code.
 */
function tryJoin(room: string, ticket: string): Promise<"joined" | number> {
  return new Promise((resolve, reject) => {
    const url = `${t.server.url.replace(/^http/, "ws")}/sync/${room}?ticket=${encodeURIComponent(ticket)}`;
    const ws = new WebSocket(url);
    ws.on("message", () => {
      resolve("joined");
      ws.close();
    });
    ws.on("close", (code) => resolve(code));
    ws.on("error", reject);
  });
}

describe("tickets issued before a logout or a revocation", () => {
  it("logout refuses the tickets already issued to that session (4001), not the user's other sessions'; a new sign-in joins", async () => {
    const alice = user(0);
    const laptop = await signIn(t.server.url, alice.username);
    const phone = await signIn(t.server.url, alice.username);
    const fromLaptop = await ticketOf(laptop);
    const fromPhone = await ticketOf(phone);

    expect((await fetch(`${t.server.url}/auth/logout`, { method: "POST", headers: { cookie: laptop } })).status).toBe(
      204,
    );
    expect(await tryJoin(fromLaptop.room, fromLaptop.ticket)).toBe(CloseCode.revoked);
    // Sessions are per device: the phone's session, and so its ticket, outlive the laptop's logout.
    expect(await tryJoin(fromPhone.room, fromPhone.ticket)).toBe("joined");

    const again = await ticketOf(await signIn(t.server.url, alice.username));
    expect(await tryJoin(again.room, again.ticket)).toBe("joined");
  });

  it("revocation (by the server, or by the org through invalid_grant) refuses tickets already issued", async () => {
    const bob = user(1);
    const before = await ticketOf(await signIn(t.server.url, bob.username));
    await t.server.revokeUser(emu.orgId, bob.id);
    expect(await tryJoin(before.room, before.ticket)).toBe(CloseCode.revoked);

    const next = await ticketOf(await signIn(t.server.url, bob.username));
    expect(emu.control.revokeUser(bob.id)).toBe(true);
    await expect(t.server.auth.refreshAccessToken(emu.orgId, bob.id)).rejects.toMatchObject({ code: "invalid_grant" });
    expect(await tryJoin(next.room, next.ticket)).toBe(CloseCode.revoked);
  });
});

describe("live tickets per user", () => {
  it(`answers 429 beyond ${DEFAULT_MAX_LIVE_TICKETS_PER_USER} live tickets of one user, and a used ticket frees its place`, async () => {
    const carol = user(2);
    const cookie = await signIn(t.server.url, carol.username);
    const issued: { ticket: string; room: string }[] = [];
    for (let i = 0; i < DEFAULT_MAX_LIVE_TICKETS_PER_USER; i++) issued.push(await ticketOf(cookie));

    const refused = await requestTicket(cookie);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("content-type")).toMatch(/application\/json/);
    expect(await refused.json()).toEqual({ error: "too_many_tickets" });
    expect(Number(refused.headers.get("retry-after"))).toBe(30);
    // Another session of the same user shares the limit; another user does not.
    expect((await requestTicket(await signIn(t.server.url, carol.username))).status).toBe(429);
    expect((await requestTicket(await signIn(t.server.url, user(0).username))).status).toBe(200);

    const first = issued[0];
    if (!first) throw new Error("no ticket issued");
    expect(await tryJoin(first.room, first.ticket)).toBe("joined");
    expect((await requestTicket(cookie)).status).toBe(200);
    expect((await requestTicket(cookie)).status).toBe(429);
  });

  it("a device that uses each ticket it gets reconnects as often as it likes", async () => {
    const cookie = await signIn(t.server.url, user(1).username);
    for (let i = 0; i < 3 * DEFAULT_MAX_LIVE_TICKETS_PER_USER; i++) {
      const { ticket, room } = await ticketOf(cookie);
      expect(await tryJoin(room, ticket)).toBe("joined");
    }
  });

  it("the limit is an option", async () => {
    const small = await startTestServer({
      org: { loginUrl: emu.url, clientId: emu.clientId, clientSecret: emu.clientSecret },
      sync: false,
      maxLiveTicketsPerUser: 2,
    });
    try {
      const cookie = await signIn(small.server.url, user(0).username);
      const post = () => fetch(`${small.server.url}/api/sync-ticket`, { method: "POST", headers: { cookie } });
      expect([(await post()).status, (await post()).status, (await post()).status]).toEqual([200, 200, 429]);
    } finally {
      await small.close();
    }
  });
});
