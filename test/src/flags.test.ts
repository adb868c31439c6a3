import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bool, duration, flagsHelp, list, oneOf, option, parseFlags, port, text, toggle, wholeNumber } from '../../src/flags.js';
import { UsageError } from '../../src/usage.js';

const TABLE = {
  mode: option('MODE', oneOf(['a', 'b', 'c']), { help: 'a mode', default: 'a' }),
  port: option('N', port(1), { short: 'p', help: 'listen port', defaultHelp: 'chosen by the mode' }),
  wait: option('D', duration, { help: 'how long', default: '1m30s' }),
  size: option('N', wholeNumber, { help: 'a size' }),
  tls: option('BOOL', bool, { help: 'serve TLS', default: 'false' }),
  name: list('NAME', text, { heading: 'More:', help: 'a name (repeatable)' }),
  quiet: toggle({ help: 'say less' }),
};

describe('parseFlags: a flag table to typed values, or one usage error naming the flag', () => {
  const ok: { argv: string[]; want: Record<string, unknown>; given: string[] }[] = [
    { argv: [], want: { mode: 'a', port: undefined, wait: 90_000, size: undefined, tls: false, name: [], quiet: false }, given: [] },
    { argv: ['--mode', 'c', '-p', '8080', '--wait', '250ms', '--size', '3', '--tls', 'true', '--name', 'x', '--name', 'y', '--quiet'],
      want: { mode: 'c', port: 8080, wait: 250, size: 3, tls: true, name: ['x', 'y'], quiet: true }, given: ['mode', 'port', 'wait', 'size', 'tls', 'name', 'quiet'] },
    { argv: ['--wait', '1m30s'], want: { wait: 90_000 }, given: ['wait'] },
  ];
  for (const c of ok) {
    it(c.argv.join(' ') || '(nothing): the defaults, parsed as typed', () => {
      const parsed = parseFlags(TABLE, c.argv);
      assert.equal(parsed.kind, 'run');
      if (parsed.kind !== 'run') return;
      for (const [key, value] of Object.entries(c.want)) assert.deepEqual((parsed.values as Record<string, unknown>)[key], value, key);
      assert.deepEqual([...parsed.given].sort(), [...c.given].sort());
    });
  }

  it('help and version win over a bad value', () => {
    assert.deepEqual(parseFlags(TABLE, ['--mode', 'z', '-h']), { kind: 'help' });
    assert.deepEqual(parseFlags(TABLE, ['--port', 'x', '--version']), { kind: 'version' });
  });

  const bad: { argv: string[]; message: RegExp }[] = [
    { argv: ['--mode', 'z'], message: /^--mode z: use a, b or c$/ },
    { argv: ['--port', '0'], message: /^--port 0: not a port number$/ },
    { argv: ['-p', '65536'], message: /^--port 65536: not a port number$/ },
    { argv: ['--wait', '5'], message: /^--wait "5" has no unit/ },
    { argv: ['--wait', '0s'], message: /^--wait 0s: must be above zero$/ },
    { argv: ['--size', '1.5'], message: /^--size 1.5: use a whole number above zero$/ },
    { argv: ['--tls', 'yes'], message: /^--tls yes: use true or false$/ },
    { argv: ['--bogus'], message: /bogus/ },
    { argv: ['--size'], message: /--size/ },
    { argv: ['stray'], message: /stray/ },
  ];
  for (const c of bad) {
    it(`refuses ${c.argv.join(' ')}`, () => {
      assert.throws(() => parseFlags(TABLE, c.argv), (e: unknown) => e instanceof UsageError && c.message.test(e.message));
    });
  }
});

describe('flagsHelp: the help is rendered from the same table', () => {
  it('every flag with its value, default and section, then help and version', () => {
    assert.equal(flagsHelp(TABLE), [
      'Flags:',
      '  --mode MODE    a mode (default a)',
      '  -p, --port N   listen port (default: chosen by the mode)',
      '  --wait D       how long (default 1m30s)',
      '  --size N       a size',
      '  --tls BOOL     serve TLS (default false)',
      '',
      'More:',
      '  --name NAME    a name (repeatable)',
      '  --quiet        say less',
      '  -h, --help     this help',
      '  -v, --version  print the version',
      '',
    ].join('\n'));
  });

  it('long help wraps under its column', () => {
    const help = flagsHelp({ long: toggle({ help: 'word '.repeat(40) }) });
    const lines = help.split('\n').slice(1, -3);
    assert.ok(lines.length > 1 && lines.every((l) => l.length <= 118), help);
    assert.ok(lines.slice(1).every((l) => l.startsWith(' '.repeat('  --long'.length + 2))), help);
  });
});
