/**
 * Child processes for the packed-artifact test (scripts/pack.test.mjs): run a command to its
 * end, or start a long-running bin and wait for the one JSON line it prints when ready.
 *
 * Invariants: every started process is recorded in the {@link ProcessGroup} that started it and
 * is SIGKILLed by `killAll()` unless it already exited; output is kept whole so a failure can
 * show it; nothing here uses a shell (arguments are passed as they are).
 */
import { spawn } from "node:child_process";

/** A command that exited non-zero or by a signal; its message carries the command's output. */
export class CommandFailed extends Error {
  constructor(command, result) {
    super(
      `${command} exited ${result.code ?? result.signal}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`,
    );
    this.name = "CommandFailed";
    this.result = result;
  }
}

/**
 * Runs `file args` in `options.cwd` with `options.env`, resolving `{ code, signal, stdout, stderr }`.
 * Rejects with {@link CommandFailed} unless it exits 0 (or `options.allowFailure` is set).
 *
 * @example
 * const { stdout } = await run("node", ["index.mjs"], { cwd, env });
 */
export function run(file, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: "pipe" });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d) => {
      stderr += d;
    });
    child.stdin.end();
    child.on("error", reject);
    child.on("close", (code, signal) => {
      const result = { code, signal, stdout, stderr };
      if (code === 0 || options.allowFailure) resolve(result);
      else reject(new CommandFailed([file, ...args].join(" "), result));
    });
  });
}

/** Long-running processes started by one test file, killed together at the end. */
export class ProcessGroup {
  #children = new Set();

  /**
   * Starts `file args` and resolves `{ child, ready, stderr() }` once it prints a line that
   * parses as a JSON object on stdout (`ready` is that object). Rejects, with its output, when
   * the process exits first.
   */
  startReady(file, args, options = {}) {
    const child = spawn(file, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: "pipe" });
    this.#children.add(child);
    // A process that could not be spawned emits "error" and may never emit "exit".
    for (const event of ["exit", "error"]) child.on(event, () => this.#children.delete(child));
    let stdout = "";
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d) => {
      stderr += d;
    });
    child.stdin.end();
    return new Promise((resolve, reject) => {
      let settled = false;
      child.on("error", (error) => {
        settled = true;
        reject(error);
      });
      child.stdout.setEncoding("utf8").on("data", (d) => {
        stdout += d;
        if (settled) return;
        for (const line of stdout.split("\n").slice(0, -1)) {
          const ready = parseObject(line);
          if (ready === undefined) continue;
          settled = true;
          resolve({ child, ready, stderr: () => stderr });
          return;
        }
      });
      child.on("exit", (code, signal) => {
        if (settled) return;
        settled = true;
        reject(new CommandFailed([file, ...args].join(" "), { code, signal, stdout, stderr }));
      });
    });
  }

  /** SIGKILLs every process of the group still running and waits for each to exit. */
  async killAll() {
    const running = [...this.#children].filter((child) => child.pid !== undefined);
    for (const child of running) child.kill("SIGKILL");
    await Promise.all(running.map(exited));
  }
}

/**
 * Resolves when `child` has exited (at once if it already has), with its exit code and signal.
 *
 * @example
 * child.kill("SIGKILL"); await exited(child);
 */
export function exited(child) {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
}

function parseObject(line) {
  const text = line.trim();
  if (!text.startsWith("{")) return undefined;
  try {
    const value = JSON.parse(text);
    return typeof value === "object" && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
}
