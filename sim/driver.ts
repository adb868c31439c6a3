import { performance } from 'node:perf_hooks';
import type { Result } from '../src/result.js';
import type { Engine, EngineRequest, RequestListener } from './engine/engine.js';

/**
 * Drives an engine on the wall clock: engine time is milliseconds since the driver started, times `speedup`.
 * One timer, armed for the engine's next event (the end of the running step, or nothing when idle): no busy
 * loop, and an idle server does no work. A late timer is harmless: `runUntil` catches up every step it missed.
 */
export class RealTimeDriver {
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly startMs: number;

  constructor(
    readonly engine: Engine,
    private readonly speedup = 1,
    private readonly clockMs: () => number = () => performance.now(),
  ) {
    if (!(speedup > 0) || !Number.isFinite(speedup)) throw new RangeError(`speedup ${speedup} must be a positive number`);
    this.startMs = clockMs();
  }

  /** Engine time for the wall clock now. */
  nowMs(): number {
    return Math.max(this.engine.nowMs, (this.clockMs() - this.startMs) * this.speedup);
  }

  /** Brings the engine up to the wall clock and re-arms the timer. */
  sync(): void {
    this.engine.runUntil(this.nowMs());
    this.arm();
  }

  submit(request: EngineRequest, listener: RequestListener): Result<void> {
    this.engine.runUntil(this.nowMs());
    const result = this.engine.submit(request, { atMs: this.engine.nowMs, listener });
    this.sync();
    return result;
  }

  abort(id: string): boolean {
    this.engine.runUntil(this.nowMs());
    const found = this.engine.abort(id);
    this.arm();
    return found;
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const next = this.engine.nextEventMs();
    if (this.closed || next === undefined) return;
    const delayMs = Math.max(0, (next - this.nowMs()) / this.speedup);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.sync();
    }, delayMs);
  }
}
