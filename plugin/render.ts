import { stringify as stringifyYaml } from 'yaml';

/** YAML as kubectl prints it: an object that appears twice is written twice, never as an anchor and alias (&a1 / *a1). */
export function toYaml(data: unknown): string {
  return stringifyYaml(data, { aliasDuplicateObjects: false });
}

/** A kubectl-style table: upper-case headers, columns padded with three spaces. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('   ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

export type OutputFormat = 'json' | 'yaml';

/** Objects as kubectl prints them: one YAML document each, or a JSON List. */
export function formatObjects(objects: readonly object[], format: OutputFormat): string {
  if (format === 'json') return JSON.stringify(objects.length === 1 ? objects[0] : { apiVersion: 'v1', kind: 'List', items: objects }, null, 2);
  return objects.map((o) => toYaml(o)).join('---\n').trimEnd();
}

/** Plain data (a report, not Kubernetes objects) as JSON or YAML. */
export function formatData(data: unknown, format: OutputFormat): string {
  return format === 'json' ? JSON.stringify(data, null, 2) : toYaml(data).trimEnd();
}

/** kubectl's age: 45s, 12m, 3h, 5d. */
export function age(created: Date | string | undefined, now = Date.now()): string {
  if (created === undefined) return '<unknown>';
  const seconds = Math.max(0, Math.floor((now - new Date(created).getTime()) / 1000));
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 172800) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}

/** `deployment.apps/name`, `service/name`: kubectl's resource/name for messages. */
export function resourceName(o: { apiVersion?: string; kind?: string; metadata?: { name?: string } }): string {
  const group = o.apiVersion?.includes('/') ? `.${o.apiVersion.split('/')[0]}` : '';
  return `${(o.kind ?? '').toLowerCase()}${group}/${o.metadata?.name ?? ''}`;
}
