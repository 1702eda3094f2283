/**
 * The published artifacts, tried as a third-party developer gets them (issue 21, "Done when"):
 * build and `pnpm pack` every library, `npm install` the tarballs into a fresh project outside the
 * workspace, start the emulator from its packed bin, and run the examples against it: the
 * plain-JavaScript script, the TypeScript app (compiled against the packages' .d.ts) and the
 * README's "Embed Tandem in your app" block. Also: the packed server bin, SIGKILLed, can be
 * started again on its port at once.
 *
 * The README block is read between `<!-- embed:start -->` and `<!-- embed:end -->` in README.md
 * (TANDEM_EMBED_README names another file, to try a draft of the section). Every process started
 * here is killed in afterAll, whatever happened; the temp project is removed.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPackedProject, LIBRARIES, tarballFiles } from "./pack/packed-project.mjs";
import { exited, ProcessGroup, run } from "./pack/processes.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const tsc = join(root, "node_modules", ".bin", "tsc");
const work = mkdtempSync(join(tmpdir(), "tandem-pack-"));
const processes = new ProcessGroup();
/** Filled by beforeAll. */
let project;
let emulator;

/** The environment of an example run: no workspace conditions or loaders leak in. */
function appEnv(extra) {
  const { NODE_OPTIONS: _, ...env } = process.env;
  return { ...env, ...extra };
}

const lines = (stdout) => stdout.split("\n").filter((l) => l !== "");
const linesStarting = (stdout, word) => lines(stdout).filter((l) => l.startsWith(`${word} `));

/** A refresh token for `username`, issued by the emulator's control API (no OAuth dance). */
async function refreshTokenFor(username) {
  const response = await fetch(`${emulator.url}/_emulator/tokens`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ user: username }),
  });
  expect(response.status).toBe(200);
  return (await response.json()).refresh_token;
}

/** Reads a record from the emulator as `username`, through the REST API. */
async function readRecord(username, sobject, id) {
  const response = await fetch(`${emulator.url}/_emulator/tokens`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ user: username }),
  });
  const { access_token, instance_url } = await response.json();
  const record = await fetch(`${instance_url}/services/data/v60.0/sobjects/${sobject}/${id}`, {
    headers: { Authorization: `Bearer ${access_token}` },
  });
  expect(record.status).toBe(200);
  return record.json();
}

function salesforceEnv(user, refreshToken) {
  return appEnv({
    SF_LOGIN_URL: emulator.url,
    SF_CLIENT_ID: emulator.clientId,
    SF_CLIENT_SECRET: emulator.clientSecret,
    SF_USERNAME: user.username,
    ...(refreshToken === undefined ? {} : { SF_REFRESH_TOKEN: refreshToken }),
  });
}

beforeAll(async () => {
  project = await createPackedProject(root, work);
  const bin = join(project.app, "node_modules", ".bin", "tandem-emulator");
  ({ ready: emulator } = await processes.startReady(bin, ["--port", "0", "--seed", "pack-test"], {
    cwd: project.app,
    env: appEnv({}),
  }));
}, 900_000);

afterAll(async () => {
  await processes.killAll();
  rmSync(work, { recursive: true, force: true });
});

describe("the packed libraries", () => {
  it("ship compiled JavaScript with typings and source maps, and no sources or tests", async () => {
    for (const pkg of LIBRARIES) {
      const files = await tarballFiles(project.tarballs[pkg]);
      expect(files, pkg).toEqual(expect.arrayContaining(["package.json", "dist/index.js", "dist/index.d.ts"]));
      expect(files.filter((f) => f.endsWith(".js.map")).length, `${pkg} source maps`).toBeGreaterThan(0);
      expect(
        files.filter((f) => f.startsWith("src/") || /\.test\.|\.ts$/.test(f.replace(/\.d\.(m|c)?ts$/, ""))),
        pkg,
      ).toEqual([]);
      const manifest = JSON.parse(readFileSync(join(project.app, "node_modules", "@tandem", pkg, "package.json")));
      expect(manifest.private, pkg).not.toBe(true);
      expect(JSON.stringify(manifest), `${pkg} keeps no workspace: ranges`).not.toContain("workspace:");
      expect(JSON.stringify(manifest.exports), `${pkg} exports no unshipped sources`).not.toContain("@tandem/source");
    }
  });
});

