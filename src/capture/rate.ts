/** Events per second over a sliding window of recent event times (ms, performance.now()). */
export class RateMeter {
  private readonly times: number[] = [];

  constructor(
    private readonly windowMs = 2000,
    private readonly maxEvents = 90,
  ) {}

  tick(time: number): void {
    this.times.push(time);
    if (this.times.length > this.maxEvents) this.times.shift();
    while (this.times.length > 2 && time - this.times[0] > this.windowMs) this.times.shift();
  }

  /** Rate over the window; 0 until two events were seen. */
  get rate(): number {
    const n = this.times.length;
    if (n < 2) return 0;
    const span = this.times[n - 1] - this.times[0];
    return span > 0 ? ((n - 1) * 1000) / span : 0;
  }
}
