import { COMMANDS } from './index.js';

/** Edit distance (insertions, deletions, substitutions, adjacent swaps): how far a typo is from a command. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The message for an unknown command, as kubectl words it, with the closest commands when there are any
 * (within 2 edits, like cobra's default SuggestionsMinimumDistance). `id` is oclif's (`reccomend:x`).
 */
export function unknownCommandMessage(id: string): string {
  const typed = id.split(':');
  const words = typed[0] ?? id;
  const names = [...new Set(Object.keys(COMMANDS).map((c) => c.split(':')[0]!))];
  const close = names.map((n) => [n, editDistance(words, n)] as const).filter(([, d]) => d <= 2).sort((x, y) => x[1] - y[1]).map(([n]) => n);
  const suggestion = close.length > 0 ? `\n\nDid you mean this?\n${close.map((c) => `\t${c}`).join('\n')}` : '';
  return `error: unknown command "${words}" for "kubectl inference"${suggestion}\nRun 'kubectl inference --help' for usage.`;
}
