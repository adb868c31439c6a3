import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { keyId, profileSchema, sortPoints, type PerfProfile, type PerfSource } from '../../src/profiles/profile.js';

// The local profile store: one SQLite file (better-sqlite3: transactions and locking, so two `bench` runs never
// lose each other's writes) under the user's config directory. One row per (key, source): a new measurement of
// the same model, server, accelerator, TP and workload replaces the old one.

export class StoreError extends Error {}

/** $KINFER_PROFILES, else $XDG_CONFIG_HOME/kinfer/profiles.db, else ~/.config/kinfer/profiles.db. */
export function defaultStorePath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KINFER_PROFILES) return env.KINFER_PROFILES;
  const config = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME !== '' ? env.XDG_CONFIG_HOME : join(homedir(), '.config');
  return join(config, 'kinfer', 'profiles.db');
}

const SCHEMA_VERSION = 1;
const SCHEMA = `
CREATE TABLE IF NOT EXISTS profiles (
  id TEXT PRIMARY KEY,
  model TEXT NOT NULL,
  server TEXT NOT NULL,
  accelerator TEXT NOT NULL,
  tp INTEGER NOT NULL,
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  source TEXT NOT NULL,
  origin TEXT NOT NULL,
  created_at TEXT NOT NULL,
  points TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS profiles_model ON profiles (model);
`;

interface Row {
  model: string;
  server: string;
  accelerator: string;
  tp: number;
  input_tokens: number;
  output_tokens: number;
  source: string;
  origin: string;
  created_at: string;
  points: string;
}

export interface ProfileFilter {
  readonly model?: string;
  readonly accelerator?: string;
  readonly source?: PerfSource;
}

export class ProfileStore {
  private constructor(private readonly db: Database.Database | undefined, readonly path: string) {}

  /**
   * Opens the store. Read-only use of a store that does not exist yet gives an empty store and creates nothing;
   * `write` creates the file (and its directory).
   */
  static open(path: string, mode: 'read' | 'write'): ProfileStore {
    if (mode === 'read' && !existsSync(path)) return new ProfileStore(undefined, path);
    try {
      if (mode === 'write') mkdirSync(dirname(path), { recursive: true });
      const db = mode === 'read' ? openForReading(path) : new Database(path, { timeout: 5000 });
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version > SCHEMA_VERSION) {
        db.close();
        throw new StoreError(`profile store ${path} has schema version ${version}, newer than this kubectl-inference understands (${SCHEMA_VERSION}); upgrade kubectl-inference`);
      }
      if (mode === 'write') {
        // A store with a damaged page can still take an INSERT that misses that page, and `list` then fails:
        // check first, so an import never reports success into a store that cannot be read back.
        const rows = db.pragma('quick_check(3)') as { quick_check: string }[];
        const check = rows.map((r) => r.quick_check.replace(/\s+/g, ' ').trim()).join('; ');
        if (check !== 'ok') {
          db.close();
          throw new StoreError(`profile store ${path} is damaged (SQLite quick_check: ${check}); nothing was written. Export what still reads with \`profiles export\`, then move the file away`);
        }
        db.pragma('journal_mode = WAL');
        db.exec(SCHEMA);
        db.pragma(`user_version = ${SCHEMA_VERSION}`);
      } else if (version === 0) {
        // A database someone else made (or an empty file): only readable if it has our table.
        const table = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'profiles'").get();
        if (!table) {
          db.close();
          return new ProfileStore(undefined, path);
        }
      }
      return new ProfileStore(db, path);
    } catch (error) {
      if (error instanceof StoreError) throw error;
      throw new StoreError(describeSqliteError(error, path));
    }
  }

  /** Every profile matching the filter; rows that do not parse are reported in `skipped`, not thrown. */
  list(filter: ProfileFilter = {}): { profiles: PerfProfile[]; skipped: string[] } {
    if (!this.db) return { profiles: [], skipped: [] };
    const { where, params } = whereOf(filter);
    const sql = `SELECT * FROM profiles${where} ORDER BY model, accelerator, tp, input_tokens, output_tokens, source`;
    const rows = this.run(() => this.db!.prepare(sql).all(params) as Row[]);
    const profiles: PerfProfile[] = [];
    const skipped: string[] = [];
    for (const row of rows) {
      const parsed = parseRow(row);
      if (parsed.ok) profiles.push(parsed.profile);
      else skipped.push(`${row.model} on ${row.tp} × ${row.accelerator}: ${parsed.error}`);
    }
    return { profiles, skipped };
  }

  /** Adds or replaces profiles, all in one transaction. */
  put(profiles: readonly PerfProfile[]): void {
    const db = this.writable();
    const insert = db.prepare(`INSERT OR REPLACE INTO profiles
      (id, model, server, accelerator, tp, input_tokens, output_tokens, source, origin, created_at, points)
      VALUES (@id, @model, @server, @accelerator, @tp, @input_tokens, @output_tokens, @source, @origin, @created_at, @points)`);
    this.run(() => db.transaction(() => {
      for (const p of profiles) {
        insert.run({
          id: `${keyId(p.key)}|${p.source}`, model: p.key.model, server: p.key.server, accelerator: p.key.accelerator, tp: p.key.tp,
          input_tokens: p.key.inputTokens, output_tokens: p.key.outputTokens, source: p.source, origin: p.origin, created_at: p.createdAt,
          points: JSON.stringify(p.points),
        });
      }
    })());
  }

  /** Deletes the matching profiles (rows that do not parse too); returns how many. */
  remove(filter: ProfileFilter): number {
    const db = this.writable();
    const { where, params } = whereOf(filter);
    return this.run(() => db.prepare(`DELETE FROM profiles${where}`).run(params).changes);
  }

  close(): void {
    this.db?.close();
  }

  private writable(): Database.Database {
    if (!this.db || this.db.readonly) throw new Error('the profile store was opened read-only');
    return this.db;
  }

  private run<T>(body: () => T): T {
    try {
      return body();
    } catch (error) {
      throw new StoreError(describeSqliteError(error, this.path));
    }
  }
}

