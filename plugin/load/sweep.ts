import { MIN_COMPLETED_REQUESTS } from '../../src/profiles/judgement.js';
import { rampMs, stageLabel, type BenchStage } from '../../src/profiles/bench.js';
import { pointFromRequests, type TimedRequest } from '../../src/profiles/measure.js';
import type { PerfPoint } from '../../src/profiles/profile.js';
import type { BenchRequest } from '../../src/profiles/workload.js';
import { runStage, timedRequest, type LoadClient, type StageSpec } from './load.js';
import { ProgressBar } from './progress.js';

/** One stage as the summary table shows it. */
export interface SweepRow {
  readonly stage: string;
  readonly sent: number;
  readonly failed: number;
  readonly aborted: number;
  readonly point?: PerfPoint;
  readonly firstError?: string;
}

export interface Sweep {
  /** One per stage that finished something (per replica). */
  readonly points: PerfPoint[];
  /** Every finished request, for the workload shape the profile is keyed by. */
  readonly timed: TimedRequest[];
  readonly rows: SweepRow[];
  /** Why the sweep ended before its last stage (Ctrl-C, a stage where everything failed); absent when it did not. */
  readonly stoppedBy?: string;
}

export interface SweepOptions {
  readonly stages: readonly BenchStage[];
  readonly stageMs: number;
  readonly requestTimeoutMs: number;
  readonly maxRequests: number;
  /** Ready replicas: each point is divided by them. */
  readonly replicas: number;
  /** For the message when every request of a stage fails. */
  readonly model: string;
  readonly origin: string;
  readonly next: (i: number) => BenchRequest;
  readonly random: () => number;
  readonly note: (line: string) => void;
}

/**
 * Runs the stages in order against the client, with a progress bar per stage on stderr. Ctrl-C (SIGINT, SIGTERM)
 * ends the running stage at once: it is left out, and what the finished stages measured is returned.
 */
export async function sweep(client: LoadClient, o: SweepOptions): Promise<Sweep> {
  const result: { points: PerfPoint[]; timed: TimedRequest[]; rows: SweepRow[]; stoppedBy?: string } = { points: [], timed: [], rows: [] };
  const interactive = process.stderr.isTTY === true;
  const interrupt = new AbortController();
  const onSignal = () => interrupt.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    for (const [index, stage] of o.stages.entries()) {
      const label = stageLabel(stage);
      const bar = new ProgressBar(`[${index + 1}/${o.stages.length}] ${label}`, interactive, (line) => process.stderr.write(line));
      // Closed-loop workers start spread over the latency the previous stage saw (see StageSpec.rampMs).
      const spec: StageSpec = {
        ...stage, durationMs: o.stageMs, maxRequests: o.maxRequests, drainMs: Math.min(o.requestTimeoutMs, 30_000), requestTimeoutMs: o.requestTimeoutMs,
        rampMs: rampMs(o.stageMs, result.timed), signal: interrupt.signal,
      };
      const run = await runStage(client, spec, o.next, o.random, (done, elapsed) => bar.update(elapsed, `${done} done`));
      const finished = run.samples.filter((s) => s.ok).map(timedRequest);
      const failed = run.samples.filter((s) => !s.ok);
      if (interrupt.signal.aborted) {
        // A stage cut short is not a load level: leave it out.
        bar.done('interrupted');
        result.stoppedBy = `interrupted during stage ${label}`;
        break;
      }
      const point = pointFromRequests(finished, run.seconds, o.replicas, stage.concurrency);
      bar.done(point ? `${finished.length} ok, ${point.outputTokensPerSecond.toFixed(0)} tok/s/replica, TTFT p99 ${point.ttftP99Ms.toFixed(0)} ms` : `nothing finished (${failed.length} failed, ${run.aborted} aborted at the end of the drain)`);
      if (point) result.points.push(point);
      if (point && finished.length < MIN_COMPLETED_REQUESTS) {
        o.note(`warning: stage ${label} finished ${finished.length} request${finished.length === 1 ? '' : 's'}, fewer than ${MIN_COMPLETED_REQUESTS}: its point is noise and recommend will not calibrate with this profile (a longer --stage-duration or a higher --max-requests gives it more)`);
      }
      result.timed.push(...finished);
      result.rows.push({ stage: label, sent: run.samples.length + run.aborted, failed: failed.length, aborted: run.aborted, ...(point ? { point } : {}), ...(failed[0]?.error ? { firstError: failed[0].error } : {}) });
      if (finished.length === 0 && failed.length > 0) {
        result.stoppedBy = `every request of stage ${label} failed (first: ${failed[0]!.error}); is ${o.origin} serving ${o.model}?`;
        break;
      }
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return result;
}
