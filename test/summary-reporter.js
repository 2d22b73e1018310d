/**
 * Prints one plain closing line, "jest: N passed, N failed, N skipped", after jest's own summary, so that tools
 * reading test logs (CI) find the counts without parsing jest's layout.
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    process.stdout.write(`\njest: ${results.numPassedTests} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
module.exports = SummaryReporter;
