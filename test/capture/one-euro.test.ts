import { DEFAULT_ONE_EURO, OneEuroFilter, oneEuroParams, oneEuroStep, smoothingFactor } from '../../src/capture/one-euro';

const P = oneEuroParams();

describe('One-Euro filter', () => {
  test('smoothingFactor follows alpha = 1 / (1 + tau / dt), tau = 1 / (2 pi fc)', () => {
    const tau = 1 / (2 * Math.PI * 1);
    expect(smoothingFactor(1, 1 / 30)).toBeCloseTo(1 / (1 + tau * 30), 12);
    expect(smoothingFactor(1e6, 1 / 30)).toBeGreaterThan(0.999);
    expect(smoothingFactor(1e-6, 1 / 30)).toBeLessThan(1e-6);
  });

  test('the first sample passes through and the state starts at rest', () => {
    const x = new Float32Array([10, 20, 30]);
    const { state, out } = oneEuroStep(null, x, 5, P);
    expect([...out]).toEqual([10, 20, 30]);
    expect([...state.speed]).toEqual([0, 0, 0]);
    expect(state.time).toBe(5);
  });

  test('is pure: neither the input nor the previous state changes', () => {
    const a = oneEuroStep(null, new Float32Array([0, 0]), 0, P);
    const before = { value: [...a.state.value], speed: [...a.state.speed], time: a.state.time };
    const x = new Float32Array([5, -5]);
    const b1 = oneEuroStep(a.state, x, 0.1, P);
    const b2 = oneEuroStep(a.state, x, 0.1, P);
    expect({ value: [...a.state.value], speed: [...a.state.speed], time: a.state.time }).toEqual(before);
    expect([...x]).toEqual([5, -5]);
    expect([...b1.out]).toEqual([...b2.out]);
  });

  test('a constant signal stays constant', () => {
    const f = new OneEuroFilter();
    let out: Float32Array = new Float32Array();
    for (let i = 0; i < 50; i++) out = f.filter(new Float32Array([123.5, -7]), i / 30);
    expect(out[0]).toBeCloseTo(123.5, 4);
    expect(out[1]).toBeCloseTo(-7, 4);
  });

  test('one step equals the closed form with beta = 0 (plain low-pass at minCutoff)', () => {
    const params = oneEuroParams({ minCutoff: 2, beta: 0 });
    const s0 = oneEuroStep(null, new Float32Array([0]), 0, params).state;
    const { out } = oneEuroStep(s0, new Float32Array([10]), 0.05, params);
    expect(out[0]).toBeCloseTo(10 * smoothingFactor(2, 0.05), 5);
  });

  test('one step with beta > 0: the speed is low-passed at dCutoff, and the cutoff rises with it (worked by hand)', () => {
    // x: 0 at t = 0, then 10 at t = 0.05 -> raw speed 200 px/s.
    // Speed filter at dCutoff 3:   aD = 1 / (1 + 1 / (2 pi 3 0.05)) = 0.48519...; edx = 200 aD = 97.039...
    // Cutoff 1 + 0.1 * 97.039 = 10.7039 Hz: a = 1 / (1 + 1 / (2 pi 10.7039 0.05)) = 0.77079...; out = 10 a.
    const alpha = (fc: number, dt: number) => 1 / (1 + 1 / (2 * Math.PI * fc * dt));
    const aD = alpha(3, 0.05);
    const out = 10 * alpha(1 + 0.1 * 200 * aD, 0.05);
    const params = oneEuroParams({ minCutoff: 1, beta: 0.1, dCutoff: 3 });
    const s0 = oneEuroStep(null, new Float32Array([0]), 0, params).state;
    const step = oneEuroStep(s0, new Float32Array([10]), 0.05, params);
    expect(step.state.speed[0]).toBeCloseTo(200 * aD, 3);
    expect(step.out[0]).toBeCloseTo(out, 4);
    expect(out).toBeCloseTo(7.7079, 3);
  });

  test('a step is approached monotonically without overshoot', () => {
    const f = new OneEuroFilter();
    f.filter(new Float32Array([0]), 0);
    let prev = 0;
    for (let i = 1; i <= 60; i++) {
      const v = f.filter(new Float32Array([100]), i / 30)[0];
      expect(v).toBeGreaterThanOrEqual(prev);
      expect(v).toBeLessThanOrEqual(100);
      prev = v;
    }
    expect(prev).toBeGreaterThan(95);
  });

  test('jitter is reduced and higher beta means less lag on a fast move', () => {
    let seed = 7;
    const noise = () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 4;
    const still = new OneEuroFilter();
    const outs: number[] = [];
    const ins: number[] = [];
    for (let i = 0; i < 120; i++) {
      const x = 50 + noise();
      ins.push(x);
      outs.push(still.filter(new Float32Array([x]), i / 30)[0]);
    }
    const sd = (v: number[]) => {
      const m = v.reduce((a, b) => a + b, 0) / v.length;
      return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length);
    };
    expect(sd(outs.slice(30))).toBeLessThan(sd(ins.slice(30)) / 2);

    const lag = (beta: number) => {
      const f = new OneEuroFilter({ beta });
      let out = 0;
      for (let i = 0; i <= 15; i++) out = f.filter(new Float32Array([i * 20]), i / 30)[0]; // 600 px/s ramp
      return 15 * 20 - out;
    };
    expect(lag(0.1)).toBeLessThan(lag(0) / 2);
  });

  test('a sample not later than the previous one returns the previous output unchanged', () => {
    const s0 = oneEuroStep(null, new Float32Array([1]), 1, P).state;
    const s1 = oneEuroStep(s0, new Float32Array([9]), 1.1, P);
    const same = oneEuroStep(s1.state, new Float32Array([500]), 1.1, P);
    expect(same.out[0]).toBe(s1.out[0]);
    expect(same.state).toBe(s1.state);
  });

  test('reset() makes the next sample pass through', () => {
    const f = new OneEuroFilter();
    f.filter(new Float32Array([0]), 0);
    f.reset();
    expect(f.filter(new Float32Array([42]), 0.1)[0]).toBe(42);
  });

  test('a sample of another length is rejected', () => {
    const s0 = oneEuroStep(null, new Float32Array([1, 2]), 0, P).state;
    expect(() => oneEuroStep(s0, new Float32Array([1, 2, 3]), 1, P)).toThrow(
      expect.objectContaining({ code: 'ERR_OUT_OF_RANGE', message: 'Expected Float32Array of length 2 for `x` but received Float32Array of length 3' }),
    );
  });

  test('defaults and parameter validation', () => {
    expect(oneEuroParams()).toEqual({ minCutoff: 1, beta: 0.02, dCutoff: 1 });
    expect(new OneEuroFilter({ beta: 0.5 }).params).toEqual({ ...DEFAULT_ONE_EURO, beta: 0.5 });
    expect(() => oneEuroParams({ minCutoff: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_OUT_OF_RANGE', message: 'Expected positive finite number for `minCutoff` but received 0' }),
    );
    expect(() => oneEuroParams({ beta: -1 })).toThrow(
      expect.objectContaining({ code: 'ERR_OUT_OF_RANGE', message: 'Expected non-negative finite number for `beta` but received -1' }),
    );
    expect(() => oneEuroParams({ dCutoff: '1' as unknown as number })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE', message: 'Expected positive number for `dCutoff` but received "1"' }),
    );
  });
});
