// `kubectl inference models` and the model flags of deploy/recommend through the real CLI binary, without a cluster.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import { MODELS } from '../../src/models/catalog.js';
import { REPO_ROOT, runProcess, type Run } from '../run.js';

const QWEN_DIR = join(REPO_ROOT, 'test', 'fixtures', 'hf', 'Qwen3-30B-A3B');
const QWEN = 'Qwen/Qwen3-30B-A3B';

const cli = (args: readonly string[]): Promise<Run> =>
  runProcess(process.execPath, [join(REPO_ROOT, 'bin', 'kubectl-inference'), ...args], { env: { ...process.env, KUBECONFIG: '/nonexistent' } });

describe('kubectl inference models', { timeout: 120_000 }, () => {
  it('lists the whole catalog with sizes, KV bytes per token and context', async () => {
    const run = await cli(['models']);
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^MODEL +PARAMS +ACTIVE +DTYPE +WEIGHTS +KV\/TOKEN +CONTEXT$/);
    assert.equal(lines.length, MODELS.length + 1);
    // Llama 3.1 8B: 32 layers × 8 KV heads × 128 × 2 (K, V) × 2 bytes = 128 KiB per token.
    assert.match(run.stdout, /^meta-llama\/Llama-3\.1-8B-Instruct +8\.0B +- +bf16 +15\.0 GiB +128 KiB +131072$/m);
    assert.match(run.stdout, /^deepseek-ai\/DeepSeek-V3 +671B +37\.0B +fp8 +[\d.]+ GiB +\d+ KiB +163840$/m);
  });

  it('-o wide adds the architecture columns; -o name prints ids', async () => {
    const wide = await cli(['models', '-o', 'wide']);
    assert.match(wide.stdout.split('\n')[0]!, / +LAYERS +HEADS +KV HEADS +HEAD DIM +ATTENTION +SOURCE$/);
    assert.match(wide.stdout, /^google\/gemma-2-9b-it .* sliding 4096 on 21\/42 +https:\/\/huggingface\.co\//m);
    const names = await cli(['models', '-o', 'name']);
    assert.deepEqual(names.stdout.trimEnd().split('\n'), MODELS.map((m) => m.id));
  });

  it('-o json and -o yaml give the full specs; YAML has no anchors or aliases', async () => {
    const json = JSON.parse((await cli(['models', '-o', 'json'])).stdout) as { id: string; kvBytesPerTokenBf16: number; weightsBytes: number }[];
    assert.equal(json.length, MODELS.length);
    assert.equal(json[0]!.kvBytesPerTokenBf16, 131072);
    const yaml = (await cli(['models', '-o', 'yaml'])).stdout;
    assert.doesNotMatch(yaml, /[&*]a\d+\b/);
    assert.deepEqual(parse(yaml), json);
    assert.equal(parseAllDocuments(yaml).length, 1);
  });

  it('a model outside the catalog: unknown, with how to add it', async () => {
    const run = await cli(['models', QWEN]);
    assert.equal(run.code, 2);
    assert.equal(run.stderr, `error: unknown model "${QWEN}": not in kinfer's catalog (kubectl inference models lists it). Add it with --hf-config PATH (its config.json from huggingface.co/${QWEN}/blob/main/config.json, or a downloaded snapshot folder) or --models-file FILE (docs/models.md) (see --help)\n`);
    const recommend = await cli(['recommend', QWEN]);
    assert.equal(recommend.code, 2);
    assert.match(recommend.stderr, /Add it with --hf-config PATH/);
  });

  for (const [name, args] of [
    ['--hf-config FOLDER', ['--hf-config', QWEN_DIR]],
    ['--hf-config FILE', ['--hf-config', join(QWEN_DIR, 'config.json')]],
    ['--models-file config.json', ['--models-file', join(QWEN_DIR, 'config.json')]],
  ] as const) {
    it(`${name} adds the model it describes`, async () => {
      const run = await cli(['models', QWEN, ...args]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /^Qwen\/Qwen3-30B-A3B +30\.5B +3\.\dB +bf16 +[\d.]+ GiB +96 KiB +40960$/m);
    });
  }

  it('recommend takes --hf-config and prints the deploy command with it', async () => {
    const run = await cli(['recommend', QWEN, '--hf-config', QWEN_DIR, '--accelerator', 'nvidia-h100-80gb']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`^ {2}kubectl inference deploy ${QWEN} --hf-config ${QWEN_DIR} --accelerator nvidia-h100-80gb --tp \\d$`, 'm'));
  });

  it('a --hf-config folder without config.json, and a broken config, are one-line usage errors', async () => {
    const missing = await cli(['models', QWEN, '--hf-config', REPO_ROOT + 'docs']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^error: --hf-config .*docs\/config\.json: ENOENT \(see --help\)\n$/);
    const broken = await cli(['models', QWEN, '--models-file', join(REPO_ROOT, 'package.json')]);
    assert.equal(broken.code, 2);
    assert.equal(broken.stderr.split('\n').length, 2, broken.stderr);
  });

  it('shows no cluster flags, as it never reaches a cluster (nor do the profiles commands)', async () => {
    for (const command of [['models'], ['profiles', 'list'], ['profiles', 'import'], ['profiles', 'export'], ['profiles', 'delete']]) {
      const help = await cli([...command, '--help']);
      assert.equal(help.code, 0, help.stderr);
      assert.doesNotMatch(help.stdout, /--kubeconfig|--context|--namespace/, command.join(' '));
    }
    const deploy = await cli(['deploy', '--help']);
    assert.match(deploy.stdout, /--kubeconfig/);
  });
});
