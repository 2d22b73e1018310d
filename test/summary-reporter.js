/**
 * Prints one plain closing line, "jest: N passed, N failed, N skipped", after jest's own summary, so that tools
 * reading test logs (CI) find the counts without parsing jest's layout.
 *
 * With TRTL_TEST_SUMMARY=<file> set (.ci/run sets it) it also writes the counts and every skip as JSON: per test
 * file, how many tests were skipped and the reasons the file printed (console lines that mention "skip"; the
 * house rule is that a test which skips says why in one line). .ci/summary.js turns these into CI's closing summary.
 */
const fs = require('node:fs');
const path = require('node:path');

class SummaryReporter {
  constructor(globalConfig) {
    this.rootDir = (globalConfig && globalConfig.rootDir) || process.cwd();
    this.skips = [];
  }

  onTestResult(_test, result) {
    const reasons = [
      ...new Set(
        (result.console || [])
          .map((entry) => String(entry.message).split('\n')[0])
          .filter((line) => /skip/i.test(line)),
      ),
    ];
    const skipped = result.numPendingTests + result.numTodoTests;
    if (skipped > 0 || reasons.length > 0) {
      this.skips.push({ file: path.relative(this.rootDir, result.testFilePath), skipped, reasons });
    }
  }

  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const out = process.env.TRTL_TEST_SUMMARY;
    if (out) {
      const summary = { passed: results.numPassedTests, failed, skipped, skips: this.skips };
      fs.writeFileSync(out, JSON.stringify(summary, null, 2) + '\n');
    }
    process.stdout.write(`\njest: ${results.numPassedTests} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
module.exports = SummaryReporter;
