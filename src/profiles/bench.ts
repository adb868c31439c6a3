import { meanShape, type TimedRequest } from './measure.js';
import { sortPoints, type PerfProfile, type PerfProfileKey, type PerfPoint, type WorkloadShape } from './profile.js';

// `bench`'s core: from what a sweep measured to the profile it stores. Pure: the sweep (I/O) is plugin/load/sweep.ts.

/** One load level of a sweep: requests in flight (closed loop) or a Poisson rate (open loop). */
export interface BenchStage {
  readonly concurrency?: number;
  readonly rate?: number;
}

/** `concurrency 8` or `rate 2.5 req/s`: how a stage is named in progress lines and the summary table. */
export function stageLabel(stage: BenchStage): string {
  return stage.concurrency !== undefined ? `concurrency ${stage.concurrency}` : `rate ${stage.rate} req/s`;
}

/**
 * How long closed-loop workers take to start (StageSpec.rampMs): the mean latency of the last 20 requests the
 * previous stages finished, at most a quarter of the stage; 0 for the first stage.
 */
export function rampMs(stageMs: number, timed: readonly TimedRequest[]): number {
  const recent = timed.slice(-20);
  return Math.min(stageMs / 4, recent.length > 0 ? recent.reduce((s, t) => s + t.latencyMs, 0) / recent.length : 0);
}

/** What was benched: the serving side of the profile key and the replicas the figures are divided over. */
export interface BenchSubject {
  readonly model: string;
  readonly server: PerfProfileKey['server'];
  readonly accelerator: string;
  readonly tp: number;
  readonly replicas: number;
}

/**
 * The measured profile: the points sorted, the workload shape the requests actually had (the server's prompt token
 * counts), or the asked-for shape when the server reported none.
 */
export function measuredProfile(subject: BenchSubject, points: readonly PerfPoint[], timed: readonly TimedRequest[], asked: WorkloadShape, origin: string, createdAt: string): PerfProfile {
  const shape = meanShape(timed) ?? asked;
  const key: PerfProfileKey = { model: subject.model, server: subject.server, accelerator: subject.accelerator, tp: subject.tp, ...shape };
  return { key, source: 'measured', points: sortPoints(points), origin, createdAt };
}
