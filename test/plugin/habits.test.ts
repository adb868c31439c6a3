// kubectl's habits through the real CLI binary, without a cluster: version, typo suggestions, kubeconfig errors
// that say what is missing, and one Go duration grammar on every duration flag (the picker's are in
// test/picker/cli.test.ts, top's in test/plugin/top/command.test.ts).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { REPO_ROOT, runProcess, type Run } from '../run.js';

const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

describe('kubectl habits', { timeout: 120_000 }, () => {
  const home = mkdtempSync(join(tmpdir(), 'kinfer-habits-'));
  after(() => rmSync(home, { recursive: true, force: true }));
  const cli = (args: readonly string[], env: NodeJS.ProcessEnv = { KUBECONFIG: '/nonexistent' }): Promise<Run> => {
    const base: NodeJS.ProcessEnv = { ...process.env, HOME: home };
    delete base.KUBECONFIG;
    return runProcess(process.execPath, [join(REPO_ROOT, 'bin', 'kubectl-inference'), ...args], { env: { ...base, ...env } });
  };

  it('version --client prints the client version without a cluster; without one, version says why on stderr', async () => {
    const client = await cli(['version', '--client']);
    assert.equal(client.code, 0, client.stderr);
    assert.equal(client.stdout, `Client Version: ${VERSION}\n`);
    const noCluster = await cli(['version']);
    assert.equal(noCluster.code, 0);
    assert.equal(noCluster.stdout, `Client Version: ${VERSION}\n`);
    assert.match(noCluster.stderr, /^cluster: KUBECONFIG=\/nonexistent: no such file/);
    const json = JSON.parse((await cli(['version', '--client', '-o', 'json'])).stdout) as { clientVersion: string };
    assert.equal(json.clientVersion, VERSION);
  });

  const typos: ReadonlyArray<[string[], string | undefined]> = [[['reccomend', 'x'], 'recommend'], [['lsit'], 'list'], [['delte'], 'delete'], [['frobnicate'], undefined]];
  for (const [args, want] of typos) {
    it(`${args.join(' ')}: unknown command${want ? `, did you mean ${want}` : ', no suggestion'}`, async () => {
      const run = await cli(args);
      assert.equal(run.code, 2);
      const head = `error: unknown command "${args[0]}" for "kubectl inference"\n`;
      const tail = `Run 'kubectl inference --help' for usage.\n`;
      assert.equal(run.stderr, want ? `${head}\nDid you mean this?\n\t${want}\n${tail}` : `${head}${tail}`);
    });
  }

  it('no kubeconfig at all, and KUBECONFIG naming a missing file: errors that say what is missing', async () => {
    const none = await cli(['list'], {});
    assert.equal(none.code, 1);
    assert.equal(none.stderr, `error: no kubeconfig: ${join(home, '.kube', 'config')} does not exist and KUBECONFIG is not set; pass --kubeconfig FILE, set KUBECONFIG, or run inside a cluster\n`);
    const missing = await cli(['list']);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, 'error: KUBECONFIG=/nonexistent: no such file; point KUBECONFIG or --kubeconfig at a kubeconfig file\n');
    const flag = await cli(['list', '--kubeconfig', '/nonexistent']);
    assert.equal(flag.stderr, 'error: cannot load kubeconfig /nonexistent: no such file\n');
  });

  it('--dry-run: none|client|server on every writing command; bare means client; a client dry run of deploy needs no cluster', async () => {
    const bare = await cli(['deploy', 'meta-llama/Llama-3.1-8B-Instruct', '--dry-run', '--accelerator', 'nvidia-l4', '--tp', '1', '-o', 'yaml']);
    assert.equal(bare.code, 0, bare.stderr);
    assert.match(bare.stdout, /^kind: Deployment$/m);
    assert.match(bare.stderr, /^note: KUBECONFIG=\/nonexistent: no such file; planning from the catalog for --dry-run=client$/m);
    for (const command of [['delete', 'x'], ['route', 'install', 'x'], ['route', 'apply', 'x', '-f', 'f.yaml'], ['route', 'set', 'x'], ['deploy', 'm']]) {
      const bad = await cli([...command, '--dry-run=maybe']);
      assert.equal(bad.code, 2, command.join(' '));
      assert.equal(bad.stderr, 'error: Expected --dry-run=maybe to be one of: none, client, server (see --help)\n', command.join(' '));
    }
  });

  it('duration flags take Go durations (1h30m) and refuse a bare number with a hint', async () => {
    const bare = await cli(['bench', 'x', '--stage-duration', '30']);
    assert.equal(bare.code, 2);
    assert.equal(bare.stderr, 'error: --stage-duration "30" has no unit: write 30s or 30ms (units: h, m, s, ms, us, ns; e.g. 1h30m, 250ms) (see --help)\n');
    // 1h30m passes the parse; the next check (no cluster) fails instead, which shows the duration was accepted.
    const go = await cli(['bench', 'x', '--stage-duration', '1h30m', '--request-timeout', '2m30s']);
    assert.doesNotMatch(go.stderr, /duration|no unit/);
    assert.match(go.stderr, /KUBECONFIG=\/nonexistent/);
  });
});
