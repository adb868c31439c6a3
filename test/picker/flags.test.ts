import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePickerFlags } from '../../picker/flags.js';
import { UsageError } from '../../src/usage.js';

describe('parsePickerFlags: argv to typed flags, or one usage error naming the flag', () => {
  const ok: { name: string; argv: string[]; want: Record<string, unknown> }[] = [
    {
      name: 'defaults of ext-proc',
      argv: ['--endpoint', 'http://127.0.0.1:8001'],
      want: { mode: 'ext-proc', listenPort: 9002, healthPort: 9003, intervalMs: 100, timeoutMs: 1000, secureServing: true, endpoints: ['127.0.0.1:8001'], host: '0.0.0.0', autoscale: undefined },
    },
    {
      name: 'proxy listens on 8080; durations in the Go grammar',
      argv: ['--mode', 'proxy', '--endpoint', '10.0.0.5:8000', '--refresh-interval', '250ms', '--upstream-timeout', '1m30s'],
      want: { mode: 'proxy', listenPort: 8080, intervalMs: 250, upstreamIdleTimeoutMs: 90_000, endpoints: ['10.0.0.5:8000'] },
    },
    {
      name: 'autoscale: per-Deployment capacity, TTFT target in seconds, window rounded to seconds',
      argv: ['--pool', 'p', '--autoscale', 'llama=4.5', '--ttft-target', '2s', '--autoscale-cert', 'c', '--autoscale-key', 'k'],
      want: { pool: 'p', autoscale: { config: { namespace: '', capacityRps: new Map([['llama', 4.5]]), windowSeconds: 30, settings: { ttftTargetSeconds: 2, kvHighWatermark: 0.9 } }, port: 6443, certFile: 'c', keyFile: 'k', clientCaFile: undefined } },
    },
  ];
  for (const c of ok) {
    it(c.name, () => {
      const parsed = parsePickerFlags(c.argv);
      assert.equal(parsed.kind, 'run');
      if (parsed.kind !== 'run') return;
      for (const [key, value] of Object.entries(c.want)) assert.deepEqual((parsed.flags as unknown as Record<string, unknown>)[key], value, key);
    });
  }

  it('--help and --version win over everything else', () => {
    assert.deepEqual(parsePickerFlags(['--help', '--mode', 'nonsense']), { kind: 'help' });
    assert.deepEqual(parsePickerFlags(['-v']), { kind: 'version' });
  });

  const bad: { argv: string[]; message: RegExp }[] = [
    { argv: ['--mode', 'grpc', '--endpoint', 'a:1'], message: /^--mode grpc: use ext-proc or proxy$/ },
    { argv: [], message: /give one of --pool NAME, --selector SELECTOR, or one or more --endpoint URL/ },
    { argv: ['--pool', 'p', '--endpoint', 'a:1'], message: /give one of --pool/ },
    { argv: ['--endpoint', 'https://a:1'], message: /only http:\/\/ model servers/ },
    { argv: ['--endpoint', 'a:1', '--refresh-interval', '100'], message: /^--refresh-interval "100" has no unit/ },
    { argv: ['--endpoint', 'a:1', '--port', '70000'], message: /^--port 70000: not a port number$/ },
    { argv: ['--endpoint', 'a:1', '--secure-serving', 'false', '--cert-path', 'd'], message: /--cert-path needs --secure-serving true/ },
    { argv: ['--endpoint', 'a:1', '--ttft-target', '2s'], message: /^--ttft-target needs --autoscale NAME=RPS$/ },
    { argv: ['--endpoint', 'a:1', '--bogus'], message: /bogus/ },
  ];
  for (const c of bad) {
    it(`refuses ${c.argv.join(' ') || '(nothing)'}`, () => {
      assert.throws(() => parsePickerFlags(c.argv), (e: unknown) => e instanceof UsageError && c.message.test(e.message));
    });
  }
});
