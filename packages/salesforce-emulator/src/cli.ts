#!/usr/bin/env node
/**
 * `tandem-emulator [--port N] [--seed S] [--dataset small|medium|large] [--data FILE]
 * [--no-control] [--token-ttl MS] [--no-shared-activities]`: starts the emulator and prints ONE JSON line on stdout
 * when ready: `{"url","clientId","clientSecret","users":[{"id","username","password","name"}]}`
 * (the package README). Bad flags exit 2 with a message on stderr; SIGINT/SIGTERM close cleanly.
 *
 * Invariant: this file is the `tandem-emulator` bin itself (compiled to `dist/cli.js`): one
 * process, no launcher and no TypeScript loader at run time.
 */
import { CliUsageError, parseCliArgs, USAGE } from "./cli-args.js";
import { createEmulator, type EmulatorOptions } from "./server/create-emulator.js";

async function main(): Promise<void> {
  let options: EmulatorOptions;
  try {
    options = parseCliArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof CliUsageError) {
      if (error.message === "help") {
        process.stdout.write(`${USAGE}\n`);
        process.exit(0);
      }
      process.stderr.write(`tandem-emulator: ${error.message}\n${USAGE}\n`);
      process.exit(2);
    }
    throw error;
  }
  const emulator = await createEmulator(options);
  const ready = {
    url: emulator.url,
    clientId: emulator.clientId,
    clientSecret: emulator.clientSecret,
    users: emulator.users.map((u) => ({ id: u.id, username: u.username, password: u.password, name: u.name })),
  };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    emulator.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`tandem-emulator: close failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`tandem-emulator: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
