import { BuildProgressTracker } from '../../src/tensorrt/progress';
import type { BuildProgress } from '../../src/types';

describe('BuildProgressTracker', () => {
  test('nested phases combine into one monotonic fraction that reaches 1', () => {
    const seen: BuildProgress[] = [];
    const t = new BuildProgressTracker((p) => seen.push(p));
    t.handle({ kind: 'start', phase: 'Build', steps: 2 });
    t.handle({ kind: 'start', phase: 'Tactics', parent: 'Build', steps: 4 });
    t.handle({ kind: 'step', phase: 'Tactics', step: 0 });
    expect(t.fraction()).toBeCloseTo(0.125); // (0 + 1/4) / 2
    expect(t.current()).toBe('Build > Tactics');
    t.handle({ kind: 'step', phase: 'Tactics', step: 3 });
    t.handle({ kind: 'finish', phase: 'Tactics' });
    t.handle({ kind: 'step', phase: 'Build', step: 0 });
    expect(t.fraction()).toBeCloseTo(0.5);
    t.handle({ kind: 'start', phase: 'Serialize', parent: 'Build', steps: 1 });
    t.handle({ kind: 'finish', phase: 'Serialize' });
    t.handle({ kind: 'step', phase: 'Build', step: 1 });
    t.handle({ kind: 'finish', phase: 'Build' });
    expect(t.fraction()).toBe(1);
    const fr = seen.map((p) => p.fraction);
    for (let i = 1; i < fr.length; i++) expect(fr[i]).toBeGreaterThanOrEqual(fr[i - 1]);
  });

  test('a second top-level phase does not move the bar back; log events and unknown phases are ignored', () => {
    const t = new BuildProgressTracker();
    t.handle({ kind: 'start', phase: 'A', steps: 2 });
    t.handle({ kind: 'step', phase: 'A', step: 0 });
    expect(t.fraction()).toBeCloseTo(0.5);
    t.handle({ kind: 'start', phase: 'B', steps: 10 });
    expect(t.fraction()).toBeCloseTo(0.5);
    expect(t.handle({ kind: 'log', severity: 'warning', message: 'w' })).toBeUndefined();
    t.handle({ kind: 'step', phase: 'nope', step: 5 });
    expect(t.current()).toBe('B');
  });
});
