/**
 * Keeps a book's view snapshot current: once the doc has been read from IndexedDB, it writes
 * the snapshot, then rewrites it (debounced, then at the next idle moment: building it ranks
 * the whole book's recommendations) after each change of the doc's view.
 *
 * Invariants: nothing is written before the doc has loaded (the view of a half-read doc would
 * be a wrong snapshot); an unchanged snapshot is not written again; after {@link
 * SnapshotWriter.stop} resolves no write is under way or will start, so a sign-out can delete
 * the snapshot without a late write bringing it back. A failed write is reported through
 * `onError` and retried at the next change.
 */
import type { SnapshotOwner, ViewSnapshot } from "./view-snapshot.js";
import { writeViewSnapshot } from "./view-snapshot.js";

/** Options of {@link startSnapshotWriter}. */
export interface SnapshotWriterOptions {
  readonly owner: SnapshotOwner;
  /** Subscribes to the doc's view (the engine's `BookView.subscribe`). */
  readonly subscribe: (listener: () => void) => () => void;
  /** Resolves once the doc has been read from IndexedDB. */
  readonly whenLoaded: Promise<void>;
  /** The snapshot of the view as it is now. */
  readonly snapshot: () => ViewSnapshot;
  /** Stores a snapshot (`saveViewSnapshot`). */
  readonly save: (snapshot: ViewSnapshot) => Promise<void>;
  /** Quiet time after a change before writing (ms). */
  readonly debounceMs: number;
  /** Runs a function when the page is idle; returns a cancel function (default: at once). */
  readonly whenIdle?: ((fn: () => void) => () => void) | undefined;
  readonly onError: (error: unknown) => void;
}

/** A running writer. */
export interface SnapshotWriter {
  /** Writes now if the view changed since the last write. */
  flush(): Promise<void>;
  /** Stops writing; resolves when no write is under way. */
  stop(): Promise<void>;
}

/**
 * Starts keeping the snapshot of one book current.
 *
 * @example
 * ```ts
 * const writer = startSnapshotWriter({ owner, subscribe: view.subscribe, whenLoaded,
 *   snapshot: () => snapshotOfView(view, owner, new Date()), save: saveViewSnapshot,
 *   debounceMs: 1_000, onError: console.warn });
 * await writer.stop(); // before deleting the book
 * ```
 */
export function startSnapshotWriter(options: SnapshotWriterOptions): SnapshotWriter {
  let stopped = false;
  let loaded = false;
  let dirty = true;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let cancelIdle: (() => void) | null = null;
  const whenIdle =
    options.whenIdle ??
    ((fn: () => void) => {
      fn();
      return () => {};
    });
  let writing: Promise<void> = Promise.resolve();
  let lastText: string | null = null;

  const write = (): Promise<void> => {
    if (stopped || !loaded || !dirty) return writing;
    dirty = false;
    writing = writing.then(async () => {
      if (stopped) return;
      const snapshot = options.snapshot();
      // The view changes every minute (time passing) without changing what the screen shows.
      const text = writeViewSnapshot({ ...snapshot, savedAt: "" });
      if (text === lastText) return;
      try {
        await options.save(snapshot);
        lastText = text;
      } catch (error) {
        dirty = true;
        options.onError(error);
      }
    });
    return writing;
  };
  const schedule = () => {
    dirty = true;
    if (stopped || !loaded) return;
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      cancelIdle?.();
      cancelIdle = whenIdle(() => {
        cancelIdle = null;
        void write();
      });
    }, options.debounceMs);
  };
  const unsubscribe = options.subscribe(schedule);
  void options.whenLoaded.then(() => {
    loaded = true;
    schedule();
  });

  return {
    flush: write,
    stop: async () => {
      stopped = true;
      unsubscribe();
      if (timer !== null) clearTimeout(timer);
      timer = null;
      cancelIdle?.();
      cancelIdle = null;
      await writing;
    },
  };
}
