// `kubectl inference deploy` through the real CLI binary with no cluster (a client dry run plans from the catalog
// with --accelerator and --tp): the two settings, the KV reservation and the server's batch cap, in the objects
// and in --explain. The cluster paths are test/e2e/plugin.e2e.test.ts and test/e2e/loop.e2e.test.ts.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT, runProcess, type Run } from '../run.js';

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const H100 = ['--accelerator', 'nvidia-h100-80gb', '--tp', '1'];
const TARGETS = ['--target-ttft-ms', '1000', '--target-ntpot-ms', '50'];

interface Pod { metadata: { annotations: Record<string, string> }; spec: { containers: { args: string[] }[] } }

describe('kubectl inference deploy: KV reservation and server batch (no cluster)', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'kinfer-deploy-'));
  const kubeconfig = join(dir, 'kubeconfig');
  // An API server nobody listens on: deploy falls back to the catalog for --dry-run=client.
  writeFileSync(kubeconfig, 'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\nusers: [{name: u, user: {}}]\ncurrent-context: c\n');
  after(() => rmSync(dir, { recursive: true, force: true }));

  const cli = (args: readonly string[]): Promise<Run> => runProcess(process.execPath, [join(REPO_ROOT, 'bin', 'kubectl-inference'), 'deploy', MODEL, ...args],
    { env: { ...process.env, KUBECONFIG: kubeconfig, KINFER_PROFILES: join(dir, 'profiles.db') } });
  const podOf = (yaml: string): Pod => {
    const deployment = parseAllDocuments(yaml).map((d) => d.toJS() as { kind: string; spec: { template: Pod } }).find((o) => o.kind === 'Deployment')!;
    return deployment.spec.template;
  };

  const cases: { name: string; args: string[]; batch?: string; flag?: string; reserve: string; stdout?: RegExp; stderr?: RegExp }[] = [
    {
      name: 'with targets: the operating concurrency recommend chose is the server batch', args: [...H100, ...TARGETS],
      batch: 'from recommend', reserve: '1', stderr: /^recommend: .*, (\d+) requests in flight \(estimated\)$/m,
    },
    { name: 'without targets: no flag (the server keeps its own default)', args: H100, reserve: '1' },
    {
      name: '--max-batch wins, and below what recommend priced it warns', args: [...H100, ...TARGETS, '--max-batch', '8'],
      batch: '8', reserve: '1', stderr: /^warning: --max-batch 8 is below the \d+ requests in flight recommend priced/m,
    },
    { name: '--max-batch without targets is passed as is', args: [...H100, '--max-batch', '64'], batch: '64', reserve: '1' },
    {
      name: '--max-num-seqs is the deprecated name of --kv-reserve-seqs: a reservation, not a server flag', args: [...H100, '--max-num-seqs', '4'],
      reserve: '4', stderr: /--max-num-seqs.*deprecated/s,
    },
    { name: 'SGLang gets --max-running-requests', args: [...H100, '--server', 'sglang', '--max-batch', '32'], batch: '32', flag: '--max-running-requests', reserve: '1' },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const run = await cli([...c.args, '--dry-run=client', '-o', 'yaml']);
      assert.equal(run.code, 0, run.stderr);
      if (c.stderr) assert.match(run.stderr, c.stderr);
      const pod = podOf(run.stdout);
      const args = pod.spec.containers[0]!.args;
      const flag = c.flag ?? '--max-num-seqs';
      const at = args.indexOf(flag);
      const expected = c.batch === 'from recommend' ? c.stderr!.exec(run.stderr)![1] : c.batch;
      assert.equal(at >= 0 ? args[at + 1] : undefined, expected, args.join(' '));
      assert.ok(expected === undefined || Number(expected) > 1, 'no server is capped at 1 unless asked');
      assert.equal(pod.metadata.annotations['kinfer.dev/kv-reserve-seqs'], c.reserve);
      assert.equal(pod.metadata.annotations['kinfer.dev/max-num-seqs'], undefined);
    });
  }

  it('--explain shows both settings, and the server default for the accelerator without targets', async () => {
    const targeted = await cli([...H100, ...TARGETS, '--explain', '--dry-run=client']);
    assert.match(targeted.stdout, /^kv reserve: {3}1 sequence\(s\) × 8192 tokens must fit in the KV cache \(kinfer\.dev\/kv-reserve-seqs; placement only, not passed to the server\)$/m);
    assert.match(targeted.stdout, /^server batch: --max-num-seqs \d+: the concurrency recommend chose within the targets/m);
    const plain = await cli([...H100, '--explain', '--dry-run=client']);
    assert.match(plain.stdout, /^server batch: no --max-num-seqs flag: the server's default on nvidia-h100-80gb is 1024, vLLM's default .*arg_utils\.py/m);
    const l4 = await cli(['--accelerator', 'nvidia-l4', '--tp', '1', '--max-model-len', '4096', '--explain', '--dry-run=client']);
    assert.match(l4.stdout, /^server batch: no --max-num-seqs flag: the server's default on nvidia-l4 is 256/m);
  });
});
