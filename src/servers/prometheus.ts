/**
 * A tolerant reader of the Prometheus text exposition format (version 0.0.4): the pages model servers serve
 * on /metrics. Lines it cannot read are skipped and counted, never thrown: a bad or partial page still
 * yields every sample it holds.
 */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface ParsedPage {
  readonly samples: readonly Sample[];
  /** Lines that were neither comments nor readable samples. */
  readonly skipped: number;
}

// name{labels} value [timestamp]; metric names may hold colons (vllm:num_requests_running).
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+-?\d+)?\s*$/;
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?/y;

const NAME_END = /[{\s]/;

/**
 * `keep`, when given, is asked each sample's metric name before the line is read further: a reader that needs
 * a few series skips the rest (a vLLM page is mostly histogram buckets) without paying for their labels.
 * Lines it declines are neither samples nor skipped.
 */
export function parsePrometheusText(text: string, keep?: (name: string) => boolean): ParsedPage {
  const samples: Sample[] = [];
  let skipped = 0;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (keep) {
      const end = line.search(NAME_END);
      if (!keep(end < 0 ? line : line.slice(0, end))) continue;
    }
    const match = SAMPLE.exec(line);
    if (!match) {
      skipped += 1;
      continue;
    }
    const labels = match[3] === undefined ? {} : parseLabels(match[3]);
    const value = parseValue(match[4]!);
    if (labels === undefined || value === undefined) {
      skipped += 1;
      continue;
    }
    samples.push({ name: match[1]!, labels, value });
  }
  return { samples, skipped };
}

function parseLabels(text: string): Record<string, string> | undefined {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < text.length) {
    const start = LABEL.lastIndex;
    const match = LABEL.exec(text);
    if (!match) return text.slice(start).trim() === '' ? labels : undefined;
    labels[match[1]!] = match[2]!.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }
  return labels;
}

function parseValue(text: string): number | undefined {
  switch (text) {
    case '+Inf': case 'Inf': return Infinity;
    case '-Inf': return -Infinity;
    case 'NaN': return NaN;
    default: {
      const value = Number(text);
      return Number.isNaN(value) ? undefined : value;
    }
  }
}
