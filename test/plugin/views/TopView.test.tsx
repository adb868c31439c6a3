import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { render } from 'ink-testing-library';
import type { SnapshotSource } from '../../../plugin/top/refresher.js';
import type { TopSnapshot } from '../../../plugin/top/state.js';
import { TopView } from '../../../plugin/views/TopView.js';
import { row } from '../top/builders.js';

/** Hands the view snapshots on demand; records when the view stops it. */
class FakeSource implements SnapshotSource {
  stopped = false;
  private listener: ((s: TopSnapshot) => void) | undefined;
  constructor(private readonly first: TopSnapshot) {}
  start(onSnapshot: (s: TopSnapshot) => void): () => void {
    this.listener = onSnapshot;
    onSnapshot(this.first);
    return () => void (this.stopped = true);
  }
  push(s: TopSnapshot): void {
    this.listener?.(s);
  }
}

const AT = Date.UTC(2025, 0, 2, 3, 4, 5);
const SNAPSHOT: TopSnapshot = {
  atMs: AT,
  rows: [
    row('llama-0', { kvCacheUsage: 0.42, running: 12, waiting: 0, generationTokensPerSecond: 1520, ttftP50Ms: 85, ttftP99Ms: 410, prefixCacheHitRate: 0.73, preemptionsTotal: 0 }),
    row('llama-1', { kvCacheUsage: 0.97, running: 30, waiting: 9, generationTokensPerSecond: 2210, ttftP50Ms: 900, ttftP99Ms: 2400, prefixCacheHitRate: 0.5, preemptionsTotal: 4 }),
    row('qwen-0', { pool: 'ml/qwen', reachable: false, reason: 'no answer in 1.5s' }),
  ],
  pools: [
    { pool: 'ml/llama', replicas: 2, unreachable: 0, kvCacheMean: 0.695, kvCacheMax: 0.97, running: 42, waiting: 9, generationTokensPerSecond: 3730, ttftP50Ms: 120, ttftP99Ms: 2300, prefixCacheHitRate: 0.6 },
    { pool: 'ml/qwen', replicas: 1, unreachable: 1, running: 0, waiting: 0 },
  ],
};

// At 100 columns the least important columns (NODE, PREFIX HIT, PREEMPT) are dropped so STATUS shows.
const HEADER = 'REPLICA  ACCELERATOR       KV CACHE         RUN  WAIT  TOK/S  TTFT P50  TTFT P99  STATUS';
const LLAMA0 = 'llama-0  nvidia-h100-80gb  ████░░░░░░  42%   12     0   1520      85ms     410ms  ok';
const LLAMA1 = 'llama-1  nvidia-h100-80gb  ██████████  97%   30     9   2210     900ms     2.40s  ok';
const QWEN0 = 'qwen-0   nvidia-h100-80gb                -    -     -      -         -         -  unreachable: no a…';
// Alone after filtering, the qwen row sets the column widths.
const QWEN0_ALONE = QWEN0;

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 30));

/** Retries `check` until it passes or 2 s go by (renders are asynchronous; a loaded machine is slow). */
async function eventually(check: () => void): Promise<void> {
  for (const started = Date.now(); ; await tick()) {
    try {
      return check();
    } catch (error) {
      if (Date.now() - started > 2000) throw error;
    }
  }
}
const DOWN = '\u001B[B';
const ENTER = '\r';
const UP = '\u001B[A';

function lines(frame: string | undefined): string[] {
  return (frame ?? '').split('\n');
}

/** The table rows of a frame: the lines between the table header and the key hints. */
function tableRows(frame: string | undefined): string[] {
  const all = lines(frame);
  return all.slice(all.findIndex((l) => l.startsWith('REPLICA ')) + 1, -1);
}

const FIRST_FRAME_TAIL = [
  'ml/llama  2 replicas  KV 70% mean, 97% max  run 42  wait 9  3730 tok/s  TTFT p50 120ms p99 2.30s  p…',
  'ml/qwen  1 replica (1 unreachable)  KV - mean, - max  run 0  wait 0  - tok/s  TTFT p50 - p99 -  pre…',
  '',
  HEADER,
  LLAMA0,
  LLAMA1,
  QWEN0,
  'q quit  s/S sort  r reverse  / filter  Enter detail  ? help  rows 1-3 of 3',
];

