import type { PerfProfile, PerfPoint } from './profile.js';
import { DEFAULT_EFFICIENCY, impliedEfficiency, type Efficiency } from './roofline.js';

// Which measured profiles to trust for calibration. A measured curve calibrates the estimates of every other
// option on its accelerator type, so one odd profile (a stage with a single request, a server that was not
// bandwidth-bound) can make every estimate wrong: an H100 recalibrated to "20% of peak bandwidth" once made an 8B
// model look infeasible on one GPU. A profile this judges doubtful is flagged in `profiles list` and `recommend`
// and calibrates nothing; an exact match for the asked option is still shown, flagged.

/**
 * Fewest finished requests a stage needs for its point to count. A stage's p50 from n requests moves by about
 * 1.25 σ / √n: with ITL and TTFT spreads of 10–30% (vLLM's benchmark_serving reports), 20 requests put the median
 * within ~5–8%; from one request the point is whatever that request met. `bench` warns below this.
 */
export const MIN_COMPLETED_REQUESTS = 20;

/**
 * Efficiencies a real server plausibly reaches. Decode bandwidth: public single-stream decode reaches 64–77% of
 * peak HBM bandwidth (test/fixtures/measurements); below 30% the lightest stage was not bandwidth-bound (an
 * overloaded or CPU-bound server, or the wrong accelerator type on the profile), above 95% is more than HBM
 * delivers (copy kernels reach ~90%). Prefill: model FLOPs utilization above 90% is not reached by any published
 * serving stack; below 10% the TTFT was mostly queueing or overhead, not prefill.
 */
export const PLAUSIBLE_EFFICIENCY = {
  decodeBandwidth: { min: 0.3, max: 0.95 },
  prefillFlops: { min: 0.1, max: 0.9 },
} as const;

const pct = (x: number) => `${Math.round(x * 100)}%`;

/**
 * Why a measured profile should not calibrate others (empty when it may): stages with too few finished requests,
 * and efficiencies outside PLAUSIBLE_EFFICIENCY when compared with `estimated` (the roofline's curve for the same
 * model, accelerator, TP and workload at `base`); without an estimate only the counts are judged.
 */
export function profileDoubts(profile: PerfProfile, estimated: readonly PerfPoint[] | undefined, base: Efficiency = DEFAULT_EFFICIENCY): string[] {
  const doubts: string[] = [];
  const thin = profile.points.filter((p) => p.completedRequests !== undefined && p.completedRequests < MIN_COMPLETED_REQUESTS);
  if (thin.length > 0) {
    const fewest = Math.min(...thin.map((p) => p.completedRequests!));
    doubts.push(`${thin.length} of ${profile.points.length} stage${profile.points.length > 1 ? 's' : ''} finished fewer than ${MIN_COMPLETED_REQUESTS} requests (fewest: ${fewest})`);
  }
  if (estimated && estimated.length > 0) {
    const implied = impliedEfficiency({ measured: profile.points, estimated }, base);
    const check = (name: keyof Efficiency, what: string) => {
      const value = implied[name];
      const { min, max } = PLAUSIBLE_EFFICIENCY[name];
      if (value !== undefined && (value < min || value > max)) doubts.push(`implies ${pct(value)} of peak ${what} (plausible: ${pct(min)}–${pct(max)})`);
    };
    check('decodeBandwidth', 'bandwidth');
    check('prefillFlops', 'FLOP/s');
  }
  return doubts;
}
