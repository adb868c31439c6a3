import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_CONFIG_YAML, KINFER_CONFIG_YAML } from '../../src/routing/config.js';
import type { RunningSim } from '../../sim/server.js';
import { MODEL, startSim } from '../sim/harness.js';
import { Child, freePort, metricsOf, ROOT, sample, waitFor } from './helpers.js';

const BIN = 'bin/kinfer-picker.js';

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const INVALID_CONFIG = `apiVersion: inference.networking.x-k8s.io/v1alpha1
kind: EndpointPickerConfig
plugins:
- type: queue-scorer
- type: bogus-scorer
- type: max-score-picker
schedulingProfiles:
- name: default
  plugins:
  - pluginRef: queue-scorer
    weight: 1
  - pluginRef: max-score-picker
`;

const DANGLING_REF = `apiVersion: inference.networking.x-k8s.io/v1alpha1
kind: EndpointPickerConfig
plugins:
- type: queue-scorer
schedulingProfiles:
- name: default
  plugins:
  - pluginRef: kv-cache-scorer
    weight: 2
`;

describe('kinfer-picker CLI', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kinfer-picker-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('--help prints usage with both modes and examples, exit 0', () => {
    const r = run(['--help']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^kinfer-picker: /);
    assert.match(r.stdout, /Usage:\n {2}kinfer-picker \[--mode ext-proc\|proxy\]/);
    for (const flag of ['--mode', '--port', '--health-port', '--config', '--pool', '--namespace', '--kubeconfig', '--endpoint', '--refresh-interval', '--scrape-timeout', '--log-level', '--max-body-bytes', '--secure-serving', '--cert-path', '--upstream-timeout']) {
      assert.ok(r.stdout.includes(flag), `help names ${flag}`);
    }
    assert.match(r.stdout, /x-gateway-destination-endpoint/);
    assert.match(r.stdout, /Examples:\n {2}kinfer-picker --mode proxy/);
    assert.equal(r.stderr, '');
  });

  for (const flag of ['--version', '-v']) {
    it(`${flag} prints the version, exit 0`, () => {
      const r = run([flag]);
      assert.equal(r.status, 0);
      assert.match(r.stdout, /^kinfer-picker \d+\.\d+\.\d+\n$/);
    });
  }

  const bad = [
    { args: [], error: /^kinfer-picker: give one of --pool NAME, --selector SELECTOR, or one or more --endpoint URL$/ },
    { args: ['--selector', 'app=x', '--endpoint', 'http://127.0.0.1:8000'], error: /^kinfer-picker: give one of --pool NAME, --selector SELECTOR, or one or more --endpoint URL$/ },
    { args: ['--pool', 'p', '--endpoint', 'http://127.0.0.1:8000'], error: /^kinfer-picker: give one of --pool NAME, --selector SELECTOR, or one or more --endpoint URL$/ },
    { args: ['--mode', 'nope', '--endpoint', 'http://127.0.0.1:8000'], error: /^kinfer-picker: --mode nope: use ext-proc or proxy$/ },
    { args: ['--endpoint', 'http://[not-a-host'], error: /^kinfer-picker: --endpoint http:\/\/\[not-a-host: not a URL such as http:\/\/127\.0\.0\.1:8000$/ },
    { args: ['--endpoint', 'https://127.0.0.1:8000'], error: /^kinfer-picker: --endpoint https:\/\/127\.0\.0\.1:8000: only http:\/\/ model servers are supported$/ },
    { args: ['--endpoint', 'http://127.0.0.1:8000', '--port', '70000'], error: /^kinfer-picker: --port 70000: not a port number$/ },
    { args: ['--endpoint', 'http://127.0.0.1:8000', '--refresh-interval', 'often'], error: /^kinfer-picker: --refresh-interval "often" is not a duration \(e\.g\. 1h30m, 90s, 250ms; units: h, m, s, ms, us, ns\)$/ },
    // The same grammar as kubectl inference: a bare number is refused, never read as milliseconds.
    { args: ['--endpoint', 'http://127.0.0.1:8000', '--refresh-interval', '100'], error: /^kinfer-picker: --refresh-interval "100" has no unit: write 100s or 100ms/ },
    { args: ['--endpoint', 'http://127.0.0.1:8000', '--scrape-timeout', '0'], error: /^kinfer-picker: --scrape-timeout 0: must be above zero$/ },
    { args: ['--endpoint', 'http://127.0.0.1:8000', '--scrape-timeout', '0s'], error: /^kinfer-picker: --scrape-timeout 0s: must be above zero$/ },
    { args: ['--endpoint', 'http://127.0.0.1:8000', '--log-level', 'loud'], error: /^kinfer-picker: --log-level loud: use debug, info, warn or error$/ },
    { args: ['--endpoint', 'http://127.0.0.1:8000', '--max-body-bytes', '8MB'], error: /^kinfer-picker: --max-body-bytes 8MB: use a whole number above zero$/ },
    { args: ['--endpoint', 'http://127.0.0.1:8000', '--secure-serving', 'yes'], error: /^kinfer-picker: --secure-serving yes: use true or false$/ },
    { args: ['--endpoint', 'http://127.0.0.1:8000', '--secure-serving', 'false', '--cert-path', '/etc'], error: /^kinfer-picker: --cert-path needs --secure-serving true$/ },
    { args: ['--endpoint', 'http://127.0.0.1:8000', '--cert-path', '/nonexistent'], error: /^kinfer-picker: --cert-path \/nonexistent: ENOENT \(it must hold tls\.crt and tls\.key\)$/ },
    { args: ['--endpoint', 'http://127.0.0.1:8000', '--upstream-timeout', 'never'], error: /^kinfer-picker: --upstream-timeout "never" is not a duration \(e\.g\. 1h30m, 90s, 250ms; units: h, m, s, ms, us, ns\)$/ },
    { args: ['--bogus'], error: /^kinfer-picker: Unknown option '--bogus'/ },
    { args: ['stray'], error: /^kinfer-picker: .*positional/ },
  ];
  for (const c of bad) {
    it(`${c.args.join(' ') || '(no arguments)'}: one line and exit 2`, () => {
      const r = run(c.args);
      assert.equal(r.status, 2, r.stderr);
      const lines = r.stderr.trimEnd().split('\n');
      assert.match(lines[0] ?? '', c.error);
      assert.deepEqual(lines.slice(1), ['Run kinfer-picker --help for usage.'], 'the reason, then the --help hint');
      assert.equal(r.stdout, '');
    });
  }

  const configs = [
    { name: 'an unknown plugin type', text: INVALID_CONFIG, error: /: plugins\[1\]\.type: unknown plugin type "bogus-scorer"/ },
    { name: 'a dangling pluginRef', text: DANGLING_REF, error: /: schedulingProfiles\[0\]\.plugins\[0\]\.pluginRef: no plugin named "kv-cache-scorer"/ },
    { name: 'not YAML', text: 'plugins: [unclosed\n', error: /: not valid YAML/ },
  ];
  for (const c of configs) {
    it(`--config with ${c.name}: exit 2 naming the bad field`, () => {
      const file = join(dir, `${c.name.replace(/\W+/g, '-')}.yaml`);
      writeFileSync(file, c.text);
      const r = run(['--config', file, '--endpoint', 'http://127.0.0.1:8000']);
      assert.equal(r.status, 2, r.stderr);
      const first = r.stderr.split('\n')[0] ?? '';
      assert.ok(first.startsWith(`kinfer-picker: ${file}: `), first);
      assert.match(first, c.error);
      assert.match(r.stderr, /Run kinfer-picker --help for usage\.\n$/);
    });
  }

  it('--config naming a missing file: exit 2', () => {
    const r = run(['--config', join(dir, 'absent.yaml'), '--endpoint', 'http://127.0.0.1:8000']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^kinfer-picker: cannot read .*absent\.yaml: ENOENT\n/);
  });
});

