/**
 * The GPU path's decisions (native/gpu/gpu_policy.h) on any machine: native/test/policy_check.cc is compiled with
 * the host C++ compiler (no CUDA, no TensorRT) and run. It covers CUDA minor-version compatibility, the TensorRT
 * minor-version policy, bad plan vs out of memory, profiles for fixed and dynamic batches, TF32, when a CUDA graph
 * may be replayed, and the library search order. The search's install directories must equal the variant
 * picker's (src/native/variants.ts), so that a TensorRT the picker counts is one the addon loads.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TENSORRT_LIB_DIRS } from '../../src/native/variants';
import { buildAndRun, gpuDescribe, HOST_CXX_MISSING } from './helpers';

const ROOT = join(__dirname, '..', '..');

gpuDescribe('GPU policy (native/gpu/gpu_policy.h)', HOST_CXX_MISSING, () => {
  test('policy_check passes every case', () => {
    const { build, run } = buildAndRun(['native/test/policy_check.cc']);
    expect(build).toEqual({ status: 0, stderr: '' });
    expect(run.stdout).toMatch(/^PASSED: (\d+) of \1 policy checks passed\n$/);
    expect(run.status).toBe(0);
  });

  test('the addon loader and the variant picker search the same TensorRT install directories', () => {
    const header = readFileSync(join(ROOT, 'native/gpu/gpu_policy.h'), 'utf8');
    const block = /kTensorRtLibDirs\[\] = \{([^}]*)\}/.exec(header);
    expect(block).not.toBeNull();
    const dirs = [...block![1].matchAll(/"([^"]+)"/g)].map((m) => m[1]);
    expect(dirs.length).toBeGreaterThan(0);
    expect([...TENSORRT_LIB_DIRS]).toEqual(dirs);
  });
});
