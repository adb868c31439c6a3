import { Box, Text, useApp, useInput, useStdout } from 'ink';
import { useEffect, useMemo, useRef, useState } from 'react';
import { layoutTable } from '../top/format.js';
import type { SnapshotSource } from '../top/refresher.js';
import { filterRows, nextSortKey, sortRows, type SortKey, type TopSnapshot } from '../top/state.js';
import { KeyHints } from './KeyHints.js';
import { PoolSummaries } from './PoolSummaries.js';
import { ReplicaTable } from './ReplicaTable.js';
import { TitleBar } from './TitleBar.js';

export interface TopViewProps {
  /** Where snapshots come from; started on mount, stopped on unmount. */
  readonly source: SnapshotSource;
  readonly intervalSeconds: number;
  /** Show the namespace column (-A). */
  readonly namespaces: boolean;
  /** Terminal rows; default: the terminal's (tests pass a number). */
  readonly height?: number;
}

// Lines around the table: title, blank, table header, key hints (the pool lines are counted as they come).
const CHROME_LINES = 4;

/**
 * The live `top` view and the one place its state lives: the latest snapshot, sort column, filter and scroll.
 * Keys: q quit, s next sort column, / filter (Enter keeps, Esc clears), ↑ ↓ PgUp PgDn Home End scroll.
 */
export function TopView({ source, intervalSeconds, namespaces, height }: TopViewProps) {
  const { exit } = useApp();
  const { stdout } = useStdout();
  const [snapshot, setSnapshot] = useState<TopSnapshot | undefined>(undefined);
  const [sortKey, setSortKey] = useState<SortKey>('name');
  const [filter, setFilter] = useState('');
  const [draft, setDraft] = useState<string | undefined>(undefined);
  const [offset, setOffset] = useState(0);
  const [terminalRows, setTerminalRows] = useState(stdout.rows);
  // The filter being typed (undefined: keys are commands), read by the key handler before React re-renders ("/q" typed fast).
  const typing = useRef<string | undefined>(undefined);

  useEffect(() => source.start(setSnapshot), [source]);
  useEffect(() => {
    const resized = (): void => setTerminalRows(stdout.rows);
    stdout.on('resize', resized);
    return () => void stdout.off('resize', resized);
  }, [stdout]);

  const pools = snapshot?.pools ?? [];
  const rows = useMemo(() => sortRows(filterRows(snapshot?.rows ?? [], draft ?? filter), sortKey), [snapshot, draft, filter, sortKey]);
  const table = useMemo(() => layoutTable(rows, { ascii: false, namespaces }), [rows, namespaces]);
  const visible = Math.max(1, (height ?? terminalRows ?? 24) - CHROME_LINES - pools.length - 1);
  const maxOffset = Math.max(0, rows.length - visible);
  const shownOffset = Math.min(offset, maxOffset);

  // Keys can arrive faster than renders (key repeat, paste): every update is a function of the latest state.
  useInput((input, key) => {
    if (typing.current !== undefined) {
      if (key.return || key.escape) {
        setFilter(key.return ? typing.current : '');
        typing.current = undefined;
      } else if (key.backspace || key.delete) {
        typing.current = typing.current.slice(0, -1);
      } else if (input && !key.ctrl && !key.meta) {
        typing.current += input;
      }
      setDraft(typing.current);
      setOffset(0);
      return;
    }
    const scroll = (by: number): void => setOffset((o) => Math.max(0, Math.min(maxOffset, Math.min(o, maxOffset) + by)));
    if (input === 'q') exit();
    else if (input === 's') setSortKey(nextSortKey);
    else if (input === '/') {
      typing.current = filter;
      setDraft(filter);
    }
    else if (key.downArrow) scroll(1);
    else if (key.upArrow) scroll(-1);
    else if (key.pageDown) scroll(visible);
    else if (key.pageUp) scroll(-visible);
    else if (key.home) setOffset(0);
    else if (key.end) setOffset(maxOffset);
  });

  return (
    <Box flexDirection="column">
      <TitleBar intervalSeconds={intervalSeconds} atMs={snapshot?.atMs} replicas={snapshot?.rows.length ?? 0} sortKey={sortKey} filter={draft ?? filter} problem={snapshot?.problem} />
      <PoolSummaries pools={pools} />
      <Text> </Text>
      <ReplicaTable table={table} offset={shownOffset} visible={visible} />
      <KeyHints draft={draft} offset={shownOffset} visible={visible} total={rows.length} />
    </Box>
  );
}