describe("examples against the emulator started from its packed bin", () => {
  it("plain JavaScript: signs in, syncs, reads the pipeline and Key contacts, logs a call that reaches applied", async () => {
    const user = emulator.users[0];
    const { stdout } = await run("node", ["examples/plain-js/index.mjs"], {
      cwd: project.app,
      env: salesforceEnv(user),
    });
    expect(linesStarting(stdout, "signed-in")).toEqual([expect.stringMatching(`^signed-in ${user.username} user=005`)]);
    const [pipeline] = linesStarting(stdout, "pipeline");
    const count = Number(/^pipeline (\d+) open opportunities$/.exec(pipeline ?? "")?.[1]);
    expect(count).toBeGreaterThan(0);
    expect(linesStarting(stdout, "opportunity")).toHaveLength(count);
    expect(linesStarting(stdout, "key-contacts")).toHaveLength(1);
    expect(linesStarting(stdout, "contact").length).toBeGreaterThan(0);

    const [logged] = linesStarting(stdout, "logged");
    const [, intentId, subject] = /^logged (\S+) "(.*)"$/.exec(logged ?? "") ?? [];
    expect(subject).toMatch(/^Call with /);
    const receipts = linesStarting(stdout, "receipt").map((l) => l.split(" "));
    expect(receipts.every((r) => r[1] === intentId)).toBe(true);
    expect(receipts.map((r) => r[2])).toEqual(["pending", "sending", "applied"]);
    const taskId = receipts.at(-1)?.[3] ?? "";
    expect(taskId).toMatch(/^00T/);
    expect(lines(stdout).at(-1)).toBe("done");

    const task = await readRecord(user.username, "Task", taskId);
    expect(task).toMatchObject({ Subject: subject, Status: "Completed", TaskSubtype: "Call" });
  }, 180_000);

  it("TypeScript app: compiles against the packed typings, keeps its book in its own file across restarts", async () => {
    const appDir = join(project.app, "examples", "ts-app");
    await run(tsc, ["-p", "tsconfig.json"], { cwd: appDir });
    // The app skips library checks, as apps do (yjs's typings need the DOM, jsforce's fail under
    // exactOptionalPropertyTypes); Tandem's own .d.ts must check cleanly all the same.
    const strict = await run(tsc, ["-p", "tsconfig.json", "--noEmit", "--skipLibCheck", "false"], {
      cwd: appDir,
      allowFailure: true,
    });
    expect(strict.stderr).toBe("");
    expect(lines(strict.stdout).filter((l) => l.includes("node_modules/@tandem/"))).toEqual([]);
    const user = emulator.users[1];
    const online = salesforceEnv(user, await refreshTokenFor(user.username));
    const offline = appEnv({});
    const cli = (env, ...args) => run("node", ["dist/cli.js", "--book", "book.ydoc", ...args], { cwd: appDir, env });

    const first = await cli(online, "pipeline");
    expect(lines(first.stdout)[0]).toBe("loaded 0 opportunities from book.ydoc");
    expect(linesStarting(first.stdout, "synced")).toHaveLength(1);
    const opportunities = linesStarting(first.stdout, "opportunity");
    expect(opportunities.length).toBeGreaterThan(0);

    // A restart with no Salesforce settings at all: the book comes from the app's file alone.
    const restarted = await cli(offline, "--offline", "pipeline");
    expect(lines(restarted.stdout)[0]).toBe(`loaded ${opportunities.length} opportunities from book.ydoc`);
    expect(linesStarting(restarted.stdout, "opportunity")).toEqual(opportunities);

    const [keyContact] = linesStarting(first.stdout, "key-contact");
    const [, oppId, contactId, ...name] = (keyContact ?? "").split(" ");
    const queued = await cli(offline, "--offline", "log-call", oppId, contactId, "Agreed", "on", "a", "pilot");
    const [, intentId] = /^logged (\S+) "Call with /.exec(linesStarting(queued.stdout, "logged")[0] ?? "") ?? [];
    expect(linesStarting(queued.stdout, "queued")).toEqual([`queued ${intentId} until the next online run`]);

    // The next online run finds the call waiting in the file and sends it.
    const sent = await cli(online, "pipeline");
    expect(linesStarting(sent.stdout, "pending")).toEqual(["pending 1"]);
    const [receipt] = linesStarting(sent.stdout, "receipt");
    expect(receipt).toMatch(new RegExp(`^receipt ${intentId} applied 00T`));
    const [opp] = linesStarting(sent.stdout, "opportunity").filter((l) => l.startsWith(`opportunity ${oppId} `));
    expect(opp).toMatch(new RegExp(`\\| last: \\d{4}-\\d\\d-\\d\\d Call with ${name.join(" ")}$`));
    const task = await readRecord(user.username, "Task", receipt?.split(" ")[3] ?? "");
    expect(task).toMatchObject({ Description: "Agreed on a pilot", WhoId: contactId, WhatId: oppId });

    // Online, log-call sends the call in the same run.
    const direct = await cli(online, "log-call", oppId, contactId, "Sent", "the", "order", "form");
    const [, directId] = /^logged (\S+) /.exec(linesStarting(direct.stdout, "logged")[0] ?? "") ?? [];
    expect(linesStarting(direct.stdout, "receipt")).toEqual([
      expect.stringMatching(`^receipt ${directId} applied 00T`),
    ]);
  }, 240_000);

  it("the README's embed block runs verbatim", async () => {
    const readme = readFileSync(process.env.TANDEM_EMBED_README ?? join(root, "README.md"), "utf8");
    const section = /<!-- embed:start -->([\s\S]*?)<!-- embed:end -->/.exec(readme)?.[1];
    expect(
      section,
      "README.md needs the embed section between <!-- embed:start --> and <!-- embed:end -->",
    ).toBeDefined();
    const code = /```(?:js|javascript|mjs)\n([\s\S]*?)```/.exec(section ?? "")?.[1];
    expect(code, "the embed section holds one ```js block").toBeDefined();
    writeFileSync(join(project.app, "embed.mjs"), code ?? "");
    const user = emulator.users[2];
    const { stdout } = await run("node", ["embed.mjs"], {
      cwd: project.app,
      env: salesforceEnv(user, await refreshTokenFor(user.username)),
    });
    const opportunities = lines(stdout);
    expect(opportunities.length).toBeGreaterThan(0);
    for (const line of opportunities) expect(line).toMatch(/^\S.* \| \S/);
  }, 120_000);
});

describe("the packed server bin", () => {
  it("is one process: after a SIGKILL of its PID it starts again on the same port at once", async () => {
    const bin = join(project.app, "node_modules", ".bin", "tandem-server");
    const options = { cwd: project.app, env: appEnv({}) };
    const first = await processes.startReady(bin, ["--port", "0", "--memory"], options);
    const url = new URL(first.ready.url);
    first.child.kill("SIGKILL");
    expect(await exited(first.child)).toEqual({ code: null, signal: "SIGKILL" });

    const second = await processes.startReady(bin, ["--port", url.port, "--memory"], options);
    expect(second.ready.url).toBe(first.ready.url);
    const ready = await fetch(new URL("/readyz", url));
    expect(ready.status).toBe(200);
    second.child.kill("SIGTERM");
    expect(await exited(second.child)).toEqual({ code: 0, signal: null });
  }, 120_000);
});
