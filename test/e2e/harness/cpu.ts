// Where a scale run's CPU goes: the CPU time of each control-plane process (from /proc), sampled every
// SAMPLE_MS while a measurement runs, so the CPU spent between two moments (first bind → last bind of a queue
// drain) can be read per process. On a 2-core machine the drain is CPU-bound when the processes together use
// about 2 CPU-seconds per second of drain: then every millisecond of CPU an extender adds per pod is paid in
// throughput, whatever its latency.
import { processCpuSeconds } from './cluster.js';

/** Often enough that the window's edges (interpolated between samples) are within a few ms of CPU. */
const SAMPLE_MS = 50;

interface Sample {
  readonly atMs: number;
  readonly cpuSeconds: Readonly<Record<string, number>>;
}

/** Samples `pids()` (name → pid, re-read each time: a restarted process gets a new pid) until `stop()`. */
export class CpuSampler {
  private readonly samples: Sample[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pids: () => Readonly<Record<string, number | undefined>>) {
    this.sample();
    this.timer = setInterval(() => this.sample(), SAMPLE_MS);
  }

  private sample(): void {
    const cpuSeconds: Record<string, number> = {};
    for (const [name, pid] of Object.entries(this.pids())) cpuSeconds[name] = pid === undefined ? Number.NaN : processCpuSeconds(pid);
    const own = process.cpuUsage();
    cpuSeconds['test process'] = (own.user + own.system) / 1e6;
    this.samples.push({ atMs: Date.now(), cpuSeconds });
  }

  stop(): void {
    clearInterval(this.timer);
    this.sample();
  }

  /** CPU seconds each process used between `fromMs` and `toMs` (epoch ms), interpolated between samples. */
  between(fromMs: number, toMs: number): Record<string, number> {
    const names = new Set(this.samples.flatMap((s) => Object.keys(s.cpuSeconds)));
    const out: Record<string, number> = {};
    for (const name of names) out[name] = this.at(name, toMs) - this.at(name, fromMs);
    return out;
  }

  /** A process's CPU seconds at `atMs`, linear between the valid samples around it (a process not yet started reads NaN). */
  private at(name: string, atMs: number): number {
    const valid = this.samples.filter((s) => Number.isFinite(s.cpuSeconds[name]));
    const after = valid.findIndex((s) => s.atMs >= atMs);
    if (after < 0) return valid[valid.length - 1]?.cpuSeconds[name] ?? Number.NaN;
    const b = valid[after]!;
    const a = valid[after - 1];
    if (!a || b.atMs === a.atMs) return b.cpuSeconds[name]!;
    return a.cpuSeconds[name]! + ((b.cpuSeconds[name]! - a.cpuSeconds[name]!) * (atMs - a.atMs)) / (b.atMs - a.atMs);
  }
}
