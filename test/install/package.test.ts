// The package as a user gets it. npm: `npm pack`, then `npm i -g` of that tarball into an empty prefix, then every
// binary the package declares run from that prefix's bin/ (what PATH would find). krew: the installed package as
// the krew archive, its manifest checked by krew's own validate-krew-manifest and installed by the real krew
// (both built from sigs.k8s.io/krew at the pin in test/upstream/upstream.sh), then run through the real kubectl.
// plugins/krew/build.sh does the packing; better-sqlite3 compiles its native module during the install as it
// would for a user, so this takes minutes. dist/ is already built by `make build`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { REPO_ROOT, runProcess } from '../run.js';

const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  version: string;
  bin: Record<string, string>;
  scripts: Record<string, string>;
};
const BIN_DIR = process.env.KINFER_BIN_DIR ?? join(REPO_ROOT, '.kinfer', 'bin');
const UPSTREAM_SH = join(REPO_ROOT, 'test', 'upstream', 'upstream.sh');
const KUBECTL = join(REPO_ROOT, '.kinfer', 'bin', 'kubectl');
const versionPattern = new RegExp(pkg.version.replaceAll('.', '\\.'));

test('npm pack ships the built binaries, not the tests or benchmarks', async () => {
  assert.match(pkg.scripts.prepack ?? '', /tsc/, 'prepack builds dist/ so a fresh clone packs something runnable');
  const run = await runProcess('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { timeoutMs: 120_000 });
  assert.equal(run.code, 0, run.stderr);
  const [report] = JSON.parse(run.stdout) as [{ files: { path: string }[] }];
  const files = report.files.map((f) => f.path);
  for (const path of ['dist/plugin/index.js', 'dist/picker/main.js', 'dist/extender/main.js', 'dist/sim/main.js', 'dist/package.json', 'LICENSE', ...Object.values(pkg.bin)]) {
    assert.ok(files.includes(path), `${path} is in the package`);
  }
  assert.deepEqual(files.filter((f) => /^dist\/(test|bench)\/|\.map$|^(src|plugin|test|charts)\//.test(f)), []);
});

describe('installed from the tarball', { timeout: 40 * 60_000 }, () => {
  const out = mkdtempSync(join(tmpdir(), 'kinfer-package-'));
  const prefixBin = join(out, 'prefix', 'bin');
  // A clean environment: PATH has node and the prefix only, HOME (the profile store) is the temporary folder.
  const env = { PATH: `${prefixBin}:${dirname(process.execPath)}:/usr/bin:/bin`, HOME: out };

  before(async () => {
    const built = await runProcess('bash', [UPSTREAM_SH, 'build', 'validate-krew-manifest', 'kubectl-krew'], { timeoutMs: 20 * 60_000 });
    assert.equal(built.code, 0, `upstream.sh build: ${built.stdout}${built.stderr}`);
    const packed = await runProcess('bash', [join(REPO_ROOT, 'plugins', 'krew', 'build.sh'), out], { timeoutMs: 25 * 60_000 });
    assert.equal(packed.code, 0, `plugins/krew/build.sh: ${packed.stderr}`);
  }, { timeout: 40 * 60_000 });

  after(() => rmSync(out, { recursive: true, force: true }));

  test('npm i -g puts every binary on PATH, each answering --version (the completion helper: a completion)', async () => {
    // kubectl_complete-inference answers kubectl's __complete request, whose words may well be `--version`.
    const helper = await runProcess('kubectl_complete-inference', ['rec'], { env });
    assert.match(helper.stdout, /^recommend\t.+\n:4\n$/, helper.stderr);
    for (const name of Object.keys(pkg.bin).filter((n) => !n.startsWith('kubectl_complete-'))) {
      const run = await runProcess(name, ['--version'], { env });
      assert.equal(run.code, 0, `${name} --version: ${run.stderr}`);
      assert.match(run.stdout, versionPattern, name);
    }
    // The native module (better-sqlite3, the profile store) was built by the install.
    const profiles = await runProcess('kubectl-inference', ['profiles', 'list'], { env });
    assert.equal(profiles.code, 0, profiles.stderr);
    assert.match(profiles.stdout + profiles.stderr, /no profiles in /);
  });

  test("krew's validate-krew-manifest accepts the manifest", async () => {
    // --skip-install: its install step downloads spec.platforms[].uri, a release URL this machine cannot reach;
    // the next test installs the same manifest with the local archive instead.
    const run = await runProcess(join(BIN_DIR, 'validate-krew-manifest'), ['--manifest', join(out, 'inference.yaml'), '--skip-install'], { env });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /structural validation OK/);
    assert.match(run.stderr, /no overlapping spec.platform/);
  });

  test("krew's validator rejects a manifest whose name does not match its file", async () => {
    const renamed = join(out, 'other.yaml');
    copyFileSync(join(out, 'inference.yaml'), renamed);
    const run = await runProcess(join(BIN_DIR, 'validate-krew-manifest'), ['--manifest', renamed, '--skip-install'], { env });
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /plugin name "inference" doesn't match|plugin validation error/);
  });

  test('kubectl krew install of the manifest and archive gives a working `kubectl inference`', async () => {
    const krewRoot = join(out, 'krew');
    const krewEnv = { ...env, KREW_ROOT: krewRoot, PATH: `${join(krewRoot, 'bin')}:${BIN_DIR}:${dirname(process.execPath)}:/usr/bin:/bin` };
    const installed = await runProcess(KUBECTL, ['krew', 'install', '--manifest', join(out, 'inference.yaml'), '--archive', join(out, 'kubectl-inference-linux-amd64.tar.gz')],
      { env: krewEnv, timeoutMs: 300_000 });
    assert.equal(installed.code, 0, `${installed.stdout}${installed.stderr}`);
    assert.match(installed.stderr + installed.stdout, /Installed plugin: inference/);
    const version = await runProcess(KUBECTL, ['inference', '--version'], { env: krewEnv });
    assert.equal(version.code, 0, version.stderr);
    assert.match(version.stdout, versionPattern);
    const plugins = await runProcess(KUBECTL, ['plugin', 'list'], { env: krewEnv });
    assert.match(plugins.stdout, new RegExp(`${join(krewRoot, 'bin', 'kubectl-inference').replaceAll('/', '\\/')}`));
    // krew links one binary per plugin (krew issue 812): the completion helper is linked by hand, as docs/install.md says.
    symlinkSync(join(krewRoot, 'store', 'inference', `v${pkg.version}`, 'bin', 'kubectl_complete-inference'), join(krewRoot, 'bin', 'kubectl_complete-inference'));
    const completion = await runProcess(KUBECTL, ['__complete', 'inference', 'deploy', '--server', ''], { env: krewEnv });
    assert.equal(completion.stdout, 'vllm\nsglang\n:4\n', completion.stderr);
  });
});
