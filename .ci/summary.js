#!/usr/bin/env node
/*
 * CI's closing summary: which tiers and steps ran, what was skipped and why, and as its last line the totals of
 * every jest run in the plain form "jest: N passed, N failed, N skipped".
 *
 *   node .ci/summary.js <steps file> <directory of jest summaries (*.json, from test/summary-reporter.js)>
 *
 * The steps file has one line per step: "ok   ...", "FAIL ...", "skip ...".
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
const total = runs.reduce((t, r) => ({ passed: t.passed + r.passed, failed: t.failed + r.failed, skipped: t.skipped + r.skipped }), {
  passed: 0,
  failed: 0,
  skipped: 0,
});
console.log(`jest: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
