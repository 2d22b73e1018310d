/**
 * The kernel checks can fail: native/test/mutation_check.cc (host C++, no GPU) runs kernel_check's comparisons
 * (native/test/check_compare.h) with the CPU reference standing in for the kernels. Unmutated output must pass;
 * output damaged the way `kernel_check --mutate` damages GPU output (NaN written, a value just outside the tolerance,
 * a batch item skipped, a NaN turned into a number) and mutated CPU references (channel order, half-pixel shift,
 * a reverse-index entry, an argmax that ignores NaN, pixel layout) must be caught. PIPNet and regression run at
 * batch 256 (maxBatch's limit), PIPNet with FP16 heads holding NaN (NaN scores).
 * Slow tier: compiling the CPU core takes several seconds.
 */
import { buildAndRun, gpuDescribe, HOST_CXX_MISSING } from './helpers';

gpuDescribe('kernel check comparisons catch mutations (host)', HOST_CXX_MISSING, () => {
  test('mutation_check: the reference passes, every mutation is caught', () => {
    const sources = ['native/test/mutation_check.cc', 'native/core/preprocess.cc', 'native/core/pipnet_decode.cc', 'native/core/regression_decode.cc'];
    const { build, run } = buildAndRun(sources, '-O1');
    expect(build).toEqual({ status: 0, stderr: '' });
    const lines = run.stdout.split('\n');
    expect(lines.filter((l) => /^(MISSED|FAILS)/.test(l))).toEqual([]);
    // Every kind of damage is exercised on every decoder, and the NaN scores exist in the reference.
    for (const kind of ['nan', 'offset', 'drop-last', 'nan-to-value']) {
      for (const what of ['preprocess: kernel output', 'pipnet b256: kernel points', 'pipnet b256: kernel scores', 'regression b256: kernel points']) {
        expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^caught  ${what} mutated \\(${kind}\\)`)));
      }
    }
    expect(run.stdout).toMatch(/pipnet: batch 256, FP16 heads, [1-9]\d* NaN scores in the reference/);
    expect(run.stdout).toMatch(/^PASSED: (\d+) of \1 expectations held$/m);
    expect(run.status).toBe(0);
  });
});
