import { Box, Text } from 'ink';

/** Every key of the live view, in the order a newcomer needs them. */
export const HELP_KEYS: readonly (readonly [string, string])[] = [
  ['q', 'quit (in a detail or this help: back)'],
  ['s / S', 'sort by the next / previous column (name, KV %, waiting, tokens/s, TTFT p99)'],
  ['r', 'reverse the sort order'],
  ['/', 'filter by pod, node, accelerator, pool, namespace or status (Enter keeps, Esc clears)'],
  ['↑ ↓ j k', 'select a replica; PgUp PgDn page, Home End (g G) first / last'],
  ['Enter', "the selected replica's detail: KV over time, TTFT and inter-token histograms, recent requests"],
  ['Esc q ←', 'back from a detail to the table'],
  ['?', 'this help (?, Esc or q closes it)'],
];

/** The `?` panel shown in place of the table: rows yellow over 80 % KV, red over 95 % or unreachable. */
export function HelpPanel() {
  return (
    <Box flexDirection="column">
      <Text bold>Keys</Text>
      {HELP_KEYS.map(([key, what]) => (
        <Text key={key} wrap="truncate-end">
          <Text color="cyan">{key.padEnd(14)}</Text>
          {what}
        </Text>
      ))}
      <Text wrap="truncate-end">
        Rows: <Text color="yellow">yellow</Text> KV cache over 80 %, <Text color="red">red</Text> over 95 % or unreachable.
      </Text>
    </Box>
  );
}
