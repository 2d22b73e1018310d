/**
 * scripts/verify-gpu.js (npm run verify:gpu): on a machine without an NVIDIA GPU it must stop at once and say
 * "no GPU" (exit 1, a report saying it did not run), never pass; with --dry-run on a GPU machine it lists its steps.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './helpers';

const ROOT = join(__dirname, '..', '..');
const gpu = spawnSync('nvidia-smi', ['-L'], { encoding: 'utf8' }).status === 0;

describe('verify:gpu', () => {
  test(gpu ? '--dry-run lists the steps on this GPU machine' : 'fails clearly with "no GPU" here, and its report says it did not run', () => {
    const t = tempDir('trtl-verify-');
    try {
      const r = spawnSync(process.execPath, [join(ROOT, 'scripts/verify-gpu.js'), '--dry-run', '--out', t.dir], { encoding: 'utf8' });
      expect(r.stdout).toMatch(/kernel checks vs the CPU reference: native\/test\/gpu-check\.sh/);
      expect(r.stdout).toMatch(/TRT_LANDMARKER_REQUIRE_GPU=1 npx jest -c jest\.all\.config\.js test\/gpu/);
      if (gpu) {
        expect(r.status).toBe(0);
      } else {
        expect(r.status).toBe(1);
        expect(r.stderr).toMatch(/^verify:gpu: no GPU: /);
        const report = join(t.dir, 'verify-gpu-report.md');
        expect(existsSync(report)).toBe(true);
        expect(readFileSync(report, 'utf8')).toMatch(/NOT RUN, no GPU: /);
      }
    } finally {
      t.cleanup();
    }
  });
});
