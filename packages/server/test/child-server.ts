/**
 * The real `tandem-server` CLI in a child process (file store under `dataDir`), against a
 * separately started org, for tests that kill and restart it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const cli = fileURLToPath(new URL("../src/cli.ts", import.meta.url));

/** A started child server. */
export interface ChildServer {
  readonly child: ChildProcess;
  readonly url: string;
  /** Its log lines (stderr) so far. */
  log(): string;
}

/** Starts the CLI on a free port and resolves once it printed its ready line; `extra` are more flags. */
export async function startChildServer(
  dataDir: string,
  org: { url: string; clientId: string; clientSecret: string },
  extra: readonly string[] = [],
  env: Readonly<Record<string, string>> = {},
): Promise<ChildServer> {
  const args = ["--conditions=@tandem/source", "--import", "tsx", cli, "--port", "0"];
  const child = spawn(process.execPath, [...args, "--data-dir", dataDir, "--salesforce", org.url, ...extra], {
    env: { ...process.env, SF_CLIENT_ID: org.clientId, SF_CLIENT_SECRET: org.clientSecret, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stderr?.on("data", (d: Buffer) => {
    log += d.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    let buf = "";
    child.stdout?.on("data", (d: Buffer) => {
      buf += d.toString();
      const line = buf.split("\n")[0];
      if (buf.includes("\n") && line) resolve((JSON.parse(line) as { url: string }).url);
    });
    child.on("exit", (code) => reject(new Error(`server exited early with ${code}`)));
  });
  return { child, url, log: () => log };
}
