import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { extenderSettings, HELP, parseExtenderFlags } from '../../extender/flags.js';
import type { ExtenderConfig } from '../../extender/config.js';
import { UsageError } from '../../src/usage.js';

function settings(argv: string[], config: ExtenderConfig = {}): ReturnType<typeof extenderSettings> {
  const parsed = parseExtenderFlags(argv);
  if (parsed.kind !== 'run') throw new Error(parsed.kind);
  return extenderSettings(parsed.values, config);
}

describe('kinfer-extender flags: a flag wins over the config file, which wins over the default', () => {
  const ok: { name: string; argv: string[]; config?: ExtenderConfig; want: Partial<ReturnType<typeof extenderSettings>> }[] = [
    { name: 'defaults', argv: [], want: { port: 8090, address: '127.0.0.1', healthPort: undefined, maxBodyBytes: 4 * 1024 * 1024, logLevel: 'info', certFile: undefined } },
    { name: 'the config file', argv: [], config: { port: 9000, healthPort: 9001, maxBodyBytes: 2048, logLevel: 'warn', tls: { certFile: 'c', keyFile: 'k' } }, want: { port: 9000, healthPort: 9001, maxBodyBytes: 2048, logLevel: 'warn', certFile: 'c', keyFile: 'k' } },
    { name: 'flags over the file', argv: ['--port', '7000', '--log-level', 'debug', '--tls-cert', 'c2', '--tls-key', 'k2'], config: { port: 9000, logLevel: 'warn', tls: { certFile: 'c', keyFile: 'k' } }, want: { port: 7000, logLevel: 'debug', certFile: 'c2', keyFile: 'k2' } },
  ];
  for (const c of ok) {
    it(c.name, () => {
      const got = settings(c.argv, c.config);
      for (const [key, value] of Object.entries(c.want)) assert.deepEqual((got as unknown as Record<string, unknown>)[key], value, key);
    });
  }

  const bad: { argv: string[]; config?: ExtenderConfig; message: RegExp }[] = [
    { argv: ['--port', '70000'], message: /^--port 70000: not a port number$/ },
    { argv: ['--health-port', '0'], message: /^--health-port 0: not a port number$/ },
    { argv: ['--health-port', '8090'], message: /^--health-port 8090: not a port number other than --port$/ },
    { argv: ['--max-body-bytes', '100'], message: /^--max-body-bytes 100: a whole number of bytes, at least 1024$/ },
    { argv: ['--log-level', 'loud'], message: /^--log-level loud: use debug, info, warn or error$/ },
    { argv: ['--tls-cert', 'c'], message: /^--tls-cert and --tls-key go together$/ },
    { argv: ['--tls-client-ca', 'ca'], message: /^--tls-client-ca needs --tls-cert/ },
    { argv: ['--port', '9001'], config: { healthPort: 9001 }, message: /^--health-port 9001: not a port number other than --port$/ },
  ];
  for (const c of bad) {
    it(`refuses ${c.argv.join(' ')}`, () => {
      assert.throws(() => settings(c.argv, c.config), (e: unknown) => e instanceof UsageError && c.message.test(e.message));
    });
  }

  it('the help names every flag, with defaults from the table', () => {
    for (const flag of ['--port N', '--address ADDR', '--health-port N', '--max-body-bytes N', '--config FILE', '--kubeconfig FILE', '--context NAME', '--tls-cert FILE', '--tls-key FILE', '--tls-client-ca FILE', '--log-level LEVEL', '-h, --help', '-v, --version']) {
      assert.ok(HELP.includes(flag), flag);
    }
    assert.match(HELP, /\(default 127\.0\.0\.1\)/);
  });
});
