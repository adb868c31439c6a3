import { Box, Text } from 'ink';
import { autoscaleLine, type AutoscaleStatus } from '../autoscale.js';

export interface AutoscaleLinesProps {
  /** One line per autoscaled Deployment, in the order given; nothing when empty. */
  readonly autoscale: readonly AutoscaleStatus[];
}

/** Current vs desired replicas per HPA and why (the demand it read); yellow while the two differ. */
export function AutoscaleLines({ autoscale }: AutoscaleLinesProps) {
  return (
    <Box flexDirection="column">
      {autoscale.map((s) => (
        <Text key={`${s.namespace}/${s.workload}`} wrap="truncate-end" color={s.currentReplicas !== s.desiredReplicas ? 'yellow' : undefined}>{autoscaleLine(s)}</Text>
      ))}
    </Box>
  );
}
