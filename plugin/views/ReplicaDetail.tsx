import { Box, Text } from 'ink';
import { histogramLines, sparkline, type ReplicaDetail as Detail } from '../top/detail.js';
import { count, duration, percent, rate } from '../top/format.js';
import { requestLines, type RecentRequestsView } from '../top/requests.js';
import { severity, type ReplicaRow } from '../top/state.js';
import { SEVERITY_COLOR } from './ReplicaTable.js';

export interface ReplicaDetailProps {
  /** The replica's row at the latest refresh; undefined when it is no longer listed. */
  readonly row: ReplicaRow | undefined;
  /** The id the detail was opened for (said when the replica is gone). */
  readonly id: string;
  readonly detail: Detail;
  /** The picker's recent requests to this replica, or why there are none. */
  readonly requests: RecentRequestsView;
  readonly intervalSeconds: number;
  /** Terminal columns and rows the detail may use. */
  readonly width: number;
  readonly height: number;
  readonly atMs: number;
}

// Lines of the detail besides the histogram rows and the request rows: name, figures, KV title, sparkline, blank,
// histogram titles, blank, requests title, requests header (the title bar and key hints are TopView's).
const FIXED_LINES = 9;
const HISTOGRAM_ROWS = 8;

/** One replica: its figures, KV use over time, TTFT and inter-token-latency histograms of the window, recent requests. */
export function ReplicaDetail({ row, id, detail, requests, intervalSeconds, width, height, atMs }: ReplicaDetailProps) {
  if (!row) return <Text color="red" wrap="truncate-end">{`${id} is no longer listed (Esc: back)`}</Text>;
  const half = Math.max(20, Math.floor((width - 2) / 2));
  const histogramRows = Math.max(2, Math.min(HISTOGRAM_ROWS, height - FIXED_LINES - 6));
  const ttft = histogramLines(detail.ttft, { rows: histogramRows, width: half });
  const itl = histogramLines(detail.itl, { rows: histogramRows, width: half });
  const rows = Math.max(ttft.length, itl.length, 1);
  const window = detail.windowSeconds > 0 ? `last ${Math.round(detail.windowSeconds)}s` : 'after the next refresh';
  const ttftTitle = `TTFT, ${window}: ${detail.ttft ? `${detail.ttft.count} requests` : '-'}`;
  const itlTitle = `Inter-token latency: ${detail.itl ? `${detail.itl.count} gaps` : '-'}`;
  const sideBySide = Array.from({ length: rows }, (_, i) => `${(ttft[i] ?? (i === 0 && ttft.length === 0 ? none(detail.ttft) : '')).padEnd(half)}  ${itl[i] ?? (i === 0 && itl.length === 0 ? none(detail.itl) : '')}`);
  const sparkWidth = Math.max(10, width - 6);
  // Full width: the marks shown span sparkWidth refreshes; until then, everything since top started.
  const span = detail.kv.length > sparkWidth ? `last ${duration(sparkWidth * intervalSeconds * 1000)}` : 'since top started';
  const requestRows = Math.max(1, height - FIXED_LINES - rows - 3);
  const status = row.reachable ? 'ok' : `unreachable: ${row.reason ?? ''}`;
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate-end">{[row.name, row.pool, row.node || undefined, row.accelerator || undefined, status].filter(Boolean).join('  ')}</Text>
      <Text wrap="truncate-end">
        {`run ${count(row.running)}  wait ${count(row.waiting)}  ${rate(row.generationTokensPerSecond)} tok/s  `}
        {`TTFT p50 ${duration(row.ttftP50Ms)} p99 ${duration(row.ttftP99Ms)}  prefix hit ${percent(row.prefixCacheHitRate)}  preempt ${count(row.preemptionsTotal)}`}
      </Text>
      <Text dimColor wrap="truncate-end">{`KV cache, ${span} (one mark every ${intervalSeconds}s; ▁ empty, █ full)`}</Text>
      <Text wrap="truncate-end" color={SEVERITY_COLOR[severity(row)]}>{`${sparkline(detail.kv, sparkWidth)} ${percent(row.kvCacheUsage).padStart(4)}`}</Text>
      <Text> </Text>
      <Text bold wrap="truncate-end">{`${ttftTitle.padEnd(half)}  ${itlTitle}`}</Text>
      {sideBySide.map((line, i) => <Text key={i} color="cyan" wrap="truncate-end">{line}</Text>)}
      <Text> </Text>
      <Text bold wrap="truncate-end">{requests.title}</Text>
      {requestLines(requests, atMs, requestRows).map((line, i) => <Text key={i} wrap="truncate-end" dimColor={i === 0} color={line.failed ? 'red' : undefined}>{line.text}</Text>)}
    </Box>
  );
}

function none(h: Detail['ttft']): string {
  return h ? 'no observations in the window' : 'not exported, or no second scrape yet';
}
