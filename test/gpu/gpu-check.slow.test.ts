/**
 * native/test/gpu-check.sh builds kernel_check with nvcc: machine code for the listed architectures plus PTX, so a
 * GPU outside the list still runs it (the driver compiles the PTX). Here (no GPU) the build must succeed, carry
 * PTX, and the run must end with 77 "no CUDA device"; on a GPU machine the kernel checks must pass (0).
 * Slow tier: nvcc takes a minute or two.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gpuDescribe, REQUIRE_GPU, tempDir } from './helpers';

const ROOT = join(__dirname, '..', '..');
const nvcc = spawnSync('nvcc', ['--version']).status === 0;

gpuDescribe('gpu-check.sh (nvcc)', nvcc ? [] : ['nvcc on PATH'], () => {
  test('builds SASS + PTX and runs the kernel checks (77 without a GPU)', () => {
    const t = tempDir('trtl-gpu-check-');
    try {
      const r = spawnSync('bash', [join(ROOT, 'native/test/gpu-check.sh')], {
        encoding: 'utf8',
        env: { ...process.env, CUDA_ARCHS: '75', BUILD_DIR: t.dir },
        timeout: 15 * 60_000,
      });
      const out = r.stdout + r.stderr;
      expect(out).toMatch(/building kernel_check for -gencode=arch=compute_75,code=sm_75 -gencode=arch=compute_75,code=compute_75/);
      // PTX is stored as text in the fat binary: its header names the target.
      expect(readFileSync(join(t.dir, 'kernel_check')).includes(Buffer.from('.target sm_75'))).toBe(true);
      if (REQUIRE_GPU) {
        expect(out).toMatch(/PASSED: (\d+) of \1 checks passed/);
        expect(r.status).toBe(0);
      } else {
        expect([0, 77]).toContain(r.status);
        if (r.status === 77) expect(out).toMatch(/kernel_check: no CUDA device: /);
      }
    } finally {
      t.cleanup();
    }
  });
});