/**
 * A store opened read-only. A WAL-mode database needs its -shm index, which SQLite creates beside the file; in a
 * read-only directory it cannot (SQLITE_READONLY_DIRECTORY / SQLITE_CANTOPEN, sqlite.org/wal.html "Read-Only
 * Databases"). Then no writer is active (one would have made the -shm), so the file alone is the whole store:
 * it is read as an in-memory image, its header's WAL marks (bytes 18-19, sqlite.org/fileformat.html) set back to
 * the rollback journal's.
 */
function openForReading(path: string): Database.Database {
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true, timeout: 5000 });
    db.pragma('user_version', { simple: true }); // the first read is where WAL's -shm is needed
    return db;
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    if (code !== 'SQLITE_READONLY_DIRECTORY' && code !== 'SQLITE_CANTOPEN' && !code.startsWith('SQLITE_IOERR')) throw error;
    const image = readFileSync(path);
    if (image.length >= 20 && image[18] === 2 && image[19] === 2) image[18] = image[19] = 1;
    return new Database(image, { readonly: true });
  }
}

function whereOf(filter: ProfileFilter): { where: string; params: Record<string, string> } {
  const clauses: string[] = [];
  const params: Record<string, string> = {};
  for (const [column, value] of [['model', filter.model], ['accelerator', filter.accelerator], ['source', filter.source]] as const) {
    if (value === undefined) continue;
    clauses.push(`${column} = @${column}`);
    params[column] = value;
  }
  return { where: clauses.length > 0 ? ` WHERE ${clauses.join(' AND ')}` : '', params };
}

function parseRow(row: Row): { ok: true; profile: PerfProfile } | { ok: false; error: string } {
  let points: unknown;
  try {
    points = JSON.parse(row.points);
  } catch {
    return { ok: false, error: 'points are not JSON' };
  }
  const parsed = profileSchema.safeParse({
    key: { model: row.model, server: row.server, accelerator: row.accelerator, tp: row.tp, inputTokens: row.input_tokens, outputTokens: row.output_tokens },
    source: row.source, origin: row.origin, createdAt: row.created_at, points,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, error: `${issue.path.join('.')}: ${issue.message}` };
  }
  return { ok: true, profile: { ...parsed.data, points: sortPoints(parsed.data.points) } };
}

/** SQLite's errors in one line that says which file and what to do. */
function describeSqliteError(error: unknown, path: string): string {
  const e = error as { code?: string; message?: string };
  switch (e.code) {
    case 'SQLITE_NOTADB':
    case 'SQLITE_CORRUPT':
      return `profile store ${path} is not a SQLite database (${e.message}); move it away or point --profiles elsewhere`;
    case 'SQLITE_CANTOPEN':
      return `cannot open profile store ${path} (${e.message}); check the path and its permissions`;
    case 'SQLITE_READONLY':
      return `profile store ${path} is read-only (${e.message})`;
    case 'SQLITE_BUSY':
      return `profile store ${path} is locked by another process; try again`;
    case 'EACCES':
    case 'ENOTDIR':
    case 'EEXIST':
      return `cannot create profile store ${path}: ${e.code}`;
    default:
      return `profile store ${path}: ${e.message ?? String(error)}`;
  }
}
