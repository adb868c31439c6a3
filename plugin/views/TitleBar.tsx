import { Text } from 'ink';
import { SORT_LABELS, type SortKey } from '../top/state.js';

export interface TitleBarProps {
  /** Seconds between refreshes. */
  readonly intervalSeconds: number;
  /** Time of the snapshot shown; undefined before the first refresh. */
  readonly atMs: number | undefined;
  readonly replicas: number;
  readonly sortKey: SortKey;
  /** The sort order turned round (`r`): name descending, figures ascending. */
  readonly reversed: boolean;
  /** The filter applied (empty: none). */
  readonly filter: string;
  /** A refresh-wide problem, e.g. listing pods failed. */
  readonly problem: string | undefined;
}

/** The first line: what is shown, how often, sorted and filtered how; a refresh-wide problem in red. */
export function TitleBar(props: TitleBarProps) {
  const time = props.atMs === undefined ? 'scraping…' : new Date(props.atMs).toTimeString().slice(0, 8);
  // name ascends and figures descend unless reversed; the arrow shows only what is not plain alphabetical.
  const descending = (props.sortKey !== 'name') !== props.reversed;
  const direction = descending ? ' ↓' : props.sortKey === 'name' ? '' : ' ↑';
  return (
    <Text wrap="truncate-end">
      <Text bold>kubectl inference top</Text>
      {`  ${props.replicas} ${props.replicas === 1 ? 'replica' : 'replicas'}  every ${props.intervalSeconds}s  ${time}  sort: ${SORT_LABELS[props.sortKey]}${direction}`}
      {props.filter ? `  filter: ${props.filter}` : ''}
      {props.problem ? <Text color="red">{`  ${props.problem}`}</Text> : ''}
    </Text>
  );
}
