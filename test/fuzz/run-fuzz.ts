/**
 * Runs the fuzz child (fuzz-child.ts) and checks its verdict: no crash (signal), no hang (watchdog exit 4 or the
 * parent's timeout), no bad outcome (uncoded error, non-finite result, CLI exit 3), every class run. Prints the
 * counts per error code of each class.
 */
import { join } from 'node:path';
import { describeExit, runChild } from '../reliability/child';

export const CLASSES = ['images', 'frames', 'boxes', 'contracts', 'onnx', 'cli'] as const;

export interface ClassSummary {
  cls: string;
  seed: number;
  inputs: number;
  ms: number;
  counts: Record<string, number>;
  bad: Array<{ index: number; outcome: string; detail: string }>;
}

export async function fuzz(classes: readonly string[], count: number, seed: number, budgetMs: number): Promise<ClassSummary[]> {
  const timeout = classes.length * budgetMs + 120_000;
  const r = await runChild(join(__dirname, 'fuzz-child.ts'), [classes.join(','), String(count), String(seed), String(budgetMs)], timeout);
  const lines = r.stdout.trim().split('\n').filter((l) => l.startsWith('{'));
  const parsed = lines.map((l) => JSON.parse(l) as ClassSummary & { hang?: string });
  const hang = parsed.find((p) => p.hang);
  if (hang) throw new Error(`fuzz ${hang.cls} (seed ${seed}) hung on input ${(hang as { index?: number }).index}: ${hang.hang}`);
  if (r.code !== 0) throw new Error(`fuzz child failed (a crash is a signal): ${describeExit(r)}`);
  for (const p of parsed) console.log(`fuzz ${p.cls}: ${p.inputs} inputs in ${p.ms} ms, ${JSON.stringify(p.counts)}`);
  return parsed;
}
