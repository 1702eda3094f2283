/**
 * Command-line flags of `tandem-emulator` (the package README) parsed into emulator options.
 *
 * Invariant: a flag that is unknown, lacks its value or has a bad value throws
 * {@link CliUsageError} naming it; nothing is started.
 */
import type { DatasetName } from "./data/seed.js";
import type { EmulatorOptions } from "./server/create-emulator.js";

/** One-line usage text. */
export const USAGE =
  "usage: tandem-emulator [--port N] [--seed S] [--dataset small|medium|large] [--data FILE] [--no-control] [--token-ttl MS] [--no-shared-activities]";

/** Thrown for bad command-line flags. */
export class CliUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CliUsageError";
  }
}

/** Parses the CLI flags into emulator options. */
export function parseCliArgs(args: readonly string[]): EmulatorOptions {
  const out: {
    port?: number;
    seed?: string;
    dataset?: DatasetName;
    dataFile?: string;
    control?: boolean;
    accessTokenTtlMs?: number;
    sharedActivities?: boolean;
  } = {};
  for (let i = 0; i < args.length; i++) {
    const raw = args[i] ?? "";
    const eq = raw.indexOf("=");
    const flag = raw.startsWith("--") && eq > 0 ? raw.slice(0, eq) : raw;
    const inline = raw.startsWith("--") && eq > 0 ? raw.slice(eq + 1) : undefined;
    const value = (): string => {
      const v = inline ?? args[++i];
      if (v === undefined || (inline === undefined && v.startsWith("--")))
        throw new CliUsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case "--port": {
        const v = value();
        const port = Number(v);
        if (!/^\d+$/.test(v) || port > 65535) throw new CliUsageError(`--port must be an integer 0-65535, got "${v}"`);
        out.port = port;
        break;
      }
      case "--seed":
        out.seed = value();
        break;
      case "--dataset": {
        const v = value();
        if (v !== "small" && v !== "medium" && v !== "large") {
          throw new CliUsageError(`--dataset must be small, medium or large, got "${v}"`);
        }
        out.dataset = v;
        break;
      }
      case "--data":
        out.dataFile = value();
        break;
      case "--no-control":
        out.control = false;
        break;
      case "--no-shared-activities":
        out.sharedActivities = false;
        break;
      case "--token-ttl": {
        const v = value();
        if (!/^\d+$/.test(v) || Number(v) < 1)
          throw new CliUsageError(`--token-ttl must be a positive integer (ms), got "${v}"`);
        out.accessTokenTtlMs = Number(v);
        break;
      }
      case "--help":
      case "-h":
        throw new CliUsageError("help");
      default:
        throw new CliUsageError(`unknown flag "${raw}"`);
    }
  }
  return out;
}
