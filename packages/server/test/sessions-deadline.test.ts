/**
 * Connections that do not talk (issue 18, "Sessions and connections"): a TCP connection that
 * sends nothing is destroyed at about `authDeadlineMs`, one that starts a request but never
 * finishes its headers is answered 408 about then, and a keep-alive client that talks is
 * never cut by the deadline. Raw `net` sockets against the real server on port 0, with a short
 * deadline.
 */
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./helpers.js";

const DEADLINE_MS = 300;
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ authDeadlineMs: DEADLINE_MS, sync: false });
});
afterAll(async () => {
  await t.close();
});

/** A raw connection to the server, with what it received and when it closed. */
async function open(): Promise<{ socket: Socket; received: () => string; closed: Promise<number> }> {
  const started = performance.now();
  const socket = connect(t.server.port, "127.0.0.1");
  let text = "";
  socket.setEncoding("utf8");
  socket.on("data", (d: string) => {
    text += d;
  });
  const closed = new Promise<number>((resolve) => socket.once("close", () => resolve(performance.now() - started)));
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  return { socket, received: () => text, closed };
}

/** Resolves with `p`'s value, or `"still open"` after `ms`. */
function within<T>(p: Promise<T>, ms: number): Promise<T | "still open"> {
  return Promise.race([p, new Promise<"still open">((r) => setTimeout(() => r("still open"), ms))]);
}

const GET = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

describe("the connection deadline", () => {
  it("destroys a connection that sends no byte at about the deadline", async () => {
    const c = await open();
    const after = await within(c.closed, DEADLINE_MS * 10);
    expect(after).not.toBe("still open");
    expect(after).toBeGreaterThanOrEqual(DEADLINE_MS - 50);
    expect(c.received()).toBe("");
  });

  it("answers 408 to a request whose headers never end, at about the deadline", async () => {
    const c = await open();
    c.socket.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    const after = await within(c.closed, DEADLINE_MS * 10);
    expect(after).not.toBe("still open");
    expect(c.received()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it("keeps a keep-alive client that talks: a second request past the deadline is answered", async () => {
    const c = await open();
    c.socket.write(GET);
    await until(() => c.received().includes('{"ok":true}'));
    await new Promise((r) => setTimeout(r, DEADLINE_MS * 2));
    expect(c.socket.destroyed).toBe(false);
    c.socket.write(GET);
    await until(() => c.received().split('{"ok":true}').length === 3);
    c.socket.destroy();
  });
});

async function until(cond: () => boolean): Promise<void> {
  const start = performance.now();
  while (!cond()) {
    if (performance.now() - start > 5000) throw new Error("timed out waiting for the response");
    await new Promise((r) => setTimeout(r, 5));
  }
}