describe('kinfer-picker: config hot reload (proxy mode, one sim)', () => {
  let dir = '';
  let sim: RunningSim | undefined;
  let picker: Child | undefined;
  let proxyUrl = '';
  let healthUrl = '';
  let configFile = '';

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kinfer-picker-reload-'));
    configFile = join(dir, 'picker.yaml');
    writeFileSync(configFile, KINFER_CONFIG_YAML);
    sim = await startSim(['--decode-base-ms', '2', '--num-gpu-blocks', '512', '--max-model-len', '2048']);
    const [port, healthPort] = [await freePort(), await freePort()];
    proxyUrl = `http://127.0.0.1:${port}`;
    healthUrl = `http://127.0.0.1:${healthPort}`;
    picker = new Child('kinfer-picker', process.execPath, [
      BIN, '--mode', 'proxy', '--port', String(port), '--health-port', String(healthPort), '--endpoint', sim.url,
      '--config', configFile, '--refresh-interval', '50ms',
    ]);
    await picker.waitOutput(/kinfer-picker ready/);
    await waitFor(async () => {
      const health = await (await fetch(`${healthUrl}/health`, { signal: AbortSignal.timeout(2000) })).json() as { fresh: number };
      return health.fresh === 1;
    }, 'the picker to scrape the sim', 5000);
  });
  after(async () => {
    await picker?.stop();
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const complete = async (): Promise<Response> => {
    const response = await fetch(`${proxyUrl}/v1/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(10_000),
      body: JSON.stringify({ model: MODEL, prompt: 'hello there', max_tokens: 3 }),
    });
    await response.arrayBuffer();
    return response;
  };
  const reloads = async (result: 'ok' | 'invalid'): Promise<number> => sample(await metricsOf(healthUrl), 'kinfer_picker_config_reloads_total', { result });

  it('routes with the file it started with; /health answers on both ports', { timeout: 10_000 }, async () => {
    const response = await complete();
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-gateway-destination-endpoint'), sim!.url.replace('http://', ''));
    for (const url of [proxyUrl, healthUrl]) {
      const health = await (await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) })).json() as { status: string; mode: string; endpoints: number };
      assert.deepEqual([health.status, health.mode, health.endpoints], ['ok', 'proxy', 1]);
    }
    assert.equal(await reloads('ok'), 0);
    assert.equal(await reloads('invalid'), 0);
  });

  it('an invalid file is refused (reloads{result="invalid"} 1) and the running config keeps routing', { timeout: 15_000 }, async () => {
    writeFileSync(configFile, INVALID_CONFIG);
    await waitFor(async () => (await reloads('invalid')) === 1, 'kinfer_picker_config_reloads_total{result="invalid"} 1', 8000, 100);
    assert.equal(await reloads('ok'), 0);
    assert.match(picker!.output, /config not reloaded; keeping the running one/);
    assert.match(picker!.output, /bogus-scorer/);
    const response = await complete();
    assert.equal(response.status, 200);
    assert.ok(picker!.running);
  });

  it('a valid file is taken (reloads{result="ok"} 1) and routing goes on', { timeout: 15_000 }, async () => {
    writeFileSync(configFile, DEFAULT_CONFIG_YAML);
    await waitFor(async () => (await reloads('ok')) === 1, 'kinfer_picker_config_reloads_total{result="ok"} 1', 8000, 100);
    assert.equal(await reloads('invalid'), 1);
    const response = await complete();
    assert.equal(response.status, 200);
    const text = await metricsOf(healthUrl);
    assert.equal(sample(text, 'kinfer_picker_decisions_total', { endpoint: sim!.url.replace('http://', '') }), 3, 'three requests routed, one per test');
  });

  it('exits 0 on SIGTERM', { timeout: 10_000 }, async () => {
    const child = picker!;
    await child.stop(5000);
    assert.equal(child.process.exitCode, 0, child.tail());
  });
});
