/**
 * Keeping the org in a file across restarts (`--data FILE`): a columnar JSON snapshot written
 * atomically — temp file, fsync, rename, fsync of the directory — plus an append-only journal
 * (`FILE.journal`) of the records each write changed, fsynced before the write is answered.
 * The journal is folded into a new snapshot when it grows large and on close.
 *
 * Invariants: a crash leaves the previous or the new snapshot, never a torn one; a torn last
 * journal line (a crash mid-append) is ignored, any other unreadable line is an error; journal
 * entries carry whole records, so replaying one twice is harmless; loading validates the format
 * marker and refuses anything else with a clear error. Refresh tokens are written only hashed
 * (`hashRefreshToken`); a file of an earlier version that holds them in clear is read (their
 * hashes kept) and reported by `legacyTokens`, so the caller rewrites it at once.
 */
import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { dirname } from "node:path";
import type { DatasetName } from "../data/seed.js";
import { IdGenerator } from "../ids/salesforce-id.js";
import {
  type LegacyRefreshTokenRecord,
  type RefreshTokenRecord,
  readRefreshTokenRecord,
} from "../oauth/token-store.js";
import { createOrgSchema, type ExternalIdFieldOption } from "../schema/objects.js";
import type { Org, OrgUser, SharingDefaults } from "../store/org.js";
import { OrgStore, type SfValue } from "../store/org-store.js";
import { Clock } from "../util/time.js";

const FORMAT = "tandem-salesforce-emulator-org";

/** Thrown when a data file cannot be used. */
export class DataFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DataFileError";
  }
}

interface Snapshot {
  readonly format: typeof FORMAT;
  readonly version: 1;
  readonly orgId: string;
  readonly seed: string;
  readonly dataset: string;
  readonly pod: string;
  readonly clockOffsetMs: number;
  readonly idCounters: Record<string, number>;
  readonly users: readonly OrgUser[];
  readonly sharing: SharingDefaults;
  readonly externalIdFields: readonly ExternalIdFieldOption[];
  /** False for an org without Shared Activities; absent (files written before) means true. */
  readonly sharedActivities?: boolean | undefined;
  readonly tables: Record<string, { fields: string[]; rows: SfValue[][] }>;
  readonly deletions: [string, number][];
  readonly refreshTokens: readonly (RefreshTokenRecord | LegacyRefreshTokenRecord)[];
}

/** Extra state saved with the org. */
export interface PersistedExtras {
  readonly externalIdFields: readonly ExternalIdFieldOption[];
  readonly refreshTokens: readonly RefreshTokenRecord[];
}

/** Serializes the org. */
export function snapshotOrg(org: Org, extras: PersistedExtras): string {
  const tables: Snapshot["tables"] = {};
  for (const def of org.schema.objects) {
    const fields = def.fields.map((f) => f.name);
    const rows: SfValue[][] = [];
    for (const rec of org.store.table(def.name).values()) rows.push(fields.map((f) => rec[f] ?? null));
    tables[def.name] = { fields, rows };
  }
  const snapshot: Snapshot = {
    format: FORMAT,
    version: 1,
    orgId: org.orgId,
    seed: org.seed,
    dataset: org.dataset,
    pod: org.pod,
    clockOffsetMs: org.clock.offsetMs,
    idCounters: org.ids.snapshot(),
    users: org.users,
    sharing: org.sharing,
    externalIdFields: extras.externalIdFields,
    sharedActivities: org.schema.object("TaskRelation") !== undefined,
    tables,
    deletions: [...org.store.deletions()],
    refreshTokens: extras.refreshTokens,
  };
  return JSON.stringify(snapshot);
}

/** Writes text to `file` atomically and durably. */
export function writeFileAtomic(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = openSync(tmp, "w", 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, file);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
  try {
    const dirFd = openSync(dirname(file), "r");
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  } catch {
    // Some platforms cannot fsync a directory; the rename itself is still atomic.
  }
}

/** A loaded org with the extras saved next to it. */
export interface LoadedOrg {
  readonly org: Org;
  readonly extras: PersistedExtras;
  /** The file (or its journal) holds refresh tokens in clear: compact it to rewrite them hashed. */
  readonly legacyTokens: boolean;
}

