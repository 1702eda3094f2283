/**
 * Refresh tokens at rest (`--data FILE`): the data file and its journal hold refresh tokens
 * only as hashes, never in clear, and a token still refreshes (and revokes) after a restart,
 * a crash (journal replay) included. A file of an earlier version that holds them in clear
 * still works and is rewritten hashed on load.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createEmulator, type Emulator } from "../src/index.js";

/** How the emulator persists a refresh token: SHA-256, base64url. */
const hashRefreshToken = (token: string): string => createHash("sha256").update(token).digest("base64url");

const dir = mkdtempSync(join(tmpdir(), "sf-emulator-tokens-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A refresh grant at `sf`'s token endpoint; the HTTP status. */
async function refresh(sf: Emulator, refreshToken: string): Promise<number> {
  const res = await fetch(`${sf.url}/services/oauth2/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "refresh_token", client_id: sf.clientId, refresh_token: refreshToken }),
  });
  await res.body?.cancel();
  return res.status;
}

async function revoke(sf: Emulator, token: string): Promise<number> {
  const res = await fetch(`${sf.url}/services/oauth2/revoke`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ token }),
  });
  await res.body?.cancel();
  return res.status;
}

function issue(sf: Emulator): string {
  const token = sf.control.issueToken(sf.users[0]?.username ?? "")?.refresh_token;
  if (!token) throw new Error("the emulator issued no refresh token");
  return token;
}

const read = (file: string): string => readFileSync(file, "utf8");

describe("refresh tokens at rest", () => {
  it("are journaled and snapshotted hashed, and refresh after a crash and after a clean restart", async () => {
    const file = join(dir, "org.json");
    const first = await createEmulator({ seed: "tokens", dataFile: file });
    const token = issue(first);
    // Acknowledged, so journaled: by its hash only.
    expect(read(`${file}.journal`)).not.toContain(token);
    expect(read(`${file}.journal`)).toContain(hashRefreshToken(token));
    expect(read(file)).not.toContain(token);

    // A crash: the files as they are now, journal not folded.
    const crashed = join(dir, "crashed.json");
    writeFileSync(crashed, read(file));
    writeFileSync(`${crashed}.journal`, read(`${file}.journal`));
    await first.close();
    expect(read(file)).not.toContain(token);
    expect(read(file)).toContain(hashRefreshToken(token));

    const replayed = await createEmulator({ dataFile: crashed });
    try {
      expect(await refresh(replayed, token)).toBe(200);
    } finally {
      await replayed.close();
    }

    const second = await createEmulator({ dataFile: file });
    try {
      expect(await refresh(second, token)).toBe(200);
      expect(await refresh(second, `${token}x`)).toBe(400);
      expect(await revoke(second, token)).toBe(200);
      expect(await refresh(second, token)).toBe(400);
    } finally {
      await second.close();
    }
    const third = await createEmulator({ dataFile: file });
    try {
      expect(await refresh(third, token)).toBe(400);
    } finally {
      await third.close();
    }
  });

  it("reads a file of an earlier version holding tokens in clear, and rewrites it hashed", async () => {
    const file = join(dir, "legacy.json");
    const first = await createEmulator({ seed: "legacy", dataFile: file });
    const token = issue(first);
    await first.close();
    // As an earlier version wrote it: the token itself in place of its hash.
    const hashed = JSON.stringify({ hash: hashRefreshToken(token) }).slice(1, -1);
    const clear = JSON.stringify({ token }).slice(1, -1);
    expect(read(file)).toContain(hashed);
    writeFileSync(file, read(file).replace(hashed, clear));
    expect(read(file)).toContain(token);

    const second = await createEmulator({ dataFile: file });
    try {
      expect(read(file)).not.toContain(token);
      expect(await refresh(second, token)).toBe(200);
    } finally {
      await second.close();
    }
  });
});
