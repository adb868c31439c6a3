import { Args, Flags } from '@oclif/core';
import { UsageError } from '../../src/usage.js';
import { autoscaleStatus, type Autoscaler } from '../autoscale.js';
import { KubeCommand } from '../base.js';
import { durationFlag } from '../durations.js';
import { jsonReport, plainReport } from '../top/format.js';
import { Refresher, type RefresherOptions } from '../top/refresher.js';
import { apiServerFetcher, directFetcher } from '../top/scrape.js';
import { sortRows } from '../top/state.js';
import { mergePickerRequests, pickerRequestsReader } from '../top/requests.js';
import { podDiscovery } from '../top/sources.js';
import { defaultSelector, endpointTargets, type Target } from '../top/targets.js';
import { formatData } from '../render.js';
import { allNamespacesFlag, outputFlag } from '../flags.js';

export default class Top extends KubeCommand {
  static override summary = 'Live view of every model replica: KV-cache use, queue, tokens/s, TTFT, prefix-cache hits.';

  static override description = `One row per replica (pod, node, accelerator, a KV-cache bar, running and waiting requests,
generated tokens/s, TTFT p50/p99 over the last interval, prefix-cache hit rate, preemptions since start), a
summary line per model, and for Deployments made with \`deploy --autoscale\` a line with current vs desired
replicas, the HPA's bounds and the demand it read. Rows over 80% KV are yellow, over 95% or unreachable red. Reads vLLM (new and old
names), SGLang, TGI and TensorRT-LLM metrics.

Replicas are the model-server pods \`kubectl inference deploy\` made (or those matching -l), scraped through the
API server's pod proxy (needs get on pods/proxy; works from a laptop), or pod IP:port with --direct (from inside
the cluster network); or --endpoint URLs, which need no cluster.

Keys: q quit, s / S sort column, r reverse, / filter (Enter keeps, Esc clears), ↑ ↓ (j k) select a replica,
Enter its detail (KV over time, TTFT and inter-token-latency histograms of the last minute, and with --picker
the last requests the picker routed to it), Esc back, ? help.

With --once, -o json|yaml, or when stdout is not a terminal, it prints one table and exits: it scrapes twice,
--interval apart, so that tokens/s, TTFT and prefix hits cover that interval. It exits 1 when replicas were found
but none of them answered.`;

  static override examples = [
    '<%= config.bin %> top',
    '<%= config.bin %> top llama-3-1-8b-instruct -n ml',
    '<%= config.bin %> top -A --interval 5s',
    '<%= config.bin %> top -l app=vllm --direct',
    '<%= config.bin %> top --endpoint http://10.0.0.5:8000 --endpoint http://10.0.0.6:8000',
    '<%= config.bin %> top --once -o json --interval 1s',
    '<%= config.bin %> top --endpoint http://127.0.0.1:8000 --picker http://127.0.0.1:9003',
    '<%= config.bin %> top --endpoint http://127.0.0.1:8000 | grep unreachable',
  ];

  static override args = {
    name: Args.string({ description: 'Show one deployment (see `kubectl inference list`).' }),
  };

  static override flags = {
    'all-namespaces': allNamespacesFlag('Replicas in every namespace.'),
    selector: Flags.string({ char: 'l', summary: 'Pod label selector instead of the pods `deploy` made (e.g. app=vllm).' }),
    endpoint: Flags.string({ multiple: true, summary: 'Scrape this server (http://host:port; repeatable) instead of pods; needs no cluster.' }),
    direct: Flags.boolean({ default: false, summary: 'Scrape pod IP:port directly instead of through the API server.' }),
    interval: Flags.string({ default: '2s', summary: 'Time between refreshes (and between the two scrapes of --once): 500ms, 2s, 1m.' }),
    timeout: Flags.string({ default: '1.5s', summary: 'Per-replica scrape timeout; a replica that does not answer shows as unreachable.' }),
    concurrency: Flags.integer({ default: 16, min: 1, max: 256, summary: 'Replicas scraped at once.' }),
    picker: Flags.string({ multiple: true, summary: "A kinfer-picker's health-port URL (http://host:9003; repeatable, one per pool): a replica's detail lists the last requests it routed there (proxy mode)." }),
    once: Flags.boolean({ default: false, summary: 'Print one table and exit (also when stdout is not a terminal).' }),
    output: outputFlag(['json', 'yaml'] as const, 'Print the figures as data and exit.'),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Top);
    const intervalMs = durationFlag('--interval', flags.interval, { minMs: 100, maxMs: 3_600_000 });
    const timeoutMs = durationFlag('--timeout', flags.timeout, { minMs: 10, maxMs: 60_000 });
    const endpoints = flags.endpoint ?? [];
    if (endpoints.length > 0 && (args.name || flags.selector || flags['all-namespaces'] || flags.direct)) {
      throw new UsageError('--endpoint scrapes the given URLs: it takes no NAME, -l, -A or --direct');
    }
    if (args.name && flags.selector) throw new UsageError('give a deployment NAME or -l, not both');
    const { where, ...source } = endpoints.length > 0 ? endpointSource(endpoints) : this.clusterSource(args.name, flags);
    const refresher = new Refresher({ ...source, recentRequests: recentRequestsOf(flags.picker ?? [], timeoutMs), concurrency: flags.concurrency, timeoutMs, intervalMs });
    const namespaces = flags['all-namespaces'];
    if (flags.once || flags.output || !process.stdout.isTTY || !process.stdin.isTTY) return this.printOnce(refresher, { where, intervalMs, namespaces, output: flags.output });

