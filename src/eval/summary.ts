/** Aggregates per-sample results into the numbers of the report: overall, per subset, per 300W split, per landmark. */
import { SPLITS_300W } from './datasets';
import { auc, failureRate, mean, median, perLandmarkMean } from './metrics';
import type { SampleResult } from './runner';

/** Every value in percent (NME x 100, failure rate in % of samples, AUC x 100). */
export interface GroupMetrics {
  count: number;
  nmePct: number;
  medianNmePct: number;
  /** Reference-report variant (squared distances), x 100. Not comparable with the literature's NME. */
  nmeSquaredPct: number;
  failureRate8Pct: number;
  failureRate10Pct: number;
  auc8Pct: number;
  auc10Pct: number;
}

const pct = (v: number) => v * 100;

export function groupMetrics(samples: SampleResult[]): GroupMetrics {
  const nmes = samples.map((s) => s.nme);
  return {
    count: samples.length,
    nmePct: pct(mean(nmes)),
    medianNmePct: pct(median(nmes)),
    nmeSquaredPct: pct(mean(samples.map((s) => s.nmeSquared))),
    failureRate8Pct: pct(failureRate(nmes, 0.08)),
    failureRate10Pct: pct(failureRate(nmes, 0.1)),
    auc8Pct: pct(auc(nmes, 0.08)),
    auc10Pct: pct(auc(nmes, 0.1)),
  };
}

/**
 * Groups: 'all', each subset present, and each 300W split (common, challenge, full, private) whose subsets are all
 * present and which differs from 'all' or a single subset.
 */
export function groupSamples(samples: SampleResult[]): Map<string, SampleResult[]> {
  const groups = new Map<string, SampleResult[]>([['all', samples]]);
  const subsets = [...new Set(samples.map((s) => s.subset))].sort();
  if (subsets.length > 1) for (const name of subsets) groups.set(name, samples.filter((s) => s.subset === name));
  for (const [split, members] of Object.entries(SPLITS_300W)) {
    if (members.length < 2 || !members.every((m) => subsets.includes(m))) continue;
    const chosen = samples.filter((s) => members.includes(s.subset));
    if (chosen.length !== samples.length) groups.set(split, chosen);
  }
  return groups;
}

export function summarize(samples: SampleResult[]): Record<string, GroupMetrics> {
  const out: Record<string, GroupMetrics> = {};
  for (const [name, members] of groupSamples(samples)) out[name] = groupMetrics(members);
  return out;
}

/** Mean normalised error per landmark, in %. */
export function perLandmarkPct(samples: SampleResult[], scored: number): number[] {
  return Array.from(
    perLandmarkMean(
      samples.map((s) => s.errors),
      samples.map((s) => s.d),
      scored,
    ),
    (v) => v * 100,
  );
}

/** Samples sorted by NME, best first. */
export function ranked(samples: SampleResult[]): SampleResult[] {
  return [...samples].sort((a, b) => a.nme - b.nme || (a.id < b.id ? -1 : 1));
}
