import { Flags } from '@oclif/core';
import type { KubernetesObject } from '@kubernetes/client-node';
import { LABELS } from '../../src/manifests/labels.js';
import { INFERENCE_POOL, LEADER_WORKER_SET } from '../../src/manifests/objects.js';
import { ANNOTATIONS } from '../../src/placement/request.js';
import { autoscaleCell, autoscaleStatus, type Autoscaler } from '../autoscale.js';
import { KubeCommand } from '../base.js';
import { age, formatData, table } from '../render.js';
import { allNamespacesFlag, outputFlag } from '../flags.js';

/** One deployed model as `list` shows it. */
export interface ModelRow {
  name: string;
  namespace: string;
  model: string;
  server: string;
  /** e.g. ["nvidia-l4 x2", "tpu-v6e-slice x8"]. */
  accelerators: string[];
  ready: number;
  desired: number;
  pool: string | null;
  /** Per autoscaled Deployment: the HPA's desired replicas, its bounds, and the demand per replica it read. */
  autoscale: string[];
  created: string | undefined;
  /** The Deployments / LeaderWorkerSets serving it, kind/name. */
  workloads: string[];
}

type Workload = KubernetesObject & {
  spec?: { replicas?: number; template?: PodTemplate; leaderWorkerTemplate?: { leaderTemplate?: PodTemplate; size?: number } };
  status?: { readyReplicas?: number };
};
interface PodTemplate {
  metadata?: { annotations?: Record<string, string> };
  spec?: { containers?: { resources?: { limits?: Record<string, string> } }[] };
}

export default class List extends KubeCommand {
  static override summary = 'List deployed models: model, server, accelerator × devices, replicas ready, pool, age.';

  static override examples = [
    '<%= config.bin %> list',
    '<%= config.bin %> list -A',
    '<%= config.bin %> list -n ml -o json',
    '<%= config.bin %> list -o wide -l kinfer.dev/server=vllm',
  ];

  static override flags = {
    'all-namespaces': allNamespacesFlag('List across all namespaces.'),
    output: outputFlag(['json', 'yaml', 'wide', 'name'] as const, 'Output format: json|yaml (the rows as data), wide (every workload and its labels), name (NAMESPACE/NAME per line with -A, NAME otherwise).'),
    selector: Flags.string({ char: 'l', summary: 'Only the workloads matching this label selector (e.g. kinfer.dev/server=vllm), as kubectl -l.' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(List);
    const cluster = this.cluster(flags);
    const all = flags['all-namespaces'];
    const selector = flags.selector;
    const [deployments, sets, pools, hpas] = await Promise.all([
      cluster.managed('apps/v1', 'Deployment', all, undefined, selector),
      cluster.managed(`${LEADER_WORKER_SET.group}/${LEADER_WORKER_SET.version}`, LEADER_WORKER_SET.kind, all, undefined, selector),
      cluster.managed(`${INFERENCE_POOL.group}/${INFERENCE_POOL.version}`, INFERENCE_POOL.kind, all),
      cluster.managed('autoscaling/v2', 'HorizontalPodAutoscaler', all),
    ]);
    const rows = modelRows([...deployments, ...sets] as Workload[], pools, hpas as Autoscaler[], cluster.namespace);
    if (flags.output === 'json' || flags.output === 'yaml') return this.log(formatData({ items: rows }, flags.output));
    if (flags.output === 'name') {
      if (rows.length > 0) this.log(rows.map((r) => (all ? `${r.namespace}/${r.name}` : r.name)).join('\n'));
      return;
    }
    if (rows.length === 0) {
      this.note(`No models deployed by kubectl inference in ${all ? 'any namespace' : `namespace ${cluster.namespace}`}.`);
      return;
    }
    this.log(listTable(rows, all, flags.output === 'wide'));
  }
}

/** One row per kinfer deployment (its workloads summed), with its pool and autoscalers; sorted by namespace and name. */
function modelRows(workloads: readonly Workload[], pools: readonly KubernetesObject[], hpas: readonly Autoscaler[], defaultNamespace: string): ModelRow[] {
  const rows = new Map<string, ModelRow>();
  for (const w of workloads) {
    const labels = w.metadata?.labels ?? {};
    // The pool's endpoint picker shares the deployment label; it serves no model.
    if (labels[LABELS.component] === 'endpoint-picker') continue;
    const name = labels[LABELS.deployment] ?? w.metadata?.name ?? '';
    const namespace = w.metadata?.namespace ?? defaultNamespace;
    const key = `${namespace}/${name}`;
    const template = w.spec?.template ?? w.spec?.leaderWorkerTemplate?.leaderTemplate;
    const limits = template?.spec?.containers?.[0]?.resources?.limits ?? {};
    const devices = Object.entries(limits).find(([k]) => k !== 'memory' && k !== 'cpu');
    const hosts = w.spec?.leaderWorkerTemplate?.size ?? 1;
    const row = rows.get(key) ?? {
      name, namespace,
      model: w.metadata?.annotations?.[ANNOTATIONS.model] ?? template?.metadata?.annotations?.[ANNOTATIONS.model] ?? labels[LABELS.model] ?? '',
      server: labels[LABELS.server] ?? '', accelerators: [], ready: 0, desired: 0, pool: null, autoscale: [], created: w.metadata?.creationTimestamp as string | undefined,
      workloads: [],
    };
    row.workloads.push(`${w.kind === 'Deployment' ? 'deployment' : 'leaderworkerset'}/${w.metadata?.name ?? ''}`);
    row.accelerators.push(`${labels[LABELS.accelerator] ?? '?'} x${Number(devices?.[1] ?? 0) * hosts}`);
    row.ready += w.status?.readyReplicas ?? 0;
    row.desired += w.spec?.replicas ?? 0;
    rows.set(key, row);
  }
  for (const h of hpas) {
    const status = autoscaleStatus(h);
    rows.get(`${status.namespace}/${status.deployment}`)?.autoscale.push(autoscaleCell(status));
  }
  for (const p of pools) {
    const row = rows.get(`${p.metadata?.namespace}/${p.metadata?.labels?.[LABELS.deployment] ?? p.metadata?.name}`);
    if (row) row.pool = p.metadata?.name ?? null;
  }
  return [...rows.values()].sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
}

function listTable(rows: readonly ModelRow[], all: boolean, wide: boolean): string {
  const autoscaled = rows.some((r) => r.autoscale.length > 0);
  const headers = [...(all ? ['NAMESPACE'] : []), 'NAME', 'MODEL', 'SERVER', 'ACCELERATOR', 'READY', ...(autoscaled ? ['AUTOSCALE'] : []), 'POOL', 'AGE', ...(wide ? ['WORKLOADS'] : [])];
  return table(headers, rows.map((r) => [
    ...(all ? [r.namespace] : []), r.name, r.model, r.server, r.accelerators.join(','), `${r.ready}/${r.desired}`,
    ...(autoscaled ? [r.autoscale.join(',') || '<none>'] : []), r.pool ?? '<none>', age(r.created),
    ...(wide ? [r.workloads.join(',')] : []),
  ]));
}
