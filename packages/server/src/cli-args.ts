/**
 * Parsing of `tandem-server` arguments into plain options (no IO, no environment).
 */

/** Parsed command line. */
export interface CliArgs {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string | undefined;
  readonly keyFile: string | undefined;
  /** `emulator` or the org's login URL. */
  readonly salesforce: string;
  readonly staticDir: string | undefined;
  readonly publicUrl: string | undefined;
  readonly memory: boolean;
}

/** A bad command line. */
export class CliError extends Error {
  override readonly name = "CliError";
}

/** Parses argv (without node and script). */
export function parseCliArgs(argv: readonly string[]): CliArgs {
  const values: Record<string, string> = {};
  let memory = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? "";
    if (a === "--memory") {
      memory = true;
      continue;
    }
    const m = /^--(port|host|data-dir|key-file|salesforce|static-dir|public-url)(?:=(.*))?$/.exec(a);
    if (!m?.[1]) throw new CliError(`unknown argument ${a}`);
    const v = m[2] ?? argv[++i];
    if (v === undefined) throw new CliError(`--${m[1]} needs a value`);
    values[m[1]] = v;
  }
  const port = Number(values.port ?? "8080");
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`bad --port ${values.port}`);
  const salesforce = values.salesforce ?? "emulator";
  if (salesforce !== "emulator" && !/^https?:\/\//.test(salesforce))
    throw new CliError("--salesforce takes `emulator` or a login URL");
  return {
    port,
    host: values.host ?? "127.0.0.1",
    dataDir: values["data-dir"],
    keyFile: values["key-file"],
    salesforce,
    staticDir: values["static-dir"],
    publicUrl: values["public-url"],
    memory,
  };
}
