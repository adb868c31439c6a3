import { Box, Text } from 'ink';
import { poolLine } from '../top/format.js';
import type { PoolSummary } from '../top/state.js';

export interface PoolSummariesProps {
  /** One line per model/pool, in the order given. */
  readonly pools: readonly PoolSummary[];
}

/** A summary line per pool: replicas, KV mean and max, queue, throughput, TTFT, prefix hits. */
export function PoolSummaries({ pools }: PoolSummariesProps) {
  return (
    <Box flexDirection="column">
      {pools.map((p) => (
        <Text key={p.pool} wrap="truncate-end" color={p.unreachable > 0 ? 'red' : undefined}>{poolLine(p)}</Text>
      ))}
    </Box>
  );
}
