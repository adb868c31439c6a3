// Autoscaling policies in virtual time (issue 21): the same one-hour arrival trace served by replicas that the
// HPA's algorithm sizes from three metrics — kinfer's replica demand (arrivals ÷ capacity + queue drain, KV floor),
// the mean waiting queue alone, and the mean KV-cache use alone — reporting replica-seconds used and requests
// whose time to first token exceeded the target. A fluid model in 1 s ticks, not a model server: it compares the
// control rules, not engines. Deterministic (seeded Poisson arrivals). Prints markdown; never passes or fails.
//
// Run: npx tsc -p tsconfig.json && node dist/bench/autoscale.bench.js
import { desiredReplicas, replicaDemand } from '../src/autoscale/rule.js';
import { mulberry32 } from '../src/random.js';

// The modelled replica and targets (our choices for the comparison, not measurements).
const CAPACITY_RPS = 4; // one replica's rate within the targets (recommend's operating point): what the rule divides by
const SATURATION_RPS = 5; // its rate with a full KV cache; the operating point sits below it, where the p99 targets hold
const REQUEST_SECONDS = 6; // a request's residence once admitted (prefill + ~100 tokens of decode)
const MAX_BATCH = SATURATION_RPS * REQUEST_SECONDS; // in-flight requests at full KV use (Little's law)
const TTFT_TARGET_SECONDS = 2;
const STARTUP_SECONDS = 60; // a new replica's time to ready (weights load); real servers often take longer
// HPA algorithm (k8s.io/kubernetes pkg/controller/podautoscaler, autoscaling/v2 defaults): 15 s sync, 10 %
// tolerance, scale-up at most max(×2, +4) per 15 s, scale-down after a 300 s window at most 50 % per 60 s.
const SYNC_SECONDS = 15;
const TOLERANCE = 0.1;
const SCALE_DOWN_WINDOW_SECONDS = 300;
const MIN_REPLICAS = 1;
const MAX_REPLICAS = 30;
// Targets of the single-metric baselines (typical settings; GKE's HPA guides start from queue size or batch size).
const QUEUE_TARGET_PER_REPLICA = 3;
const KV_TARGET = 0.7;

type Policy = 'kinfer demand' | 'queue length only' | 'KV use only';

/** Requests per second over the hour: a ramp, a plateau, a burst, a quiet tail. */
function rateAt(t: number): number {
  if (t < 600) return 4;
  if (t < 1800) return 4 + (36 * (t - 600)) / 1200;
  if (t < 2400) return 40;
  if (t < 2520) return 64;
  if (t < 2700) return 40;
  return 8;
}

function poisson(mean: number, rng: () => number): number {
  const limit = Math.exp(-mean);
  let k = 0;
  for (let p = rng(); p > limit; p *= rng()) k++;
  return k;
}

interface Result { readonly policy: Policy; readonly replicaSeconds: number; readonly requests: number; readonly violations: number; readonly burstViolations: number; readonly peak: number; readonly changes: number }

/** The burst and the minute after it, where new replicas are still starting. */
const inBurst = (t: number): boolean => t >= 2400 && t < 2580;

