// Faults against the real kubectl-inference (bin/kubectl-inference, spawned): a WAL-mode profile store in a
// directory the user cannot write, a store with a damaged page, and `top --once` when nothing answers.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { REPO_ROOT, runProcess, type Run } from '../run.js';
import { figure, Peer } from './peers.js';

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const FIXTURE = join(REPO_ROOT, 'test', 'fixtures', 'inference-perf', 'vllm-llama-3.1-8b-h100');
/** Directory permissions do not bind root: as root, the CLI runs as nobody (setpriv, util-linux) where it must be refused. */
const AS_NOBODY = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];

function cli(args: readonly string[], store: string, asNobody = false): Promise<Run> {
  const command = [...(asNobody ? AS_NOBODY : []), process.execPath, join(REPO_ROOT, 'bin', 'kubectl-inference'), ...args];
  return runProcess(command[0]!, command.slice(1), { env: { ...process.env, KINFER_PROFILES: store, KUBECONFIG: '/nonexistent', HOME: tmpdir() }, timeoutMs: 30_000 });
}

const sha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('faults: the profile store', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'kinfer-faults-store-'));
  after(() => {
    chmodSync(dir, 0o755);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a WAL store in a read-only directory: profiles list works (exit 0, the profile listed), and writes are refused', async () => {
    const ro = join(dir, 'readonly');
    const store = join(ro, 'profiles.db');
    const imported = await cli(['profiles', 'import', FIXTURE, '--model', MODEL, '--accelerator', 'nvidia-h100-80gb', '--tp', '1'], store);
    assert.equal(imported.code, 0, imported.stderr);
    assert.equal(readFileSync(store).readUInt8(18), 2, 'the store is in WAL mode (file header byte 18 = 2)');
    chmodSync(store, 0o444);
    chmodSync(ro, 0o555);
    chmodSync(dir, 0o755);
    const listed = await cli(['profiles', 'list'], store, true);
    const deleted = await cli(['profiles', 'delete', MODEL], store, true);
    figure('store-wal-readonly-dir', { listExit: String(listed.code), listed: /Llama-3\.1-8B-Instruct/.test(listed.stdout), deleteExit: String(deleted.code) });
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /meta-llama\/Llama-3\.1-8B-Instruct/);
    assert.notEqual(deleted.code, 0, 'nothing can be written there');
    assert.match(deleted.stderr, /^error: .*profile store/m);
  });

  it('import into a store with a damaged page: exit 1 with one line, and the file is left byte for byte as it was', async () => {
    const store = join(dir, 'damaged.db');
    const exported = join(dir, 'many.json');
    // 120 profiles (tp × input length × model), enough rows to span several table pages.
    const seed = await cli(['profiles', 'import', FIXTURE, '--model', MODEL, '--accelerator', 'nvidia-h100-80gb', '--tp', '1'], store);
    assert.equal(seed.code, 0, seed.stderr);
    assert.equal((await cli(['profiles', 'export', '-f', exported], store)).code, 0);
    const doc = JSON.parse(readFileSync(exported, 'utf8')) as { profiles: { key: { tp: number; inputTokens: number; model: string } }[] };
    const [one] = doc.profiles;
    doc.profiles = [];
    for (const tp of [1, 2, 4, 8]) for (let i = 0; i < 30; i++) doc.profiles.push({ ...one!, key: { ...one!.key, tp, inputTokens: 100 + i } });
    writeFileSync(exported, JSON.stringify(doc));
    assert.equal((await cli(['profiles', 'import', exported], store)).code, 0);
    const pages = countPages(store);

    // Damage the cell area of a table leaf in the middle (its page header stays, so an INSERT elsewhere can still work).
    const leaf = middleLeafPage(store);
    const fd = openSync(store, 'r+');
    writeSync(fd, Buffer.alloc(1024, 0xff), 0, 1024, leaf * 4096 - 1024);
    closeSync(fd);
    const before = sha(store);

    const again = await cli(['profiles', 'import', FIXTURE, '--model', 'Qwen/Qwen2.5-7B-Instruct', '--accelerator', 'nvidia-h100-80gb', '--tp', '1'], store);
    const after = sha(store);
    figure('store-damaged-page', { pages, damagedPage: leaf, importExit: String(again.code), fileUnchanged: before === after });
    assert.equal(again.code, 1, again.stdout + again.stderr);
    assert.match(again.stderr, /^error: profile store .* is damaged \(SQLite quick_check: .*\); nothing was written/m);
    assert.doesNotMatch(again.stdout, /imported/);
    assert.equal(after, before, 'nothing written');
  });
});

/** Pages in a SQLite file (page size 4096, the default). */
function countPages(path: string): number {
  return readFileSync(path).length / 4096;
}

/** A leaf page of the profiles table that is neither its first nor its last (sqlite's dbstat is not compiled in: walk it). */
function middleLeafPage(path: string): number {
  const db = new Database(path, { readonly: true });
  try {
    const root = (db.prepare("SELECT rootpage FROM sqlite_master WHERE name = 'profiles'").get() as { rootpage: number }).rootpage;
    const file = readFileSync(path);
    const page = (n: number): Buffer => file.subarray((n - 1) * 4096, n * 4096);
    const rootPage = page(root);
    const offset = root === 1 ? 100 : 0;
    assert.equal(rootPage[offset], 0x05, 'the table spans several pages (its root is an interior page)');
    const cells = rootPage.readUInt16BE(offset + 3);
    const children: number[] = [];
    for (let i = 0; i < cells; i++) children.push(rootPage.readUInt32BE(rootPage.readUInt16BE(offset + 12 + 2 * i)));
    assert.ok(children.length >= 2, `${children.length + 1} leaves`);
    return children[Math.floor(children.length / 2)]!;
  } finally {
    db.close();
  }
}

describe('faults: top --once when no replica answers', { timeout: 60_000 }, () => {
  const closed = [new Peer('ok'), new Peer('ok')];
  const dripper = new Peer('drip');
  before(async () => {
    await Promise.all([...closed, dripper].map((p) => p.start()));
    await Promise.all(closed.map((p) => p.stop()));
  });
  after(() => dripper.stop());

  it('every endpoint unreachable (two closed ports, one dripping /metrics): the table, then exit 1 with one line', async () => {
    const endpoints = [...closed, dripper].flatMap((p) => ['--endpoint', `http://${p.address}`]);
    const started = Date.now();
    const run = await runProcess(process.execPath, [join(REPO_ROOT, 'bin', 'kubectl-inference'), 'top', ...endpoints, '--once', '--interval', '500ms', '--timeout', '1s'], {
      env: { ...process.env, KUBECONFIG: '/nonexistent' }, timeoutMs: 30_000,
    });
    const rows = run.stdout.split('\n').filter((l) => / unreachable: /.test(l)).length;
    figure('top-once-unreachable', { exit: String(run.code), seconds: (Date.now() - started) / 1000, unreachableRows: rows });
    assert.equal(run.code, 1, run.stderr);
    assert.equal(rows, 3, run.stdout);
    assert.match(run.stderr, /^error: none of the 3 replicas in the given endpoints answered/m);
  });
});
