/**
 * Durability: a child-process server (the real CLI, file store) is killed with SIGKILL while
 * a client writes; after a restart on the same data directory, every update that any client
 * had received from the server is present. Sessions survive the restart too. The org is the
 * real emulator, reached over HTTP as a separately started org (SF_CLIENT_ID/SECRET).
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEmulator, type Emulator } from "@tandem/salesforce-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { type ChildServer, startChildServer } from "./child-server.js";
import { connectProvider, waitFor } from "./helpers.js";

let emu: Emulator;
let dir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  emu = await createEmulator({ port: 0 });
  dir = mkdtempSync(join(tmpdir(), "tandem-durable-"));
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  await emu.close();
  rmSync(dir, { recursive: true, force: true });
});

async function startChild(): Promise<ChildServer> {
  const started = await startChildServer(join(dir, "data"), emu);
  children.push(started.child);
  return started;
}

async function login(url: string): Promise<string> {
  const username = emu.users[0]?.username ?? "";
  const start = await fetch(`${url}/auth/login?login_hint=${encodeURIComponent(username)}`, { redirect: "manual" });
  const loginCookie = (start.headers.getSetCookie()[0] ?? "").split(";")[0] ?? "";
  const atOrg = await fetch(start.headers.get("location") ?? "", { redirect: "manual" });
  const cb = await fetch(atOrg.headers.get("location") ?? "", { redirect: "manual", headers: { cookie: loginCookie } });
  return (cb.headers.getSetCookie().find((c) => c.startsWith("tandem_session=")) ?? "").split(";")[0] ?? "";
}

async function ticket(url: string, cookie: string): Promise<{ ticket: string; room: string }> {
  const res = await fetch(`${url}/api/sync-ticket`, { method: "POST", headers: { cookie } });
  expect(res.status).toBe(200);
  return (await res.json()) as { ticket: string; room: string };
}

describe("durability across SIGKILL", () => {
  it("keeps every update any client had received from the server", async () => {
    const first = await startChild();
    const cookie = await login(first.url);
    const w = await ticket(first.url, cookie);
    const o = await ticket(first.url, cookie);
    const writerDoc = new Y.Doc();
    const observerDoc = new Y.Doc();
    const writer = connectProvider(first.url, w.room, writerDoc, w.ticket);
    const observer = connectProvider(first.url, o.room, observerDoc, o.ticket);
    await waitFor(() => writer.synced && observer.synced, "both synced");
    let observerClosed = false;
    observer.on("connection-close", () => {
      observerClosed = true;
    });

    // The writer records interactions (a map devices may write), each under a new key.
    let i = 0;
    const timer = setInterval(() => {
      for (let k = 0; k < 5; k++) {
        const id = `x${i++}`;
        writerDoc.getMap("interactions").set(id, {
          id,
          email: "ada@example.com",
          kind: "email",
          at: new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString(),
          source: "test",
          subject: `message ${i}`,
        });
      }
    }, 2);
    await waitFor(() => observerDoc.getMap("interactions").size > 200, "observer receiving");
    first.child.kill("SIGKILL");
    await waitFor(() => observerClosed, "observer saw the connection drop");
    clearInterval(timer);
    writer.destroy();
    observer.destroy();
    const received = observerDoc.getMap("interactions").toJSON();
    expect(Object.keys(received).length).toBeGreaterThan(200);

    const second = await startChild();
    // The session was persisted too: the same cookie still gets tickets.
    const r = await ticket(second.url, cookie);
    const checkDoc = new Y.Doc();
    const check = connectProvider(second.url, r.room, checkDoc, r.ticket);
    await waitFor(() => check.synced, "restarted server synced");
    const recovered = checkDoc.getMap("interactions").toJSON();
    for (const [k, v] of Object.entries(received)) expect(recovered[k]).toEqual(v);
    check.destroy();
    second.child.kill("SIGTERM");
    await new Promise((resolve) => second.child.once("exit", resolve));
  });
});
