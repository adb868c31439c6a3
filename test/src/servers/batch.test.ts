import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { acceleratorByName } from '../../../src/accelerators/catalog.js';
import { serverDefaultBatch, type BatchDefaultInput } from '../../../src/servers/batch.js';
import { containerSpec, type ServeArgs, type ServerKind } from '../../../src/servers/templates.js';
import { GiB } from '../../../src/units/quantity.js';

function on(type: string, kvCapacityTokens = 100_000, maxModelLen = 8192): BatchDefaultInput {
  const a = acceleratorByName(type)!;
  return { accelerator: a.name, kind: a.kind, hbmBytesPerDevice: a.hbmBytesPerDevice, kvCapacityTokens, maxModelLen };
}

describe('serverDefaultBatch: what the server caps its batch at when deploy passes no flag', () => {
  const cases: { name: string; server: ServerKind; input: BatchDefaultInput; want: number; rule: RegExp }[] = [
    { name: 'vLLM on H100 (80 GB ≥ 70 GiB, not an A100)', server: 'vllm', input: on('nvidia-h100-80gb'), want: 1024, rule: /70 GiB or more that is not an A100/ },
    { name: 'vLLM on H200', server: 'vllm', input: on('nvidia-h200-141gb'), want: 1024, rule: /arg_utils/ },
    { name: 'vLLM on MI300X', server: 'vllm', input: on('amd-mi300x'), want: 1024, rule: /arg_utils/ },
    { name: 'vLLM on A100 80GB: excluded by name', server: 'vllm', input: on('nvidia-a100-80gb'), want: 256, rule: /an A100/ },
    { name: 'vLLM on L4 (24 GB)', server: 'vllm', input: on('nvidia-l4'), want: 256, rule: /a GPU under 70 GiB/ },
    { name: 'vLLM on a GPU whose GFD label says 69 GiB', server: 'vllm', input: { ...on('nvidia-h100-80gb'), hbmBytesPerDevice: 69 * GiB }, want: 256, rule: /under 70 GiB/ },
    { name: 'vLLM on TPU v6e', server: 'vllm', input: on('tpu-v6e-slice'), want: 256, rule: /a TPU/ },
    { name: 'SGLang, big KV: the request pool (4096 at most)', server: 'sglang', input: on('nvidia-h100-80gb', 400_000, 4096), want: 4096, rule: /request pool of 4096/ },
    { name: 'SGLang, small KV: KV tokens ÷ 2', server: 'sglang', input: on('nvidia-l4', 3000, 2048), want: 1500, rule: /KV tokens ÷ 2/ },
    { name: 'SGLang, pool floor of 2048', server: 'sglang', input: on('nvidia-h100-80gb', 20_000, 8192), want: 2048, rule: /request pool of 2048/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = serverDefaultBatch(c.server, c.input);
      assert.equal(got.maxBatch, c.want);
      assert.match(got.rule, c.rule);
    });
  }
});

describe('containerSpec: the batch flag is passed only when there is a cap', () => {
  const base: ServeArgs = {
    modelId: 'meta-llama/Llama-3.1-8B-Instruct', servedModelName: 'llama', tensorParallelSize: 1, maxModelLen: 4096,
    memoryUtilization: 0.9, dtype: 'bf16', kvCacheDtype: 'bf16',
  };
  const cases: { server: ServerKind; maxBatch?: number; flag: string; present: boolean }[] = [
    { server: 'vllm', maxBatch: 48, flag: '--max-num-seqs', present: true },
    { server: 'vllm', flag: '--max-num-seqs', present: false },
    { server: 'sglang', maxBatch: 48, flag: '--max-running-requests', present: true },
    { server: 'sglang', flag: '--max-running-requests', present: false },
  ];
  for (const c of cases) {
    it(`${c.server} ${c.maxBatch ?? 'no cap'}`, () => {
      const args = containerSpec(c.server, { ...base, ...(c.maxBatch !== undefined ? { maxBatch: c.maxBatch } : {}) }).args;
      const i = args.indexOf(c.flag);
      assert.equal(i >= 0, c.present, args.join(' '));
      if (c.present) assert.equal(args[i + 1], String(c.maxBatch));
    });
  }
});
