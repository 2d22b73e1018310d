#!/usr/bin/env node
/*
 * CI's closing summary: which tiers and steps ran, what was skipped and why, and as its last line the totals of
 * every jest run in the plain form "jest: N passed, N failed, N skipped".
 *
 *   node .ci/summary.js <steps file> <directory of jest summaries (*.json, from test/summary-reporter.js)>
 *
 * The steps file has one line per step: "ok   ...", "FAIL ...", "skip ...". With CI=true a test that skipped for
 * a missing prerequisite (its reason names python/torch, ffmpeg, chromium, redis or ../shared) is a failure too.
 * Exit 1 when anything failed. TRTL_CI_ELAPSED (seconds) is printed with the result.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const [stepsFile, summaryDir] = process.argv.slice(2);
const steps = fs.existsSync(stepsFile) ? fs.readFileSync(stepsFile, 'utf8').split('\n').filter(Boolean) : [];
const runs = [];
for (const f of fs.existsSync(summaryDir) ? fs.readdirSync(summaryDir).sort() : []) {
  if (!f.endsWith('.json')) continue;
  try {
    runs.push({ name: f.replace(/\.json$/, ''), ...JSON.parse(fs.readFileSync(path.join(summaryDir, f), 'utf8')) });
  } catch (err) {
    steps.push(`FAIL jest summary ${f} unreadable: ${err.message}`);
  }
}

console.log('\n==== CI summary ====');
console.log('Tiers and steps:');
for (const s of steps) console.log(`  ${s}`);
console.log('Jest runs:');
for (const r of runs) console.log(`  ${r.name}: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped`);
const skips = runs.flatMap((r) => r.skips.map((s) => ({ ...s, run: r.name })));
console.log(skips.length ? 'Skipped tests and why:' : 'Skipped tests: none');
for (const s of skips) {
  const why = s.reasons.length ? s.reasons.join(' | ') : 'no reason printed';
  console.log(`  [${s.run}] ${s.file}: ${s.skipped} skipped: ${why}`);
}
const PREREQUISITE = /python|torch|ffmpeg|chromium|redis|\.\.\/shared/i;
const prereqSkips = process.env.CI === 'true' ? skips.filter((s) => s.reasons.some((r) => PREREQUISITE.test(r))) : [];
for (const s of prereqSkips) console.log(`  FAIL [${s.run}] ${s.file} skipped for a missing prerequisite (CI=true)`);
const failedSteps = steps.filter((s) => s.startsWith('FAIL'));
const total = runs.reduce((t, r) => ({ passed: t.passed + r.passed, failed: t.failed + r.failed, skipped: t.skipped + r.skipped }), {
  passed: 0,
  failed: 0,
  skipped: 0,
});
const failed = failedSteps.length > 0 || prereqSkips.length > 0 || total.failed > 0;
const elapsed = process.env.TRTL_CI_ELAPSED ? ` in ${process.env.TRTL_CI_ELAPSED} s` : '';
console.log(`Result: ${failed ? 'FAILED' : 'PASSED'}${elapsed} (${failedSteps.length} failed steps, ${prereqSkips.length} prerequisite skips)`);
console.log(`jest: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exitCode = failed ? 1 : 0;