describe('TopView rendered to a fake stdout (100 columns: long lines are cut, not wrapped)', () => {
  const mount = (snapshot: TopSnapshot, height = 20, width?: number) => {
    const source = new FakeSource(snapshot);
    const view = render(<TopView source={source} intervalSeconds={2} namespaces={false} height={height} {...(width !== undefined ? { width } : {})} />);
    return { source, view, frame: () => lines(view.lastFrame()), rows: () => tableRows(view.lastFrame()) };
  };

  it('title, one line per pool, the table with bars and percents, key hints', async () => {
    const { source, view, frame } = mount(SNAPSHOT);
    await eventually(() => {
      assert.match(frame()[0]!, /^kubectl inference top {2}3 replicas {2}every 2s {2}\d\d:\d\d:\d\d {2}sort: name$/);
      assert.deepEqual(frame().slice(1), FIRST_FRAME_TAIL);
    });
    view.unmount();
    assert.ok(source.stopped, 'unmounting stops the refresher');
  });

  it('with HPAs, a line per autoscaled Deployment under the pool lines; the table gives up a row for it', async () => {
    const autoscale = [{ namespace: 'ml', deployment: 'llama', workload: 'llama', currentReplicas: 2, desiredReplicas: 3, minReplicas: 1, maxReplicas: 4, metric: 'kinfer-replica-demand', demandPerReplica: '1205m' }];
    const { view, frame } = mount({ ...SNAPSHOT, autoscale }, 10);
    await eventually(() => assert.deepEqual(frame().slice(1), [
      FIRST_FRAME_TAIL[0], FIRST_FRAME_TAIL[1],
      "ml/llama: 2/3 replicas (HPA wants 3, 1..4; demand 2.41 replicas' worth: kinfer-replica-demand)",
      '', HEADER, LLAMA0, LLAMA1,
      'q quit  s/S sort  r reverse  / filter  Enter detail  ? help  rows 1-2 of 3',
    ]));
    view.unmount();
  });

  it('shows each new snapshot', async () => {
    const { source, view, rows } = mount(SNAPSHOT);
    await eventually(() => assert.equal(rows().length, 3));
    source.push({ ...SNAPSHOT, rows: [row('llama-0', { kvCacheUsage: 0.05 })], pools: [] });
    await eventually(() => assert.match(rows()[0]!, /^llama-0 .* █░░░░░░░░░ {3}5% /));
    view.unmount();
  });

  it('s cycles the sort column: KV descending, then waiting, tokens/s, TTFT p99, back to name', async () => {
    const { view, frame, rows } = mount(SNAPSHOT);
    await eventually(() => assert.deepEqual(rows(), [LLAMA0, LLAMA1, QWEN0]));
    const steps: [RegExp, string[]][] = [
      [/sort: KV % ↓$/, [LLAMA1, LLAMA0, QWEN0]],
      [/sort: waiting ↓$/, [LLAMA1, LLAMA0, QWEN0]],
      [/sort: tokens\/s ↓$/, [LLAMA1, LLAMA0, QWEN0]],
      [/sort: TTFT p99 ↓$/, [LLAMA1, LLAMA0, QWEN0]],
      [/sort: name$/, [LLAMA0, LLAMA1, QWEN0]],
    ];
    for (const [title, want] of steps) {
      view.stdin.write('s');
      await eventually(() => {
        assert.match(frame()[0]!, title);
        assert.deepEqual(rows(), want);
      });
    }
    view.unmount();
  });

  it('/ filters as you type (q is text there, not quit); Enter keeps it, Esc clears it', async () => {
    const { source, view, frame, rows } = mount(SNAPSHOT);
    await eventually(() => assert.equal(rows().length, 3));
    for (const key of ['/', 'q', 'w']) view.stdin.write(key);
    await eventually(() => {
      assert.equal(frame().at(-1), '/qw_  (Enter: keep  Esc: clear)');
      assert.deepEqual(rows(), [QWEN0_ALONE]);
    });
    assert.equal(source.stopped, false, 'q typed into the filter does not quit');
    view.stdin.write('\r');
    await eventually(() => {
      assert.match(frame()[0]!, /filter: qw$/);
      assert.deepEqual(rows(), [QWEN0_ALONE]);
      assert.equal(frame().at(-1), 'q quit  s/S sort  r reverse  / filter  Enter detail  ? help  rows 1-1 of 1');
    });
    view.stdin.write('/');
    await eventually(() => assert.equal(frame().at(-1), '/qw_  (Enter: keep  Esc: clear)'));
    view.stdin.write('\u001B');
    await eventually(() => {
      assert.deepEqual(rows(), [LLAMA0, LLAMA1, QWEN0]);
      assert.equal(frame().at(-1), 'q quit  s/S sort  r reverse  / filter  Enter detail  ? help  rows 1-3 of 3');
    });
    view.unmount();
  });

  it('arrows move the selection; the table scrolls to keep it on screen and stops at the ends', async () => {
    const many: TopSnapshot = {
      atMs: AT, pools: [],
      rows: Array.from({ length: 12 }, (_, i) => row(`r-${String(i).padStart(2, '0')}`, { kvCacheUsage: i / 12, running: i, waiting: 0 })),
    };
    // 10 lines: title, blank, table header, key hints, one spare for the cursor, so room for 5 rows.
    const { view, frame, rows } = mount(many, 10);
    const names = (): string[] => rows().map((l) => l.split(' ')[0]!);
    await eventually(() => {
      assert.deepEqual(names(), ['r-00', 'r-01', 'r-02', 'r-03', 'r-04']);
      assert.equal(frame().at(-1), 'q quit  s/S sort  r reverse  / filter  Enter detail  ? help  rows 1-5 of 12');
    });
    for (let i = 0; i < 6; i++) view.stdin.write(DOWN);
    await eventually(() => assert.deepEqual(names(), ['r-02', 'r-03', 'r-04', 'r-05', 'r-06']));
    for (let i = 0; i < 20; i++) view.stdin.write(DOWN);
    await eventually(() => {
      assert.deepEqual(names(), ['r-07', 'r-08', 'r-09', 'r-10', 'r-11']);
      assert.match(frame().at(-1)!, /rows 8-12 of 12$/);
    });
    for (let i = 0; i < 5; i++) view.stdin.write(UP);
    await eventually(() => assert.equal(names()[0], 'r-06'));
    for (let i = 0; i < 20; i++) view.stdin.write(UP);
    await eventually(() => assert.equal(names()[0], 'r-00'));
    view.unmount();
  });

  it('Enter opens the selected replica: its figures, KV sparkline, histograms, where recent requests come from; Esc back', async () => {
    const history = {
      histograms: [
        { atMs: AT - 10_000, ttft: { buckets: [[0.05, 0], [0.1, 0], [0.5, 0], [Infinity, 0]] as [number, number][], sum: 0, count: 0 } },
        { atMs: AT, ttft: { buckets: [[0.05, 3], [0.1, 7], [0.5, 8], [Infinity, 8]] as [number, number][], sum: 0.6, count: 8 } },
      ],
      kv: [0, 0.25, 0.5, 1].map((usage, i) => ({ atMs: AT - (3 - i) * 2000, usage })),
    };
    const snapshot: TopSnapshot = { ...SNAPSHOT, details: new Map([['ml/llama-1', history]]) };
    const { view, frame, rows } = mount(snapshot, 24, 80);
    await eventually(() => assert.equal(rows().length, 3));
    view.stdin.write(DOWN);
    view.stdin.write(ENTER);
    await eventually(() => {
      const f = frame();
      assert.equal(f[2], 'llama-1  ml/llama  node-llama-1  nvidia-h100-80gb  ok');
      assert.equal(f[3], 'run 30  wait 9  2210 tok/s  TTFT p50 900ms p99 2.40s  prefix hit 50%  preempt 4');
      assert.equal(f[5], '▁▃▅█  97%');
      assert.match(f[7]!, /^TTFT, last 10s: 8 requests {2,}Inter-token latency: -$/);
      assert.match(f[8]!, /^ ≤50ms █+ +3 {2,}not exported, or no second scrape yet$/);
      assert.match(f[9]!, /^≤100ms █+ +4$/);
      assert.match(f[10]!, /^≤500ms █+ +1$/);
      assert.match(f.join('\n'), /^Recent requests: model servers keep none; give --picker URL/m);
      assert.equal(f.at(-1), 'Esc back  q back  ? help');
    });
    view.stdin.write('\u001B');
    await eventually(() => {
      assert.deepEqual(rows().map((l) => l.split(' ')[0]), ['llama-0', 'llama-1', 'qwen-0']);
      assert.equal(frame()[1], FIRST_FRAME_TAIL[0]);
    });
    view.unmount();
  });

  it('keys that arrive in one chunk (sss typed quickly) each count', async () => {
    const { view, frame } = mount(SNAPSHOT);
    await eventually(() => assert.match(frame()[0]!, /sort: name$/));
    view.stdin.write('sss');
    await eventually(() => assert.match(frame()[0]!, /sort: tokens\/s ↓$/));
    view.unmount();
  });

  it('S steps the sort column back, r reverses the order either way (rows without the figure stay last)', async () => {
    const { view, frame, rows } = mount(SNAPSHOT);
    await eventually(() => assert.deepEqual(rows(), [LLAMA0, LLAMA1, QWEN0]));
    const steps: [string, RegExp, string[]][] = [
      ['S', /sort: TTFT p99 ↓$/, [LLAMA1, LLAMA0, QWEN0]],
      ['r', /sort: TTFT p99 ↑$/, [LLAMA0, LLAMA1, QWEN0]],
      ['s', /sort: name ↓$/, [QWEN0, LLAMA1, LLAMA0]],
      ['r', /sort: name$/, [LLAMA0, LLAMA1, QWEN0]],
    ];
    for (const [key, title, want] of steps) {
      view.stdin.write(key);
      await eventually(() => {
        assert.match(frame()[0]!, title);
        assert.deepEqual(rows(), want);
      });
    }
    view.unmount();
  });

  it('? shows the keys in place of the table; ? again brings the table back', async () => {
    const { view, frame, rows } = mount(SNAPSHOT);
    await eventually(() => assert.equal(rows().length, 3));
    view.stdin.write('?');
    await eventually(() => {
      assert.ok(frame().includes('Keys'), frame().join('\n'));
      assert.ok(frame().some((l) => /^s \/ S +sort by the next \/ previous column/.test(l)));
      assert.ok(frame().some((l) => /^r +reverse the sort order$/.test(l)));
      assert.ok(!frame().includes(HEADER));
    });
    view.stdin.write('?');
    await eventually(() => assert.deepEqual(rows(), [LLAMA0, LLAMA1, QWEN0]));
    view.unmount();
  });

  it('at 80 columns the table keeps REPLICA, KV CACHE, WAIT and STATUS and drops the rest to fit', async () => {
    const { view, frame } = mount(SNAPSHOT, 20, 80);
    await eventually(() => {
      const header = frame().find((l) => l.startsWith('REPLICA '));
      assert.equal(header, 'REPLICA  KV CACHE         RUN  WAIT  TOK/S  TTFT P99  STATUS');
      assert.ok(frame().some((l) => /^qwen-0 .* unreachable: no answer in 1\.5s$/.test(l)), frame().join('\n'));
      // A real 80-column terminal cuts the rest of a long reason; 'unreachable' itself starts within 80 columns.
      assert.ok(frame().filter((l) => l.startsWith('llama-')).every((l) => l.length <= 80));
      assert.ok(frame().find((l) => l.startsWith('qwen-0 '))!.indexOf('unreachable') + 'unreachable'.length <= 80);
    });
    view.unmount();
  });

  it('q quits: the app exits and the refresher stops', async () => {
    const { source, view, rows } = mount(SNAPSHOT);
    await eventually(() => assert.equal(rows().length, 3));
    view.stdin.write('q');
    await eventually(() => assert.ok(source.stopped));
  });
});
