import { Box, Text, useApp, useInput, useStdout } from 'ink';
import { useEffect, useMemo, useRef, useState } from 'react';
import { replicaDetail } from '../top/detail.js';
import { layoutTable } from '../top/format.js';
import { INITIAL_VIEW, onScreen, reduceKey, type Key, type Screen, type ViewState } from '../top/keys.js';
import type { SnapshotSource } from '../top/refresher.js';
import { requestsView } from '../top/requests.js';
import { filterRows, sortRows, type TopSnapshot } from '../top/state.js';
import { AutoscaleLines } from './AutoscaleLines.js';
import { HelpPanel } from './HelpPanel.js';
import { KeyHints } from './KeyHints.js';
import { PoolSummaries } from './PoolSummaries.js';
import { ReplicaDetail } from './ReplicaDetail.js';
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
 * The live `top` view and the one place its state lives: the latest snapshot and the view state (sort, filter,
 * selection, scroll, the replica drilled into). Keys go through reduceKey (top/keys.ts, HelpPanel lists them).
 */
export function TopView({ source, intervalSeconds, namespaces, height, width }: TopViewProps) {
  const { exit } = useApp();
  const { stdout } = useStdout();
  const [snapshot, setSnapshot] = useState<TopSnapshot | undefined>(undefined);
  const [view, setView] = useState<ViewState>(INITIAL_VIEW);
  const [terminalRows, setTerminalRows] = useState(stdout.rows);
  const [terminalColumns, setTerminalColumns] = useState(stdout.columns);
  // The latest view state, read by the key handler before React re-renders: keys can arrive faster than renders
  // (key repeat, paste, `sss` or `/q` typed quickly arrive as one chunk), and every key applies to the one before.
  const latest = useRef<ViewState>(INITIAL_VIEW);

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
  const filter = view.draft ?? view.filter;
  const rows = useMemo(() => sortRows(filterRows(snapshot?.rows ?? [], filter), view.sortKey, view.reversed), [snapshot, filter, view.sortKey, view.reversed]);
  const columns = width ?? terminalColumns ?? 80;
  const lines = height ?? terminalRows ?? 24;
  const table = useMemo(() => layoutTable(rows, { ascii: false, namespaces, width: columns }), [rows, namespaces, columns]);
  const screen: Screen = { ids: rows.map((r) => r.id), visible: Math.max(1, lines - CHROME_LINES - pools.length - autoscale.length - 1) };
  const shown = onScreen(view, screen);
  // The rows as last drawn, for keys that arrive before the input handler is attached again after a render.
  const drawn = useRef<Screen>(screen);
  drawn.current = screen;

  useInput((input, key) => {
    // One chunk of typed characters is one key each; special keys come alone.
    const keys: Key[] = input && !key.ctrl && !key.meta && !key.return && !key.escape && !key.backspace && !key.delete
      ? [...input].map((ch) => ({ input: ch }))
      : [{ ...key, input }];
    let state = latest.current;
    for (const k of keys) {
      const next = reduceKey(state, k, drawn.current);
      state = next.state;
      if (next.effect === 'quit') exit();
    }
    latest.current = state;
    setView(state);
  });

  const detailOpen = shown.detail !== undefined && !shown.help;
  const detailId = shown.detail;
  const detail = useMemo(() => replicaDetail(detailId === undefined ? undefined : snapshot?.details?.get(detailId)), [snapshot, detailId]);
  return (
    <Box flexDirection="column">
      <TitleBar intervalSeconds={intervalSeconds} atMs={snapshot?.atMs} replicas={snapshot?.rows.length ?? 0} sortKey={shown.sortKey} reversed={shown.reversed} filter={filter} problem={snapshot?.problem} />
      {detailOpen ? undefined : <PoolSummaries pools={pools} />}
      {detailOpen ? undefined : <AutoscaleLines autoscale={autoscale} />}
      <Text> </Text>
      {shown.help
        ? <HelpPanel />
        : detailId !== undefined
          ? <ReplicaDetail
              id={detailId}
              row={snapshot?.rows.find((r) => r.id === detailId)}
              detail={detail}
              requests={requestsView(snapshot?.requests, snapshot?.addresses?.get(detailId))}
              intervalSeconds={intervalSeconds}
              width={columns}
              height={lines - CHROME_LINES}
              atMs={snapshot?.atMs ?? Date.now()}
            />
          : <ReplicaTable table={table} offset={shown.offset} visible={screen.visible} selected={shown.selected} />}
      <KeyHints draft={shown.draft} detail={detailId !== undefined} offset={shown.offset} visible={screen.visible} total={rows.length} />
    </Box>
  );
}
