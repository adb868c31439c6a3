import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSimArgs, type SimConfig } from '../../sim/config.js';
import { findServerCommand } from '../../sim/server-args.js';

// kinfer-sim as a drop-in for the command line a model-server pod runs (what `deploy` writes).

function serve(args: string[]): SimConfig {
  const parsed = parseSimArgs(args);
  if (!parsed.ok || parsed.value.kind !== 'serve') throw new Error(parsed.ok ? parsed.value.kind : parsed.error);
  return parsed.value.config;
}

const VLLM_8B = ['vllm', 'serve', 'meta-llama/Llama-3.1-8B-Instruct', '--served-model-name', 'llama', '--port', '8000', '--tensor-parallel-size', '1', '--max-model-len', '4096', '--gpu-memory-utilization', '0.92'];

describe('findServerCommand: where a server command line starts', () => {
  const cases: { argv: string[]; want: ReturnType<typeof findServerCommand> }[] = [
    { argv: ['--port', '9'], want: undefined },
    { argv: ['vllm', 'serve', 'm'], want: { index: 0, dialect: 'vllm', argsFrom: 2 } },
    { argv: ['--accelerator', 'nvidia-l4', '/usr/local/bin/vllm', 'serve', 'm'], want: { index: 2, dialect: 'vllm', argsFrom: 4 } },
    { argv: ['serve', 'm'], want: { index: 0, dialect: 'vllm', argsFrom: 1 } },
    { argv: ['--model', 'serve'], want: undefined },
    { argv: ['--host', '127.0.0.1', 'python3', '-m', 'sglang.launch_server', '--model-path', 'm'], want: { index: 2, dialect: 'sglang', argsFrom: 5 } },
    { argv: ['-m', 'sglang.launch_server', '--model-path', 'm'], want: { index: 0, dialect: 'sglang', argsFrom: 2 } },
  ];
  for (const c of cases) it(c.argv.join(' '), () => assert.deepEqual(findServerCommand(c.argv), c.want));
});

