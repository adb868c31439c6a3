import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { defaultStorePath, ProfileStore, StoreError } from '../../plugin/profiles/store.js';
import { sortPoints, type PerfProfile, type PerfPoint } from '../../src/profiles/profile.js';

const dir = mkdtempSync(join(tmpdir(), 'kinfer-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
/** A fresh path in the temp dir; each test gets its own store. */
function fresh(name = 'profiles.db'): string {
  files += 1;
  return join(dir, `t${files}`, name);
}

/** Like fresh, with its directory made, for files the test writes itself. */
function freshFile(name: string): string {
  const path = fresh(name);
  mkdirSync(join(path, '..'), { recursive: true });
  return path;
}

const LIGHT: PerfPoint = { requestRate: 0.5, outputTokensPerSecond: 64, ttftP50Ms: 40, ttftP99Ms: 90, ntpotP50Ms: 12, ntpotP99Ms: 20 };
const HEAVY: PerfPoint = {
  requestRate: 4.25, concurrency: 16, outputTokensPerSecond: 1024.5, ttftP50Ms: 180.125, ttftP99Ms: 950, ntpotP50Ms: 31.7, ntpotP99Ms: 77.3, itlP50Ms: 28.4,
};

interface Overrides extends Partial<Omit<PerfProfile, 'key'>> {
  readonly key?: Partial<PerfProfile['key']>;
}

function profile(overrides: Overrides = {}): PerfProfile {
  const { key, ...rest } = overrides;
  return {
    key: { model: 'meta-llama/Llama-3.1-8B-Instruct', server: 'vllm', accelerator: 'nvidia-l4', tp: 1, inputTokens: 512, outputTokens: 128, ...key },
    source: 'measured',
    // Heaviest first: the store must hand them back sorted.
    points: [HEAVY, LIGHT],
    origin: 'kubectl inference bench llama (1 replica, synthetic)',
    createdAt: '2026-01-02T03:04:05.000Z',
    ...rest,
  };
}

/** What list() should give back for a profile: the same, points lightest first. */
function stored(p: PerfProfile): PerfProfile {
  return { ...p, points: sortPoints(p.points) };
}

function withStore<T>(path: string, mode: 'read' | 'write', body: (store: ProfileStore) => T): T {
  const store = ProfileStore.open(path, mode);
  try {
    return body(store);
  } finally {
    store.close();
  }
}

describe('defaultStorePath', () => {
  const cases: ReadonlyArray<[string, NodeJS.ProcessEnv, string]> = [
    ['KINFER_PROFILES wins', { KINFER_PROFILES: '/srv/p.db', XDG_CONFIG_HOME: '/cfg' }, '/srv/p.db'],
    ['XDG_CONFIG_HOME next', { XDG_CONFIG_HOME: '/cfg' }, '/cfg/kinfer/profiles.db'],
    ['an empty XDG_CONFIG_HOME is unset', { XDG_CONFIG_HOME: '' }, join(homedir(), '.config', 'kinfer', 'profiles.db')],
    ['neither: ~/.config', {}, join(homedir(), '.config', 'kinfer', 'profiles.db')],
  ];
  for (const [name, env, want] of cases) {
    it(name, () => assert.equal(defaultStorePath(env), want));
  }
});

describe('ProfileStore.open', () => {
  it("'read' of a missing file is an empty store and creates nothing", () => {
    const path = fresh();
    withStore(path, 'read', (store) => assert.deepEqual(store.list(), { profiles: [], skipped: [] }));
    assert.equal(existsSync(path), false);
    assert.equal(existsSync(join(path, '..')), false);
  });

  it("'write' creates the directory and the file", () => {
    const path = fresh(join('deep', 'er', 'profiles.db'));
    withStore(path, 'write', (store) => assert.deepEqual(store.list(), { profiles: [], skipped: [] }));
    assert.ok(existsSync(path));
  });

  it('a store opened read-only refuses writes', () => {
    const path = fresh();
    withStore(path, 'write', (store) => store.put([profile()]));
    withStore(path, 'read', (store) => {
      assert.throws(() => store.put([profile()]), /read-only/);
      assert.throws(() => store.remove({}), /read-only/);
    });
    // A missing file opened for reading, likewise.
    withStore(fresh(), 'read', (store) => assert.throws(() => store.put([profile()]), /read-only/));
  });
});

describe('ProfileStore put and list', () => {
  it('round-trips profiles exactly, points lightest first, optional fields kept (and not invented)', () => {
    const path = fresh();
    const p = profile();
    withStore(path, 'write', (store) => store.put([p]));
    const { profiles, skipped } = withStore(path, 'read', (store) => store.list());
    assert.deepEqual(skipped, []);
    assert.deepEqual(profiles, [stored(p)]);
    assert.deepEqual(profiles[0]!.points.map((q) => q.requestRate), [0.5, 4.25]);
  });

  it('a put of the same key and source replaces the row', () => {
    const path = fresh();
    const newer = profile({ points: [LIGHT], origin: 'second run', createdAt: '2026-02-01T00:00:00.000Z' });
    withStore(path, 'write', (store) => {
      store.put([profile()]);
      store.put([newer]);
      assert.deepEqual(store.list().profiles, [newer]);
    });
  });

  it('measured and estimated of the same key are two rows', () => {
    const path = fresh();
    const measured = profile();
    const estimated = profile({ source: 'estimated', origin: 'roofline estimate' });
    withStore(path, 'write', (store) => {
      store.put([measured, estimated]);
      // Ordered by model, accelerator, tp, shape, then source.
      assert.deepEqual(store.list().profiles, [stored(estimated), stored(measured)]);
    });
  });

  it('a second store on the same file sees the first one’s writes', () => {
    const path = fresh();
    const a = profile();
    const b = profile({ key: { model: 'Qwen/Qwen3-8B' } });
    const first = ProfileStore.open(path, 'write');
    const second = ProfileStore.open(path, 'write');
    try {
      first.put([a]);
      assert.deepEqual(second.list().profiles, [stored(a)]);
      second.put([b]);
      assert.deepEqual(first.list().profiles.map((p) => p.key.model), ['Qwen/Qwen3-8B', 'meta-llama/Llama-3.1-8B-Instruct']);
    } finally {
      first.close();
      second.close();
    }
    withStore(path, 'read', (store) => assert.equal(store.list().profiles.length, 2));
  });
});

describe('ProfileStore filters', () => {
  const rows = [
    profile({ key: { model: 'a', accelerator: 'nvidia-l4' } }),
    profile({ key: { model: 'a', accelerator: 'nvidia-l4' }, source: 'estimated' }),
    profile({ key: { model: 'a', accelerator: 'nvidia-h100-80gb', tp: 2 } }),
    profile({ key: { model: 'b', accelerator: 'nvidia-l4' }, source: 'estimated' }),
  ];
  const ids = (ps: readonly PerfProfile[]) => ps.map((p) => `${p.key.model}/${p.key.accelerator}/${p.source}`);

  const cases: ReadonlyArray<[string, Parameters<ProfileStore['list']>[0], string[]]> = [
    ['none', {}, ['a/nvidia-h100-80gb/measured', 'a/nvidia-l4/estimated', 'a/nvidia-l4/measured', 'b/nvidia-l4/estimated']],
    ['model', { model: 'a' }, ['a/nvidia-h100-80gb/measured', 'a/nvidia-l4/estimated', 'a/nvidia-l4/measured']],
    ['accelerator', { accelerator: 'nvidia-l4' }, ['a/nvidia-l4/estimated', 'a/nvidia-l4/measured', 'b/nvidia-l4/estimated']],
    ['source', { source: 'estimated' }, ['a/nvidia-l4/estimated', 'b/nvidia-l4/estimated']],
    ['all three', { model: 'a', accelerator: 'nvidia-l4', source: 'measured' }, ['a/nvidia-l4/measured']],
    ['nothing matches', { model: 'c' }, []],
  ];
  for (const [name, filter, want] of cases) {
    it(`list by ${name}`, () => {
      const path = fresh();
      withStore(path, 'write', (store) => {
        store.put(rows);
        assert.deepEqual(ids(store.list(filter).profiles), want);
      });
    });
  }

  it('remove deletes only the matching rows and says how many', () => {
    const path = fresh();
    withStore(path, 'write', (store) => {
      store.put(rows);
      assert.equal(store.remove({ model: 'a', accelerator: 'nvidia-l4' }), 2);
      assert.deepEqual(ids(store.list().profiles), ['a/nvidia-h100-80gb/measured', 'b/nvidia-l4/estimated']);
      assert.equal(store.remove({ model: 'zzz' }), 0);
      assert.equal(store.list().profiles.length, 2);
      assert.equal(store.remove({}), 2);
      assert.deepEqual(store.list().profiles, []);
    });
  });
});

describe('ProfileStore on bad files', () => {
  for (const mode of ['read', 'write'] as const) {
    it(`a text file opened '${mode}' is not a SQLite database`, () => {
      const path = freshFile('notes.db');
      writeFileSync(path, 'not a database\n'.repeat(20));
      assert.throws(() => ProfileStore.open(path, mode), (error: unknown) => {
        assert.ok(error instanceof StoreError, String(error));
        assert.ok(error.message.includes(path), error.message);
        assert.match(error.message, /is not a SQLite database/);
        return true;
      });
    });
  }

  it("an empty file opened 'read' is an empty store", () => {
    const path = freshFile('empty.db');
    writeFileSync(path, '');
    withStore(path, 'read', (store) => assert.deepEqual(store.list(), { profiles: [], skipped: [] }));
  });

  it("a SQLite database without the profiles table opened 'read' is an empty store", () => {
    const path = freshFile('other.db');
    const db = new Database(path);
    db.exec('CREATE TABLE something (x INTEGER)');
    db.close();
    withStore(path, 'read', (store) => assert.deepEqual(store.list(), { profiles: [], skipped: [] }));
  });

  for (const mode of ['read', 'write'] as const) {
    it(`a newer schema version opened '${mode}' is refused`, () => {
      const path = freshFile('newer.db');
      const db = new Database(path);
      db.pragma('user_version = 99');
      db.close();
      assert.throws(() => ProfileStore.open(path, mode), (error: unknown) => {
        assert.ok(error instanceof StoreError, String(error));
        assert.match(error.message, /schema version 99/);
        assert.ok(error.message.includes(path), error.message);
        return true;
      });
    });
  }

  it('rows that do not parse are skipped with a reason; the good rows still come back', () => {
    const path = fresh();
    const good = profile();
    withStore(path, 'write', (store) => store.put([good]));
    const db = new Database(path);
    const insert = db.prepare(`INSERT INTO profiles (id, model, server, accelerator, tp, input_tokens, output_tokens, source, origin, created_at, points)
      VALUES (?, ?, 'vllm', 'nvidia-l4', ?, 512, 128, 'measured', 'x', '2026-01-01', ?)`);
    insert.run('bad-json', 'broken/json', 2, '{not json');
    insert.run('bad-shape', 'broken/shape', 4, JSON.stringify([{ requestRate: -1 }]));
    db.close();
    withStore(path, 'read', (store) => {
      const { profiles, skipped } = store.list();
      assert.deepEqual(profiles, [stored(good)]);
      assert.equal(skipped.length, 2);
      assert.equal(skipped[0], 'broken/json on 2 × nvidia-l4: points are not JSON');
      assert.match(skipped[1]!, /^broken\/shape on 4 × nvidia-l4: points\.0\.\w+: /);
    });
  });

  it('a path whose parent is a regular file is a StoreError', () => {
    const file = freshFile('plain');
    writeFileSync(file, 'x');
    const path = join(file, 'profiles.db');
    assert.throws(() => ProfileStore.open(path, 'write'), (error: unknown) => {
      assert.ok(error instanceof StoreError, String(error));
      assert.ok(error.message.includes(path), error.message);
      return true;
    });
    // Reading it is just a store that does not exist yet.
    withStore(path, 'read', (store) => assert.deepEqual(store.list().profiles, []));
  });
});
