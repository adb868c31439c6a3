import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { parseSimArgs } from '../../sim/config.js';

// dist/test/sim/ -> repository root
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = 'bin/kinfer-sim.js';

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('kinfer-sim CLI', () => {
  it('--help prints usage with examples and exits 0', () => {
    const r = run(['--help']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^kinfer-sim: /);
    assert.match(r.stdout, /Examples:\n {2}kinfer-sim --port 8000/);
    for (const flag of ['--max-num-seqs', '--num-gpu-blocks', '--kv-cache-tokens', '--block-size', '--prefill-tokens-per-second', '--decode-base-ms',
      '--decode-per-seq-ms', '--decode-per-kv-token-us', '--accelerator', '--profile-model', '--dialect', '--seed', '--log-level', '--speedup']) {
      assert.ok(r.stdout.includes(flag), `help names ${flag}`);
    }
  });

  it('--version prints the version', () => {
    const r = run(['--version']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^kinfer-sim \d+\.\d+\.\d+\n$/);
  });

  const bad = [
    { args: ['--bogus'], error: /^kinfer-sim: Unknown option '--bogus'/ },
    { args: ['--port', 'http'], error: /^kinfer-sim: --port http: not a number$/m },
    { args: ['--dialect', 'tgi'], error: /^kinfer-sim: --dialect tgi: use vllm or sglang$/m },
    { args: ['--max-num-seqs', '0'], error: /--max-num-seqs 0: must be a whole number of at least 1/ },
    { args: ['--num-gpu-blocks', '10', '--max-model-len', '4096'], error: /--max-model-len 4096 does not fit in the KV cache \(10 blocks x 16 = 160 tokens\)/ },
    { args: ['--num-gpu-blocks', '10', '--kv-cache-tokens', '160'], error: /give one/ },
    { args: ['--accelerator', 'nvidia-x1'], error: /unknown accelerator nvidia-x1/ },
    { args: ['--profile-model', 'meta-llama/Llama-3.1-405B-Instruct'], error: /does not fit on 1 x nvidia-h100-80gb/ },
    { args: ['--decode-base-ms', '0'], error: /--decode-base-ms 0: must be greater than 0/ },
    { args: ['stray'], error: /positional/ },
  ];
  for (const c of bad) {
    it(`${c.args.join(' ')}: one line and exit 2`, () => {
      const r = run(c.args);
      assert.equal(r.status, 2);
      assert.match(r.stderr, c.error);
      assert.equal(r.stderr.trim().split('\n').length, 2, 'the reason, then the --help hint');
      assert.match(r.stderr, /Run kinfer-sim --help for usage\.\n$/);
    });
  }

  it('serves on an ephemeral port and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, [BIN, '--port', '0', '--host', '127.0.0.1', '--model', 'cli-model'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let text = '';
        const timer = setTimeout(() => reject(new Error(`no start-up line: ${text}`)), 10_000);
        child.stderr.on('data', (data: Buffer) => {
          text += data.toString();
          const match = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(text);
          if (match !== null) {
            clearTimeout(timer);
            resolve(match[1] as string);
          }
        });
      });
      const models = await (await fetch(`${url}/v1/models`)).json() as { data: { id: string }[] };
      assert.deepEqual(models.data.map((m) => m.id), ['cli-model']);
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});

describe('kinfer-sim flags → configuration', () => {
  const serve = (args: string[]) => {
    const parsed = parseSimArgs(args);
    if (!parsed.ok || parsed.value.kind !== 'serve') throw new Error(parsed.ok ? parsed.value.kind : parsed.error);
    return parsed.value.config;
  };

  it('defaults: vLLM-like cache and batching on the H100 + Llama-3.1-8B profile (vLLM batches 1024 on an H100)', () => {
    const c = serve([]);
    assert.equal(c.port, 8000);
    assert.equal(c.modelName, 'meta-llama/Llama-3.1-8B-Instruct');
    assert.equal(c.dialect, 'vllm');
    assert.deepEqual(
      { blockSize: c.engine.blockSize, maxNumSeqs: c.engine.maxNumSeqs, maxNumBatchedTokens: c.engine.maxNumBatchedTokens, maxModelLen: c.engine.maxModelLen, prefix: c.engine.enablePrefixCaching },
      { blockSize: 16, maxNumSeqs: 1024, maxNumBatchedTokens: 8192, maxModelLen: 8192, prefix: true },
    );
    assert.ok(c.engine.numGpuBlocks > 20_000);
  });

  const overrides = [
    { args: ['--kv-cache-tokens', '1000'], check: (c: ReturnType<typeof serve>) => assert.deepEqual([c.engine.numGpuBlocks, c.engine.maxModelLen], [62, 992]) },
    { args: ['--num-gpu-blocks', '100', '--block-size', '32'], check: (c: ReturnType<typeof serve>) => assert.deepEqual([c.engine.numGpuBlocks, c.engine.blockSize, c.engine.maxModelLen], [100, 32, 3200]) },
    { args: ['--decode-base-ms', '12.5', '--decode-per-seq-ms', '0'], check: (c: ReturnType<typeof serve>) => assert.deepEqual([c.engine.speed.decodeBaseMs, c.engine.speed.decodePerSeqMs], [12.5, 0]) },
    { args: ['--no-enable-prefix-caching', '--dialect', 'sglang', '--output-length', 'uniform', '--seed', '42'], check: (c: ReturnType<typeof serve>) => assert.deepEqual([c.engine.enablePrefixCaching, c.dialect, c.outputLength, c.seed], [false, 'sglang', 'uniform', 42]) },
    { args: ['--accelerator', 'nvidia-h100-80gb', '--profile-model', 'meta-llama/Llama-3.1-70B-Instruct', '--tensor-parallel-size', '4'], check: (c: ReturnType<typeof serve>) => assert.match(c.profile, /70B-Instruct on 4 x nvidia-h100-80gb/) },
  ];
  for (const o of overrides) it(o.args.join(' '), () => o.check(serve(o.args)));
});
