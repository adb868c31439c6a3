// The autoscaling rule: how many replicas each Deployment behind one pool needs for the load the picker sees.
// Pure: load in, replica demand out. The HPA controller turns the demand into replicas (desired = ceil(demand),
// External metric with an AverageValue target of 1), with its own tolerance, stabilization windows and policies.

/** One Deployment behind the pool: an accelerator type with its measured or estimated per-replica capacity. */
export interface DeploymentLoad {
  /** The Kubernetes Deployment's name (one per accelerator type of a pool; the owner of its pods' ReplicaSet). */
  readonly name: string;
  /**
   * Requests per second one replica serves within the latency targets: recommend's estimate (operating point) or
   * a measured profile's highest rate within the targets.
   */
  readonly capacityRps: number;
  /** Ready replicas the picker routes to now. */
  readonly readyReplicas: number;
  /** Requests waiting (not yet admitted) summed over its replicas (`vllm:num_requests_waiting`). */
  readonly waitingRequests: number;
  /** KV-cache use of each ready replica, 0..1 (`vllm:kv_cache_usage_perc`). */
  readonly kvCacheUsages: readonly number[];
}

export interface PoolLoad {
  /** Requests per second arriving at the pool (the picker's decisions over its rate window). */
  readonly arrivalRps: number;
  readonly deployments: readonly DeploymentLoad[];
}

export interface RuleSettings {
  /** The TTFT target: the waiting queue must drain within it, on top of new arrivals. */
  readonly ttftTargetSeconds: number;
  /**
   * Mean KV-cache use above which a Deployment is short of memory even if the rate says otherwise (preemptions
   * start near a full cache). 0.9: vLLM preempts when a step cannot get a block, so keep one tenth free.
   */
  readonly kvHighWatermark: number;
}

export const DEFAULT_KV_HIGH_WATERMARK = 0.9;

/** The demand of one Deployment, in replicas (fractional), with its three terms for `--explain` and `list`. */
export interface ReplicaDemand {
  readonly name: string;
  /** Share of the pool's arrivals routed to this Deployment, 0..1. */
  readonly share: number;
  /** arrivals × share ÷ capacity. */
  readonly rateReplicas: number;
  /** waiting ÷ (capacity × TTFT target): replicas that drain the queue within one TTFT target. */
  readonly queueReplicas: number;
  /** ready × mean KV use ÷ watermark, a floor that only matters when caches run fuller than the watermark. */
  readonly kvReplicas: number;
  /** max(rate + queue, kv): what the metric reports; the HPA scales to ceil(demand). */
  readonly demand: number;
  /** One sentence with the figures. */
  readonly why: string;
}

/**
 * Replica demand per Deployment. Mixed pools (GPU and TPU Deployments behind one pool): the picker balances load,
 * so each Deployment takes a share of arrivals proportional to its capacity, `max(ready, 1) × capacity`; its
 * demand is then arrivals × share ÷ its own capacity. All types grow or shrink by the same factor, and a type
 * with no ready replica still counts as one so that it is never starved to zero by the split.
 */
export function replicaDemand(load: PoolLoad, settings: RuleSettings): ReplicaDemand[] {
  const weights = load.deployments.map((d) => Math.max(d.readyReplicas, 1) * d.capacityRps);
  const total = weights.reduce((a, b) => a + b, 0);
  return load.deployments.map((d, i) => {
    const share = total > 0 ? weights[i]! / total : 0;
    const rateReplicas = d.capacityRps > 0 ? (load.arrivalRps * share) / d.capacityRps : 0;
    const queueReplicas = d.capacityRps > 0 ? d.waitingRequests / (d.capacityRps * settings.ttftTargetSeconds) : 0;
    const meanKv = d.kvCacheUsages.length > 0 ? d.kvCacheUsages.reduce((a, b) => a + b, 0) / d.kvCacheUsages.length : 0;
    const kvReplicas = meanKv > settings.kvHighWatermark ? (d.readyReplicas * meanKv) / settings.kvHighWatermark : 0;
    const demand = Math.max(rateReplicas + queueReplicas, kvReplicas);
    const why = `${fmt(load.arrivalRps)} req/s × ${fmt(share * 100)}% ÷ ${fmt(d.capacityRps)} req/s per replica = ${fmt(rateReplicas)}`
      + ` + ${d.waitingRequests} waiting ÷ (${fmt(d.capacityRps)} × ${fmt(settings.ttftTargetSeconds)} s) = ${fmt(queueReplicas)}`
      + (kvReplicas > 0 ? `; KV ${fmt(meanKv * 100)}% > ${fmt(settings.kvHighWatermark * 100)}% floor ${fmt(kvReplicas)}` : '')
      + ` → ${Math.ceil(demand - 1e-9)} replica(s)`;
    return { name: d.name, share, rateReplicas, queueReplicas, kvReplicas, demand, why };
  });
}

/** What the HPA controller will want for a demand: ceil(demand) within [min, max] (its AverageValue=1 rule). */
export function desiredReplicas(demand: number, minReplicas: number, maxReplicas: number): number {
  return Math.min(maxReplicas, Math.max(minReplicas, Math.ceil(demand - 1e-9)));
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}