describe('kinfer-sim drop-in: the server flags set the simulation', () => {
  const cases: { name: string; args: string[]; check: (c: SimConfig) => void }[] = [
    {
      name: 'vLLM as deploy writes it: model, served name, TP, context, utilization; vLLM\'s default batch on an H100',
      args: ['--accelerator', 'nvidia-h100-80gb', '--host', '127.0.1.1', ...VLLM_8B],
      check: (c) => {
        assert.deepEqual([c.modelName, c.host, c.port, c.dialect, c.engine.maxModelLen, c.gpuMemoryUtilization], ['llama', '127.0.1.1', 8000, 'vllm', 4096, 0.92]);
        assert.equal(c.profile, 'meta-llama/Llama-3.1-8B-Instruct on 1 x nvidia-h100-80gb');
        assert.equal(c.engine.maxNumSeqs, 1024);
        assert.match(c.maxNumSeqsFrom, /vLLM's default .* for nvidia-h100-80gb/);
        assert.deepEqual(c.warnings, []);
      },
    },
    {
      name: 'vLLM on an L4 defaults to 256; an A100 too',
      args: ['--accelerator', 'nvidia-l4', ...VLLM_8B],
      check: (c) => assert.equal(c.engine.maxNumSeqs, 256),
    },
    {
      name: 'an explicit --max-num-seqs is the cap',
      args: [...VLLM_8B, '--max-num-seqs', '48'],
      check: (c) => assert.deepEqual([c.engine.maxNumSeqs, c.maxNumSeqsFrom], [48, 'flag']),
    },
    {
      name: 'kinfer-sim flags given first win over the server\'s (the pod IP over --host 0.0.0.0)',
      args: ['--host', '127.0.1.9', '--port', '0', ...VLLM_8B, '--host', '0.0.0.0'],
      check: (c) => assert.deepEqual([c.host, c.port], ['127.0.1.9', 0]),
    },
    {
      name: 'quantization fp8 and an fp8 KV cache: more KV blocks than bf16',
      args: [...VLLM_8B, '--quantization', 'fp8', '--kv-cache-dtype', 'fp8'],
      check: (c) => assert.ok(c.engine.numGpuBlocks > serve(VLLM_8B).engine.numGpuBlocks * 1.9, `${c.engine.numGpuBlocks} blocks`),
    },
    {
      name: 'prefix caching off, batched tokens, --flag=value spelling',
      args: [...VLLM_8B, '--no-enable-prefix-caching', '--max-num-batched-tokens=2048'],
      check: (c) => assert.deepEqual([c.engine.enablePrefixCaching, c.engine.maxNumBatchedTokens], [false, 2048]),
    },
    {
      name: 'tensor × pipeline parallel: one group of tp × pp devices',
      args: ['--accelerator', 'nvidia-h100-80gb', 'vllm', 'serve', 'meta-llama/Llama-3.1-405B-Instruct', '--tensor-parallel-size', '8', '--pipeline-parallel-size', '2'],
      check: (c) => assert.equal(c.profile, 'meta-llama/Llama-3.1-405B-Instruct on 16 x nvidia-h100-80gb'),
    },
    {
      name: 'unknown server flags: one warning naming them, values skipped, not fatal',
      args: [...VLLM_8B, '--trust-remote-code', '--swap-space', '4', '--enable-chunked-prefill'],
      check: (c) => assert.deepEqual(c.warnings, ['ignoring vllm flags the simulation has no use for: --trust-remote-code --swap-space --enable-chunked-prefill']),
    },
    {
      name: 'SGLang as deploy writes it: dialect, TP, context, memory fraction, no batch flag → its default',
      args: ['--accelerator', 'nvidia-h100-80gb', 'python3', '-m', 'sglang.launch_server', '--model-path', 'Qwen/Qwen2.5-7B-Instruct', '--served-model-name', 'qwen',
        '--host', '0.0.0.0', '--port', '8000', '--tp-size', '1', '--context-length', '8192', '--mem-fraction-static', '0.9', '--enable-metrics'],
      check: (c) => {
        assert.deepEqual([c.dialect, c.modelName, c.engine.maxModelLen, c.gpuMemoryUtilization], ['sglang', 'qwen', 8192, 0.9]);
        assert.match(c.maxNumSeqsFrom, /SGLang's default/);
        assert.ok(c.engine.maxNumSeqs >= 2048 && c.engine.maxNumSeqs <= 4096, String(c.engine.maxNumSeqs));
        assert.deepEqual(c.warnings, []);
      },
    },
    {
      name: 'SGLang --max-running-requests and --disable-radix-cache',
      args: ['-m', 'sglang.launch_server', '--model-path', 'Qwen/Qwen2.5-7B-Instruct', '--tp', '1', '--max-running-requests', '32', '--disable-radix-cache'],
      check: (c) => assert.deepEqual([c.engine.maxNumSeqs, c.engine.enablePrefixCaching], [32, false]),
    },
  ];
  for (const c of cases) it(c.name, () => c.check(serve(c.args)));

  const bad: { args: string[]; error: RegExp }[] = [
    { args: ['vllm', 'serve', '--port', '8000'], error: /^vllm serve: no model/ },
    { args: ['-m', 'sglang.launch_server', '--tp', '1'], error: /no --model-path/ },
    { args: [...VLLM_8B, '--quantization', 'squeezellm'], error: /^--quantization squeezellm: kinfer-sim simulates/ },
    { args: [...VLLM_8B, '--max-model-len'], error: /^--max-model-len needs a value$/ },
    { args: ['vllm', 'serve', 'acme/unknown'], error: /unknown model acme\/unknown/ },
  ];
  for (const c of bad) {
    it(`${c.args.slice(-2).join(' ')}: one line`, () => {
      const parsed = parseSimArgs(c.args);
      assert.ok(!parsed.ok);
      assert.match(parsed.error, c.error);
    });
  }
});
