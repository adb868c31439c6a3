import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { duration, jsonReport, kvBar, layoutTable, plainReport, poolLine, rate } from '../../../plugin/top/format.js';
import type { TopSnapshot } from '../../../plugin/top/state.js';
import { row } from './builders.js';

describe('cells', () => {
  const bars: [number | undefined, boolean, string][] = [
    [0, false, '░░░░░░░░░░'], [0.42, false, '████░░░░░░'], [0.96, false, '██████████'], [1.3, true, '##########'],
    [0.05, true, '#.........'], [undefined, true, '          '],
  ];
  for (const [usage, ascii, want] of bars) it(`kvBar(${usage}, ascii=${ascii})`, () => assert.equal(kvBar(usage, ascii), want));

  it('rates: whole numbers from 100, one decimal below', () => {
    assert.deepEqual([rate(1234.4), rate(99.94), rate(0), rate(undefined)], ['1234', '99.9', '0.0', '-']);
  });
  it('latencies: ms below a second, then seconds', () => {
    assert.deepEqual([duration(85.4), duration(999.4), duration(1520), duration(undefined)], ['85ms', '999ms', '1.52s', '-']);
  });
});

const snapshot: TopSnapshot = {
  atMs: Date.UTC(2025, 0, 2, 3, 4, 5),
  rows: [
    row('llama-0', { kvCacheUsage: 0.42, running: 12, waiting: 0, generationTokensPerSecond: 1520.2, ttftP50Ms: 85, ttftP99Ms: 410, prefixCacheHitRate: 0.73, preemptionsTotal: 0 }),
    row('llama-1', { reachable: false, reason: 'connection refused' }),
  ],
  pools: [{ pool: 'ml/llama', replicas: 2, unreachable: 1, kvCacheMean: 0.42, kvCacheMax: 0.42, running: 12, waiting: 0, generationTokensPerSecond: 1520.2, ttftP50Ms: 85, ttftP99Ms: 410, prefixCacheHitRate: 0.73 }],
};

describe('the table', () => {
  it('lays out rows under upper-case headers, figures right-aligned', () => {
    const t = layoutTable(snapshot.rows, { ascii: false, namespaces: false });
    assert.equal(t.header, 'REPLICA  NODE          ACCELERATOR       KV CACHE         RUN  WAIT  TOK/S  TTFT P50  TTFT P99  PREFIX HIT  PREEMPT  STATUS');
    assert.deepEqual(t.lines.map((l) => [l.text, l.severity]), [
      ['llama-0  node-llama-0  nvidia-h100-80gb  ████░░░░░░  42%   12     0   1520      85ms     410ms         73%        0  ok', 'ok'],
      ['llama-1  node-llama-1  nvidia-h100-80gb                -    -     -      -         -         -           -        -  unreachable: connection refused', 'critical'],
    ]);
  });

  it('adds a namespace column for -A', () => {
    assert.match(layoutTable(snapshot.rows, { ascii: true, namespaces: true }).header, /^NAMESPACE {2}REPLICA /);
  });

  it('pool line', () => {
    assert.equal(poolLine(snapshot.pools[0]!), 'ml/llama  2 replicas (1 unreachable)  KV 42% mean, 42% max  run 12  wait 0  1520 tok/s  TTFT p50 85ms p99 410ms  prefix hit 73%');
  });

  it('plain report (--once, piped): pools, a blank line, the table in ASCII', () => {
    assert.equal(plainReport(snapshot, false), [
      'ml/llama  2 replicas (1 unreachable)  KV 42% mean, 42% max  run 12  wait 0  1520 tok/s  TTFT p50 85ms p99 410ms  prefix hit 73%',
      '',
      'REPLICA  NODE          ACCELERATOR       KV CACHE         RUN  WAIT  TOK/S  TTFT P50  TTFT P99  PREFIX HIT  PREEMPT  STATUS',
      'llama-0  node-llama-0  nvidia-h100-80gb  ####......  42%   12     0   1520      85ms     410ms         73%        0  ok',
      'llama-1  node-llama-1  nvidia-h100-80gb                -    -     -      -         -         -           -        -  unreachable: connection refused',
    ].join('\n'));
  });

  it('JSON report: the same figures, unrounded', () => {
    assert.deepEqual(JSON.parse(JSON.stringify(jsonReport(snapshot))), {
      time: '2025-01-02T03:04:05.000Z', pools: snapshot.pools, replicas: snapshot.rows,
    });
  });

  const autoscaled: TopSnapshot = {
    ...snapshot,
    autoscale: [{ namespace: 'ml', deployment: 'llama', workload: 'llama', currentReplicas: 2, desiredReplicas: 3, minReplicas: 1, maxReplicas: 4, metric: 'kinfer-replica-demand', demandPerReplica: '1205m' }],
  };

  it('plain report with HPAs: a line per autoscaled Deployment under the pool lines', () => {
    assert.deepEqual(plainReport(autoscaled, false).split('\n').slice(0, 3), [
      'ml/llama  2 replicas (1 unreachable)  KV 42% mean, 42% max  run 12  wait 0  1520 tok/s  TTFT p50 85ms p99 410ms  prefix hit 73%',
      "ml/llama: 2/3 replicas (HPA wants 3, 1..4; demand 2.41 replicas' worth: kinfer-replica-demand)",
      '',
    ]);
  });

  it('JSON report with HPAs: autoscale as data, demand in replicas\' worth', () => {
    const report = JSON.parse(JSON.stringify(jsonReport(autoscaled))) as { autoscale: { demand: number }[] };
    assert.deepEqual(Object.keys(report), ['time', 'pools', 'autoscale', 'replicas']);
    assert.deepEqual({ ...report.autoscale[0], demand: Math.round(report.autoscale[0]!.demand * 100) / 100 }, { ...autoscaled.autoscale![0], demand: 2.41 });
  });
});
