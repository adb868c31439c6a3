import { Box, Text, useApp, useInput, useStdout } from 'ink';
import { useEffect, useMemo, useRef, useState } from 'react';
import { layoutTable } from '../top/format.js';
import type { SnapshotSource } from '../top/refresher.js';
import { filterRows, nextSortKey, sortRows, type SortKey, type TopSnapshot } from '../top/state.js';
import { AutoscaleLines } from './AutoscaleLines.js';
import { HelpPanel } from './HelpPanel.js';
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
  /** Terminal columns; default: the terminal's. Narrow terminals drop the least important columns. */
  readonly width?: number;
}

// Lines around the table: title, blank, table header, key hints (the pool and autoscaler lines are counted as they come).
const CHROME_LINES = 4;

/**
 * The live `top` view and the one place its state lives: the latest snapshot, sort column, filter and scroll.
 * Keys (HelpPanel lists them): q quit, s / S next / previous sort column, r reverse the order, / filter (Enter keeps,
 * Esc clears), ? help, ↑ ↓ PgUp PgDn Home End scroll.
 */
export function TopView({ source, intervalSeconds, namespaces, height, width }: TopViewProps) {
  const { exit } = useApp();
  const { stdout } = useStdout();
  const [snapshot, setSnapshot] = useState<TopSnapshot | undefined>(undefined);
  const [sortKey, setSortKey] = useState<SortKey>('name');
  const [reversed, setReversed] = useState(false);
  const [help, setHelp] = useState(false);
  const [filter, setFilter] = useState('');
  const [draft, setDraft] = useState<string | undefined>(undefined);
  const [offset, setOffset] = useState(0);
  const [terminalRows, setTerminalRows] = useState(stdout.rows);
  const [terminalColumns, setTerminalColumns] = useState(stdout.columns);
  // The filter being typed (undefined: keys are commands), read by the key handler before React re-renders ("/q" typed fast).
  const typing = useRef<string | undefined>(undefined);

  useEffect(() => source.start(setSnapshot), [source]);
  useEffect(() => {
    const resized = (): void => {
      setTerminalRows(stdout.rows);
      setTerminalColumns(stdout.columns);
    };
    stdout.on('resize', resized);
    return () => void stdout.off('resize', resized);
  }, [stdout]);

  const pools = snapshot?.pools ?? [];
  const autoscale = snapshot?.autoscale ?? [];
  const rows = useMemo(() => sortRows(filterRows(snapshot?.rows ?? [], draft ?? filter), sortKey, reversed), [snapshot, draft, filter, sortKey, reversed]);
  const columns = width ?? terminalColumns;
  const table = useMemo(() => layoutTable(rows, { ascii: false, namespaces, width: columns }), [rows, namespaces, columns]);
  const visible = Math.max(1, (height ?? terminalRows ?? 24) - CHROME_LINES - pools.length - autoscale.length - 1);
  const maxOffset = Math.max(0, rows.length - visible);
  const shownOffset = Math.min(offset, maxOffset);

  // Keys can arrive faster than renders (key repeat, paste, `sss` typed quickly arrive as one chunk): every
  // character of a chunk is a key, and every update is a function of the latest state.
  const command = (ch: string): void => {
    if (typing.current !== undefined) {
      typing.current += ch;
      setDraft(typing.current);
      setOffset(0);
      return;
    }
    if (ch === 'q') exit();
    else if (ch === '?') setHelp((h) => !h);
    else if (ch === 's') setSortKey((k) => nextSortKey(k, 1));
    else if (ch === 'S') setSortKey((k) => nextSortKey(k, -1));
    else if (ch === 'r') setReversed((r) => !r);
    else if (ch === '/') {
      typing.current = filter;
      setDraft(filter);
      setHelp(false);
    }
  };
  useInput((input, key) => {
    if (typing.current !== undefined && (key.return || key.escape || key.backspace || key.delete)) {
      if (key.return || key.escape) {
        setFilter(key.return ? typing.current : '');
        typing.current = undefined;
      } else {
        typing.current = typing.current.slice(0, -1);
      }
      setDraft(typing.current);
      setOffset(0);
      return;
    }
    if (key.escape) {
      setHelp(false);
      return;
    }
    const scroll = (by: number): void => setOffset((o) => Math.max(0, Math.min(maxOffset, Math.min(o, maxOffset) + by)));
    if (key.downArrow) scroll(1);
    else if (key.upArrow) scroll(-1);
    else if (key.pageDown) scroll(visible);
    else if (key.pageUp) scroll(-visible);
    else if (key.home) setOffset(0);
    else if (key.end) setOffset(maxOffset);
    else if (input && !key.ctrl && !key.meta) for (const ch of input) command(ch);
  });

  return (
    <Box flexDirection="column">
      <TitleBar intervalSeconds={intervalSeconds} atMs={snapshot?.atMs} replicas={snapshot?.rows.length ?? 0} sortKey={sortKey} reversed={reversed} filter={draft ?? filter} problem={snapshot?.problem} />
      <PoolSummaries pools={pools} />
      <AutoscaleLines autoscale={autoscale} />
      <Text> </Text>
      {help ? <HelpPanel /> : <ReplicaTable table={table} offset={shownOffset} visible={visible} />}
      <KeyHints draft={draft} offset={shownOffset} visible={visible} total={rows.length} />
    </Box>
  );
}
