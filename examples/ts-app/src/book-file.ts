/**
 * The app's own storage for its book: one file holding the whole Y.Doc as a Yjs update
 * (`Y.encodeStateAsUpdate`). Tandem leaves storage to the app; this is the simplest durable
 * choice for a CLI.
 *
 * Invariants: the file always holds a complete state, never a torn one: each save writes a
 * temporary file beside it, fsyncs it, renames it over the old one and fsyncs the directory. Saves run one at a time
 * in call order, so a later save never loses to an earlier one. A missing file is an empty book.
 */
import { open, readFile, rename } from "node:fs/promises";
import { dirname } from "node:path";
import { loadBook } from "@tandem/engine";
import * as Y from "yjs";

/** A book document backed by a file. */
export interface BookFile {
  /** The document; the app and the engine read and write it. */
  readonly doc: Y.Doc;
  /** How many bytes were loaded at start (0 for a new book). */
  readonly loadedBytes: number;
  /** Writes the document's whole state to the file; resolves once it is durable. */
  save(): Promise<void>;
}

/**
 * Opens the book stored at `path`, or a new empty one when the file does not exist.
 *
 * @example
 * ```ts
 * const book = await openBookFile("book.ydoc");
 * createDevice(book.doc, context).logActivity(input);
 * await book.save();
 * ```
 */
export async function openBookFile(path: string): Promise<BookFile> {
  const doc = new Y.Doc();
  let stored: Uint8Array | undefined;
  try {
    stored = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  // loadBook applies the update and lets the records share their repeated id strings.
  if (stored !== undefined) loadBook(doc, stored);
  let queue: Promise<void> = Promise.resolve();
  const save = (): Promise<void> => {
    const next = queue.then(() => writeAtomically(path, Y.encodeStateAsUpdate(doc)));
    // A failed save is reported to its caller; the next save still runs.
    queue = next.catch(() => {});
    return next;
  };
  return { doc, loadedBytes: stored?.byteLength ?? 0, save };
}

async function writeAtomically(path: string, bytes: Uint8Array): Promise<void> {
  const temp = `${path}.tmp`;
  const file = await open(temp, "w");
  try {
    await file.writeFile(bytes);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temp, path);
  // The rename itself is durable only once the directory entry is.
  const dir = await open(dirname(path), "r");
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