    const [{ render }, { createElement }, { TopView }] = await Promise.all([import('ink'), import('react'), import('../views/TopView.js')]);
    const app = render(createElement(TopView, { source: refresher, intervalSeconds: intervalMs / 1000, namespaces }), { exitOnCtrlC: true });
    await app.waitUntilExit();
  }

  /** The model-server pods `deploy` made (or -l's), scraped through the API server or --direct, and their HPAs. */
  private clusterSource(name: string | undefined, flags: { 'all-namespaces': boolean; selector?: string | undefined; direct: boolean } & Parameters<KubeCommand['cluster']>[0]): Source {
    const cluster = this.cluster(flags);
    const all = flags['all-namespaces'];
    const discover = podDiscovery({
      kubeConfig: cluster.kubeConfig, namespace: all ? undefined : cluster.namespace, labelSelector: flags.selector ?? defaultSelector(name), direct: flags.direct,
    });
    // kube-apiserver refuses to proxy to loopback or link-local pod IPs; local test clusters use --direct or --endpoint.
    const fetch = flags.direct ? directFetcher : apiServerFetcher(cluster.kubeConfig);
    // The HPAs `deploy --autoscale` made for the watched deployments (none for -l: its pods need not be ours).
    const autoscalers = flags.selector ? undefined
      : async () => (await cluster.managed('autoscaling/v2', 'HorizontalPodAutoscaler', all, name) as Autoscaler[]).map((h) => autoscaleStatus(h, cluster.namespace));
    return { discover, fetch, autoscalers, where: `${name ? `deployment ${name} in ` : ''}${all ? 'any namespace' : `namespace ${cluster.namespace}`}` };
  }

  /** --once, -o, or no terminal: two scrapes --interval apart, one table (or data), exit 1 when nothing answered. */
  private async printOnce(refresher: Refresher, o: { where: string; intervalMs: number; namespaces: boolean; output?: 'json' | 'yaml' | undefined }): Promise<void> {
    const first = await refresher.refresh();
    if (first.rows.length === 0) {
      if (first.problem) throw new Error(first.problem);
      this.note(`No model-server replicas found in ${o.where}.`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, o.intervalMs));
    const latest = await refresher.refresh();
    const snapshot = { ...latest, rows: sortRows(latest.rows, 'name') };
    this.log(o.output ? formatData(jsonReport(snapshot), o.output) : plainReport(snapshot, o.namespaces));
    // The table says why each replica is unreachable; a script must also learn from the exit code that nothing answered.
    if (snapshot.rows.every((r) => !r.reachable)) {
      this.note(`error: none of the ${snapshot.rows.length} replicas in ${o.where} answered (see the table for why)`);
      process.exitCode = 1;
    }
  }
}

/** Where the replicas come from and how they are read, and how the "none found" message names it. */
type Source = Pick<RefresherOptions, 'discover' | 'fetch' | 'autoscalers'> & { where: string };

/** --endpoint URLs: scraped directly, no cluster. */
function endpointSource(endpoints: readonly string[]): Source {
  let targets: Target[];
  try {
    targets = endpointTargets(endpoints);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  return { discover: async () => targets, fetch: directFetcher, autoscalers: undefined, where: 'the given endpoints' };
}

/** The recent requests of every --picker, merged (undefined without one: the detail says how to get them). */
function recentRequestsOf(urls: readonly string[], timeoutMs: number): RefresherOptions['recentRequests'] {
  const pickers = urls.map((url) => pickerRequestsReader(directFetcher, pickerUrl(url), timeoutMs));
  return pickers.length === 0 ? undefined : async () => mergePickerRequests(await Promise.all(pickers.map((read) => read())))!;
}

/** `--picker` must be an http(s) URL: the picker's health port, where /debug/requests is. */
function pickerUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--picker ${raw}: not a URL (want http://host:9003, the picker's --health-port)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--picker ${raw}: use an http:// or https:// URL`);
  return url.href;
}
