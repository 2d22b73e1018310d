/**
 * The One-Euro filter (Casiez, Roussel, Vogel, CHI 2012) applied to every coordinate of a landmark set.
 *
 * An adaptive low-pass: at low speed the cutoff is `minCutoff` (strong smoothing, no jitter); as the point moves
 * the cutoff rises by `beta` x speed (less lag). Units here: pixels and seconds, so `beta` is per px/s.
 * oneEuroStep() is pure (state in, state out; no clock); OneEuroFilter only keeps the state between calls.
 */
import { invalidType, outOfRange } from '../errors';

export interface OneEuroParams {
  /** Cutoff frequency (Hz) at rest. Lower: smoother, more lag. Default 1. */
  minCutoff: number;
  /** Cutoff increase per unit of speed (per px/s). Higher: less lag on fast moves. Default 0.02. */
  beta: number;
  /** Cutoff frequency (Hz) of the speed estimate. Default 1. */
  dCutoff: number;
}

export const DEFAULT_ONE_EURO: Readonly<OneEuroParams> = Object.freeze({ minCutoff: 1, beta: 0.02, dCutoff: 1 });

export interface OneEuroState {
  /** Last filtered values. */
  value: Float32Array;
  /** Last filtered speed per value (units per second). */
  speed: Float32Array;
  /** Time of the last sample, seconds. */
  time: number;
}

/** Validates and completes filter parameters (exact messages, coded errors). */
export function oneEuroParams(p: Partial<OneEuroParams> = {}): OneEuroParams {
  const out = { ...DEFAULT_ONE_EURO, ...p };
  for (const name of ['minCutoff', 'beta', 'dCutoff'] as const) {
    const v = out[name];
    if (typeof v !== 'number') throw invalidType(name, name === 'beta' ? 'non-negative number' : 'positive number', v);
    if (name === 'beta' ? !(v >= 0 && Number.isFinite(v)) : !(v > 0 && Number.isFinite(v))) {
      throw outOfRange(name, name === 'beta' ? 'non-negative finite number' : 'positive finite number', v);
    }
  }
  return out;
}

/** Smoothing factor of a first-order low-pass with this cutoff (Hz) for a sample interval dt (s). */
export function smoothingFactor(cutoff: number, dt: number): number {
  const tau = 1 / (2 * Math.PI * cutoff);
  return 1 / (1 + tau / dt);
}

/**
 * One filter step. With no state (first sample) the input passes through. A sample not later than the previous
 * one (dt <= 0) leaves the state unchanged and returns the previous output.
 */
export function oneEuroStep(
  state: OneEuroState | null,
  x: Float32Array,
  time: number,
  params: OneEuroParams,
): { state: OneEuroState; out: Float32Array } {
  if (!state) {
    const value = Float32Array.from(x);
    return { state: { value, speed: new Float32Array(x.length), time }, out: Float32Array.from(x) };
  }
  if (state.value.length !== x.length) {
    throw outOfRange('x', `Float32Array of length ${state.value.length}`, x);
  }
  const dt = time - state.time;
  if (!(dt > 0)) return { state, out: Float32Array.from(state.value) };
  const aD = smoothingFactor(params.dCutoff, dt);
  const value = new Float32Array(x.length);
  const speed = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const prev = state.value[i];
    const dx = (x[i] - prev) / dt;
    const edx = state.speed[i] + aD * (dx - state.speed[i]);
    const a = smoothingFactor(params.minCutoff + params.beta * Math.abs(edx), dt);
    value[i] = prev + a * (x[i] - prev);
    speed[i] = edx;
  }
  return { state: { value, speed, time }, out: Float32Array.from(value) };
}

/** Stateful convenience wrapper around oneEuroStep(). */
export class OneEuroFilter {
  readonly params: OneEuroParams;
  private state: OneEuroState | null = null;

  constructor(params: Partial<OneEuroParams> = {}) {
    this.params = oneEuroParams(params);
  }

  /** Filters one sample taken at `time` seconds. */
  filter(x: Float32Array, time: number): Float32Array {
    const { state, out } = oneEuroStep(this.state, x, time, this.params);
    this.state = state;
    return out;
  }

  /** Forgets the history (the next sample passes through), e.g. after the face was lost. */
  reset(): void {
    this.state = null;
  }
}
