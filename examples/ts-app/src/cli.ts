#!/usr/bin/env node
/**
 * `tandem-ts-app [--book FILE] [--offline] pipeline | log-call <opportunityId> <contactId> <note…>`
 *
 * A small CLI that embeds the Tandem engine with its own storage: the book is the Y.Doc in FILE
 * (default `book.ydoc`), loaded before anything else, so a run shows what the previous run
 * synced even with no network (`--offline`). Online runs sign in with the refresh token in
 * `SF_REFRESH_TOKEN` (plus `SF_LOGIN_URL`, `SF_CLIENT_ID`, `SF_CLIENT_SECRET`).
 *
 * Invariants: the first line printed is always `loaded <n> opportunities from <file>`, read from
 * the file before any sync; exit 0 on success, 1 on a failure, 2 on a bad command line.
 */
import { createBookView } from "@tandem/engine";
import { openBookFile } from "./book-file.js";
import { type AppContext, logCall, pipeline } from "./commands.js";
import { UsageError } from "./session.js";

const USAGE = "usage: tandem-ts-app [--book FILE] [--offline] pipeline | log-call <opportunityId> <contactId> <note…>";

interface CommandLine {
  readonly bookPath: string;
  readonly offline: boolean;
  readonly command: readonly string[];
}

function parse(args: readonly string[]): CommandLine {
  let bookPath = "book.ydoc";
  let offline = false;
  const command: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    if (arg === "--book") {
      const value = args[++i];
      if (value === undefined) throw new UsageError("--book needs a file");
      bookPath = value;
    } else if (arg === "--offline") offline = true;
    else if (arg.startsWith("--")) throw new UsageError(`unknown flag ${arg}`);
    else command.push(arg);
  }
  return { bookPath, offline, command };
}

async function main(args: readonly string[]): Promise<void> {
  const line = parse(args);
  const book = await openBookFile(line.bookPath);
  const view = createBookView(book.doc);
  const print = (text: string) => console.log(text);
  print(`loaded ${view.getSnapshot().opportunities.length} opportunities from ${line.bookPath}`);
  view.dispose();
  const ctx: AppContext = { book, env: process.env, offline: line.offline, print };
  const [name, ...rest] = line.command;
  if (name === "pipeline" && rest.length === 0) return pipeline(ctx);
  if (name === "log-call" && rest.length >= 3) {
    const [opportunityId = "", contactId = "", ...note] = rest;
    return logCall(ctx, opportunityId, contactId, note.join(" "));
  }
  throw new UsageError(name === undefined ? "no command" : `bad command: ${line.command.join(" ")}`);
}

// No process.exit: the process ends by itself once the sync has stopped and the file is saved.
main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError) {
    console.error(`${error.message}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
