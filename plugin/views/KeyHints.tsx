import { Text } from 'ink';

export interface KeyHintsProps {
  /** The filter being typed; undefined when not editing. */
  readonly draft: string | undefined;
  /** A replica's detail is open. */
  readonly detail: boolean;
  /** First row shown (0-based), rows shown, rows after filtering. */
  readonly offset: number;
  readonly visible: number;
  readonly total: number;
}

/** The last line: the keys and the scroll position, the keys of a detail, or the filter prompt while typing one. */
export function KeyHints({ draft, detail, offset, visible, total }: KeyHintsProps) {
  if (draft !== undefined) return <Text wrap="truncate-end">{`/${draft}_  (Enter: keep  Esc: clear)`}</Text>;
  if (detail) return <Text dimColor wrap="truncate-end">Esc back  q back  ? help</Text>;
  const last = Math.min(total, offset + visible);
  const position = total === 0 ? 'no rows' : `rows ${offset + 1}-${last} of ${total}`;
  return <Text dimColor wrap="truncate-end">{`q quit  s/S sort  r reverse  / filter  Enter detail  ? help  ${position}`}</Text>;
}
