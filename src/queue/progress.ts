/** Progress of a submitted run: items done / failed / remaining, rate over the run, and the time left at that rate. */
export interface RunProgress {
  total: number;
  done: number;
  failed: number;
  remaining: number;
  /** Items (done + failed) per second since the run started. */
  rate: number;
  /** Seconds left at `rate` (Infinity before the first item settles). */
  etaSeconds: number;
  elapsedSeconds: number;
}

export function runProgress(total: number, done: number, failed: number, elapsedSeconds: number): RunProgress {
  const settled = done + failed;
  const remaining = Math.max(0, total - settled);
  const rate = elapsedSeconds > 0 ? settled / elapsedSeconds : 0;
  const etaSeconds = remaining === 0 ? 0 : rate > 0 ? remaining / rate : Infinity;
  return { total, done, failed, remaining, rate, etaSeconds, elapsedSeconds };
}

function duration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${Math.round(s)} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${Math.round(s - m * 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** "done 120, failed 1, remaining 179, 35.2/s, ETA 5 s" */
export function progressText(p: RunProgress): string {
  return `done ${p.done}, failed ${p.failed}, remaining ${p.remaining}, ${p.rate.toFixed(1)}/s, ETA ${duration(p.etaSeconds)}`;
}
