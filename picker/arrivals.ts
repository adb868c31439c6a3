/**
 * Requests arriving at the picker, as a rate over a sliding window of one-second buckets. Every request that asks
 * for an endpoint counts, routed or not: the autoscaler must see the demand, including what could not be served.
 */
export class ArrivalMeter {
  private readonly buckets: number[];
  private head = 0;
  private headSecond: number;

  constructor(
    readonly windowSeconds: number,
    private readonly nowMs: () => number = Date.now,
  ) {
    this.buckets = new Array<number>(windowSeconds).fill(0);
    this.headSecond = Math.floor(nowMs() / 1000);
  }

  record(): void {
    this.advance();
    this.buckets[this.head]! += 1;
  }

  /** Arrivals per second over the last full window (the current, partial second included). */
  ratePerSecond(): number {
    this.advance();
    return this.buckets.reduce((a, b) => a + b, 0) / this.windowSeconds;
  }

  private advance(): void {
    const second = Math.floor(this.nowMs() / 1000);
    const steps = Math.min(second - this.headSecond, this.windowSeconds);
    for (let i = 0; i < steps; i++) {
      this.head = (this.head + 1) % this.windowSeconds;
      this.buckets[this.head] = 0;
    }
    if (second > this.headSecond) this.headSecond = second;
  }
}
