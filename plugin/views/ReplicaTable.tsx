import { Box, Text } from 'ink';
import type { TableLayout } from '../top/format.js';
import type { Severity } from '../top/state.js';

/** Row colors: over 80 % KV yellow, over 95 % or unreachable red (state.ts holds the thresholds). */
export const SEVERITY_COLOR: Record<Severity, string | undefined> = { ok: undefined, warning: 'yellow', critical: 'red' };

export interface ReplicaTableProps {
  /** Header and every row's text, laid out over all rows so columns keep their place while scrolling. */
  readonly table: TableLayout;
  /** Index of the first row shown. */
  readonly offset: number;
  /** Rows shown at most. */
  readonly visible: number;
  /** Index of the selected row (drawn inverse; Enter opens its detail). */
  readonly selected?: number;
}

/** The header and the rows in [offset, offset + visible), each colored by its severity, the selected one inverse. */
export function ReplicaTable({ table, offset, visible, selected }: ReplicaTableProps) {
  const shown = table.lines.slice(offset, offset + visible);
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate-end">{table.header}</Text>
      {shown.map((line, i) => (
        <Text key={line.id} wrap="truncate-end" color={SEVERITY_COLOR[line.severity]} inverse={offset + i === selected}>{line.text}</Text>
      ))}
    </Box>
  );
}
