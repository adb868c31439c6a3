import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stripVTControlCharacters } from 'node:util';
import { layoutTable } from '../../../plugin/top/format.js';
import { row } from '../top/builders.js';

// Colors are what this file checks, so it forces them on before ink (and its chalk) load: node --test runs each
// file in its own process, and a piped stdout would otherwise turn them off.
process.env.FORCE_COLOR = '1';
const { render } = await import('ink-testing-library');
const { ReplicaTable, SEVERITY_COLOR } = await import('../../../plugin/views/ReplicaTable.js');

const YELLOW = '\u001B[33m';
const RED = '\u001B[31m';

describe('ReplicaTable colors', () => {
  it('yellow over 80 % KV, red over 95 % or unreachable, plain otherwise', async () => {
    const rows = [
      row('cool', { kvCacheUsage: 0.5 }),
      row('warm', { kvCacheUsage: 0.85 }),
      row('full', { kvCacheUsage: 0.99 }),
      row('gone', { reachable: false, reason: 'connection refused' }),
    ];
    const table = layoutTable(rows, { ascii: false, namespaces: false });
    const view = render(<ReplicaTable table={table} offset={0} visible={10} />);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const lines = (view.lastFrame() ?? '').split('\n');
    const colorOf = (name: string): string => {
      const line = lines.find((l) => stripVTControlCharacters(l).startsWith(name))!;
      return line.startsWith(YELLOW) ? 'yellow' : line.startsWith(RED) ? 'red' : line.startsWith('\u001B[') ? 'other' : 'none';
    };
    assert.deepEqual(['cool', 'warm', 'full', 'gone'].map(colorOf), ['none', 'yellow', 'red', 'red']);
    assert.deepEqual(SEVERITY_COLOR, { ok: undefined, warning: 'yellow', critical: 'red' });
    view.unmount();
  });

  it('shows only the rows in the scroll window', async () => {
    const rows = Array.from({ length: 6 }, (_, i) => row(`r${i}`));
    const view = render(<ReplicaTable table={layoutTable(rows, { ascii: false, namespaces: false })} offset={2} visible={3} />);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const names = stripVTControlCharacters(view.lastFrame() ?? '').split('\n').map((l) => l.split(' ')[0]);
    assert.deepEqual(names, ['REPLICA', 'r2', 'r3', 'r4']);
    view.unmount();
  });
});
