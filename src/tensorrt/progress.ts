/**
 * Turns TensorRT's IProgressMonitor events (nested phases with step counts, from native/gpu/trt_build_binding.cc)
 * into one overall fraction for a progress bar: a phase's fraction is (completed steps + the fraction of its
 * running child phase) / steps, and the overall fraction is that of the current top-level phase. It never goes
 * backwards within a build.
 */
import type { NativeTrtBuildEvent } from '../native/addon';
import type { BuildProgress } from '../types';

interface Phase {
  name: string;
  parent?: string;
  steps: number;
  done: number;
  child?: Phase;
}

export class BuildProgressTracker {
  private readonly phases = new Map<string, Phase>();
  private top?: Phase;
  private last = 0;

  constructor(private readonly onProgress?: (p: BuildProgress) => void) {}

  /** Feeds one event; returns the progress it produced (also passed to onProgress), if any. */
  handle(e: NativeTrtBuildEvent): BuildProgress | undefined {
    if (e.kind === 'log' || !e.phase) return undefined;
    if (e.kind === 'start') {
      const phase: Phase = { name: e.phase, parent: e.parent || undefined, steps: Math.max(1, e.steps ?? 1), done: 0 };
      this.phases.set(e.phase, phase);
      const parent = phase.parent ? this.phases.get(phase.parent) : undefined;
      if (parent) parent.child = phase;
      else {
        this.top = phase;
      }
    } else if (e.kind === 'step') {
      const p = this.phases.get(e.phase);
      if (p) p.done = Math.max(p.done, Math.min(p.steps, (e.step ?? 0) + 1));
    } else if (e.kind === 'finish') {
      const p = this.phases.get(e.phase);
      if (p) {
        p.done = p.steps;
        const parent = p.parent ? this.phases.get(p.parent) : undefined;
        if (parent && parent.child === p) parent.child = undefined;
        this.phases.delete(e.phase);
      }
    }
    const fraction = this.fraction();
    const progress = { phase: this.current(), fraction };
    this.onProgress?.(progress);
    return progress;
  }

  /** Overall fraction 0..1 (monotonic). */
  fraction(): number {
    const f = this.top ? frac(this.top) : 0;
    // A later top-level phase restarting at 0 must not move the bar backwards.
    this.last = Math.max(this.last, Math.min(1, f));
    return this.last;
  }

  /** "parent > child" names of the running phases. */
  current(): string {
    const names: string[] = [];
    for (let p = this.top; p; p = p.child) names.push(p.name);
    return names.join(' > ') || 'building';
  }
}

function frac(p: Phase): number {
  const inner = p.child ? frac(p.child) : 0;
  return Math.min(1, (p.done + (p.done < p.steps ? inner : 0)) / p.steps);
}