function simulate(policy: Policy, seed: number): Result {
  const rng = mulberry32(seed);
  let replicas = 1; // the HPA's desired = the Deployment's spec.replicas
  const readyAt: number[] = [0]; // when each replica becomes ready
  let queue = 0;
  const admitted: number[] = []; // per tick, for in-flight (last REQUEST_SECONDS ticks)
  const arrivals: number[] = []; // per tick, for the picker's 30 s arrival window
  const recommendations: { t: number; n: number }[] = [];
  let lastDown = -Infinity;
  let replicaSeconds = 0, requests = 0, violations = 0, burstViolations = 0, peak = 1, changes = 0;
  for (let t = 0; t < 3600; t++) {
    const ready = readyAt.filter((r) => r <= t).length;
    const arrived = poisson(rateAt(t), rng);
    arrivals.push(arrived);
    requests += arrived;
    queue += arrived;
    const inflight = admitted.slice(-REQUEST_SECONDS).reduce((a, b) => a + b, 0);
    const free = Math.max(0, ready * MAX_BATCH - inflight);
    const admit = Math.min(queue, free, ready * SATURATION_RPS);
    queue -= admit;
    admitted.push(admit);
    // This tick's arrivals wait behind the queue at the ready replicas' rate.
    const waitSeconds = ready === 0 ? Infinity : queue / (ready * SATURATION_RPS);
    if (waitSeconds > TTFT_TARGET_SECONDS) {
      violations += arrived;
      if (inBurst(t)) burstViolations += arrived;
    }
    replicaSeconds += readyAt.length;
    if (t % SYNC_SECONDS !== 0 || t === 0) continue;
    const kv = ready === 0 ? 0 : Math.min(1, (inflight + admit) / (ready * MAX_BATCH));
    const window = arrivals.slice(-30);
    let metricReplicas: number; // what the policy's metric asks for, before tolerance and limits
    if (policy === 'kinfer demand') {
      const [d] = replicaDemand({ arrivalRps: window.reduce((a, b) => a + b, 0) / window.length, deployments: [{ name: 'm', capacityRps: CAPACITY_RPS, readyReplicas: ready, waitingRequests: queue, kvCacheUsages: new Array<number>(ready).fill(kv) }] }, { ttftTargetSeconds: TTFT_TARGET_SECONDS, kvHighWatermark: 0.9 });
      metricReplicas = d!.demand;
    } else if (policy === 'queue length only') metricReplicas = queue / QUEUE_TARGET_PER_REPLICA;
    else metricReplicas = (ready * kv) / KV_TARGET;
    const ratio = metricReplicas / Math.max(ready, 1);
    let rec = Math.abs(ratio - 1) <= TOLERANCE ? replicas : desiredReplicas(metricReplicas, MIN_REPLICAS, MAX_REPLICAS);
    recommendations.push({ t, n: rec });
    if (rec > replicas) rec = Math.min(rec, Math.max(replicas * 2, replicas + 4));
    else if (rec < replicas) {
      // Scale-down: the highest recommendation of the window, at most 50 % per 60 s.
      rec = Math.max(...recommendations.filter((r) => r.t > t - SCALE_DOWN_WINDOW_SECONDS).map((r) => r.n));
      if (rec < replicas) {
        if (t - lastDown < 60) rec = replicas;
        else { rec = Math.max(rec, Math.ceil(replicas / 2)); lastDown = t; }
      }
    }
    if (rec !== replicas) changes++;
    while (readyAt.length < rec) readyAt.push(t + STARTUP_SECONDS);
    // Scale-in removes the newest (not yet ready first) replicas, as the ReplicaSet controller prefers.
    readyAt.sort((a, b) => a - b).length = Math.min(readyAt.length, rec);
    replicas = rec;
    peak = Math.max(peak, replicas);
  }
  return { policy, replicaSeconds, requests, violations, burstViolations, peak, changes };
}

const SEEDS = [1, 2, 3];
const policies: Policy[] = ['kinfer demand', 'queue length only', 'KV use only'];
const rows = policies.map((p) => {
  const runs = SEEDS.map((s) => simulate(p, s));
  const mean = (f: (r: Result) => number): number => runs.reduce((a, r) => a + f(r), 0) / runs.length;
  return { policy: p, replicaHours: mean((r) => r.replicaSeconds) / 3600, violationPct: mean((r) => (100 * r.violations) / r.requests), burstPct: mean((r) => (100 * r.burstViolations) / r.requests), peak: mean((r) => r.peak), changes: mean((r) => r.changes) };
});
const base = rows[0]!;
console.log(`Autoscaling policies, virtual time: one hour (ramp 4 → 40 req/s over 20 min, 40 for 10 min, a 2-minute burst at 64, then 8), ${CAPACITY_RPS} req/s per replica within the targets (${SATURATION_RPS} at saturation), TTFT target ${TTFT_TARGET_SECONDS} s, replicas ready ${STARTUP_SECONDS} s after creation, HPA sync ${SYNC_SECONDS} s, scale-down window ${SCALE_DOWN_WINDOW_SECONDS} s; mean of seeds ${SEEDS.join(', ')}.\n`);
console.log('| policy | replica-hours | vs kinfer | requests over the TTFT target | of which in the burst (2400–2580 s) | peak replicas | scaling changes |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.policy} | ${r.replicaHours.toFixed(1)} | ${(r.replicaHours / base.replicaHours).toFixed(2)}× | ${r.violationPct.toFixed(1)} % | ${r.burstPct.toFixed(1)} % | ${r.peak.toFixed(0)} | ${r.changes.toFixed(0)} |`);