/** Loads an org from a data file, or `undefined` when the file does not exist. */
export function loadOrg(file: string, baseNow?: () => number): LoadedOrg | undefined {
  if (!existsSync(file)) return undefined;
  let data: Snapshot;
  try {
    data = JSON.parse(readFileSync(file, "utf8")) as Snapshot;
  } catch (error) {
    throw new DataFileError(
      `${file} is not a valid emulator data file: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (data?.format !== FORMAT || data.version !== 1) {
    throw new DataFileError(`${file} is not an emulator data file (format marker missing or unsupported version)`);
  }
  const schema = createOrgSchema(data.externalIdFields, { sharedActivities: data.sharedActivities });
  const store = new OrgStore(schema);
  const deletedAt = new Map(data.deletions);
  for (const def of schema.objects) {
    const table = data.tables[def.name];
    if (!table) continue;
    const index = def.fields.map((f) => table.fields.indexOf(f.name));
    for (const row of table.rows) {
      const rec: Record<string, SfValue> = {};
      def.fields.forEach((f, i) => {
        const at = index[i] ?? -1;
        rec[f.name] = at >= 0 ? (row[at] ?? null) : null;
      });
      store.put(def.name, rec, deletedAt.get(String(rec.Id)));
    }
  }
  let idCounters = data.idCounters;
  let clockOffsetMs = data.clockOffsetMs;
  // Files written before tokens were persisted have none.
  let refreshTokens = data.refreshTokens ?? [];
  const journaled = readJournal(journalPath(file));
  for (const entry of journaled) {
    for (const change of entry.records) {
      const def = schema.object(change.o);
      if (!def) continue;
      if (change.r === null) {
        store.purgeRecord(def.name, change.id);
      } else {
        store.put(def.name, { ...blank(def), ...change.r }, change.d ?? undefined);
      }
    }
    idCounters = entry.ids;
    clockOffsetMs = entry.clock;
    refreshTokens = entry.tokens ?? refreshTokens;
  }
  const org: Org = {
    orgId: data.orgId,
    pod: data.pod,
    schema,
    store,
    clock: new Clock(clockOffsetMs, baseNow),
    ids: new IdGenerator(data.pod, idCounters),
    users: data.users,
    sharing: data.sharing,
    seed: data.seed,
    dataset: data.dataset as DatasetName,
  };
  const legacyTokens =
    (data.refreshTokens ?? []).some((r) => !("hash" in r)) ||
    journaled.some((e) => (e.tokens ?? []).some((r) => !("hash" in r)));
  return {
    org,
    extras: { externalIdFields: data.externalIdFields, refreshTokens: refreshTokens.map(readRefreshTokenRecord) },
    legacyTokens,
  };
}

function blank(def: { fields: readonly { name: string }[] }): Record<string, SfValue> {
  const rec: Record<string, SfValue> = {};
  for (const f of def.fields) rec[f.name] = null;
  return rec;
}

/** The journal next to a data file. */
export function journalPath(file: string): string {
  return `${file}.journal`;
}

interface JournalEntry {
  readonly records: { o: string; id: string; r: Record<string, SfValue> | null; d?: number | null }[];
  readonly ids: Record<string, number>;
  readonly clock: number;
  readonly tokens: readonly (RefreshTokenRecord | LegacyRefreshTokenRecord)[];
}

function readJournal(path: string): JournalEntry[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, "utf8");
  const lines = text.split("\n");
  const out: JournalEntry[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    try {
      out.push(JSON.parse(line) as JournalEntry);
    } catch (error) {
      // Only the last line can be torn by a crash mid-append; it was never acknowledged.
      if (i === lines.length - 1) return;
      throw new DataFileError(
        `${path} line ${i + 1} is corrupt: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  });
  return out;
}

/** Options of {@link OrgPersister}. */
export interface PersisterOptions {
  /** Fold the journal into a snapshot once it exceeds this many bytes (default 32 MiB). */
  readonly compactBytes?: number | undefined;
}

/**
 * Keeps an org's data file current: `commit()` after every change appends one fsynced journal
 * line; `compact()` writes a snapshot and empties the journal.
 */
export class OrgPersister {
  readonly #file: string;
  readonly #org: Org;
  readonly #extras: () => PersistedExtras;
  readonly #compactBytes: number;
  #fd: number;
  #lastKey = "";

  constructor(file: string, org: Org, extras: () => PersistedExtras, options: PersisterOptions = {}) {
    this.#file = file;
    this.#org = org;
    this.#extras = extras;
    this.#compactBytes = options.compactBytes ?? 32 * 1024 * 1024;
    this.#fd = openSync(journalPath(file), "a", 0o600);
    org.store.trackChanges();
    this.#lastKey = this.#stateKey();
  }

  #stateKey(): string {
    const extras = this.#extras();
    return JSON.stringify([this.#org.ids.snapshot(), this.#org.clock.offsetMs, extras.refreshTokens]);
  }

  /** Appends the records changed since the last commit (and counters, clock, tokens). */
  commit(): void {
    const changes = this.#org.store.takeChanges();
    const key = this.#stateKey();
    if (changes.size === 0 && key === this.#lastKey) return;
    const records: JournalEntry["records"] = [];
    for (const [id, object] of changes) {
      const rec = this.#org.store.get(object, id);
      records.push({
        o: object,
        id,
        r: rec ? { ...rec } : null,
        d: rec ? (this.#org.store.deletedAt(id) ?? null) : null,
      });
    }
    const entry: JournalEntry = {
      records,
      ids: this.#org.ids.snapshot(),
      clock: this.#org.clock.offsetMs,
      tokens: this.#extras().refreshTokens,
    };
    writeSync(this.#fd, `${JSON.stringify(entry)}\n`);
    fsyncSync(this.#fd);
    this.#lastKey = key;
    if (fstatSync(this.#fd).size > this.#compactBytes) this.compact();
  }

  /** Writes a full snapshot atomically, then empties the journal. */
  compact(): void {
    this.#org.store.takeChanges();
    writeFileAtomic(this.#file, snapshotOrg(this.#org, this.#extras()));
    ftruncateSync(this.#fd, 0);
    fsyncSync(this.#fd);
    this.#lastKey = this.#stateKey();
  }

  /** Compacts and closes the journal. */
  close(): void {
    this.compact();
    closeSync(this.#fd);
  }
}
