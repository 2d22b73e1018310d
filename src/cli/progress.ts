/** A one-line progress bar on stderr (only when stderr is a TTY or FORCE_PROGRESS is set; silent otherwise). */
export class ProgressBar {
  private readonly enabled: boolean;
  private readonly started = Date.now();
  private lastDraw = 0;

  constructor(
    private readonly total: number,
    private readonly label: string,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.enabled = Boolean(stream.isTTY) || process.env.FORCE_PROGRESS === '1';
  }

  /** done: items finished so far (or a fraction of total for build progress). */
  update(done: number, note = ''): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.lastDraw < 100 && done < this.total) return;
    this.lastDraw = now;
    const frac = this.total > 0 ? Math.min(1, done / this.total) : 1;
    const width = 30;
    const filled = Math.round(frac * width);
    const secs = ((now - this.started) / 1000).toFixed(1);
    const line = `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${this.total} ${secs}s ${note}`;
    this.stream.write(`\r${line.slice(0, 120).padEnd(120)}`);
  }

  finish(): void {
    if (this.enabled) this.stream.write('\n');
  }
}
