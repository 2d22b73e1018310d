/** PIPNet neighbour tables from the mean face, against hand-computed cases and PIPNet's own get_meanface. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { neighbourTables, pipnetParams } from '../../src/contract/pipnet';
import { validateContract } from '../../src/contract/validate';
import { pipnetContract, rand } from './helpers/onnx-builder';

/** Points on a horizontal line at the given x positions (y = 0.5). */
const line = (xs: number[]) => xs.flatMap((x) => [x, 0.5]);

describe('neighbourTables', () => {
  test('5 points x = 0, 1, 3, 7, 8 with 2 neighbours (worked by hand)', () => {
    // Distances from each point, sorted: 0 -> [1, 2]; 1 -> [0, 2]; 3 -> [1, 0]; 7 -> [4, 2]; 8 -> [3, 2].
    // Reversed: 0 <- (1,0) (2,1); 1 <- (0,0) (2,0); 2 <- (0,1) (1,1) (3,1) (4,1); 3 <- (4,0); 4 <- (3,0).
    // max_len 4; padding repeats each list.
    const t = neighbourTables(line([0, 1, 3, 7, 8]), 2);
    expect(t.neighbours).toEqual([[1, 2], [0, 2], [1, 0], [4, 2], [3, 2]]);
    expect(t.maxLen).toBe(4);
    expect(Array.from(t.reverseIndex1)).toEqual([1, 2, 1, 2, 0, 2, 0, 2, 0, 1, 3, 4, 4, 4, 4, 4, 3, 3, 3, 3]);
    expect(Array.from(t.reverseIndex2)).toEqual([0, 1, 0, 1, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  test('ties in distance go to the lower index (x = 0, 1, 2, 3, 2 neighbours)', () => {
    // Point 1 is equally far from 0 and 2: 0 first; point 2 equally far from 1 and 3: 1 first.
    const t = neighbourTables(line([0, 1, 2, 3]), 2);
    expect(t.neighbours).toEqual([[1, 2], [0, 2], [1, 3], [2, 1]]);
    // Reversed: 0 <- (1,0); 1 <- (0,0) (2,0) (3,1); 2 <- (0,1) (1,1) (3,0); 3 <- (2,1). max_len 3.
    expect(t.maxLen).toBe(3);
    expect(Array.from(t.reverseIndex1)).toEqual([1, 1, 1, 0, 2, 3, 0, 1, 3, 2, 2, 2]);
    expect(Array.from(t.reverseIndex2)).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 0, 1, 1, 1]);
  });

  test('uses squared Euclidean distance in 2-D', () => {
    // From (0,0): (0.3,0.3) is nearer than (0.5,0) in L2 (0.18 < 0.25 squared) but not in L1 (0.6 > 0.5).
    const t = neighbourTables([0, 0, 0.3, 0.3, 0.5, 0], 2);
    expect(t.neighbours).toEqual([[1, 2], [2, 0], [1, 0]]);
  });

  test('rejects a landmark nobody predicts, and bad sizes', () => {
    expect(() => neighbourTables(line([0, 1, 3]), 1)).toThrow(
      "pipnet.meanFace: landmark 2 is not among the 1 nearest neighbours of any other landmark, so PIPNet's decoding has no neighbour predictions to average for it",
    );
    expect(() => neighbourTables([0, 0, 1], 1)).toThrow('pipnet.meanFace: expected an even number of values >= 4 but received 3');
    expect(() => neighbourTables(line([0, 1]), 2)).toThrow('pipnet.neighbors: expected an integer from 1 to 1 but received 2');
  });

  test('pipnetParams: grid from input size / stride, tables of landmarks x maxLen', () => {
    const c = validateContract(pipnetContract(256, 68, 10, 32), 'test');
    const p = pipnetParams(c);
    expect(p).toMatchObject({ landmarks: 68, neighbors: 10, gridWidth: 8, gridHeight: 8 });
    expect(p.reverseIndex1.length).toBe(68 * p.maxLen);
    expect(p.reverseIndex2.length).toBe(68 * p.maxLen);
    // Every entry (i, j) says: landmark k is the j-th neighbour of landmark i.
    const t = neighbourTables(c.pipnet!.meanFace, 10);
    for (let k = 0; k < 68; k++) {
      for (let m = 0; m < p.maxLen; m++) {
        const i = p.reverseIndex1[k * p.maxLen + m];
        const j = p.reverseIndex2[k * p.maxLen + m];
        expect(t.neighbours[i][j]).toBe(k);
      }
    }
  });
});

// PIPNet's get_meanface (lib/functions.py), verbatim apart from reading the mean face from argv.
const PIPNET_GET_MEANFACE = `
import sys, json
import numpy as np
def get_meanface(meanface_file, num_nb):
    with open(meanface_file) as f:
        meanface = f.readlines()[0]
    meanface = meanface.strip().split()
    meanface = [float(x) for x in meanface]
    meanface = np.array(meanface).reshape(-1, 2)
    meanface_indices = []
    for i in range(meanface.shape[0]):
        pt = meanface[i,:]
        dists = np.sum(np.power(pt-meanface, 2), axis=1)
        indices = np.argsort(dists)
        meanface_indices.append(indices[1:1+num_nb])
    meanface_indices_reversed = {}
    for i in range(meanface.shape[0]):
        meanface_indices_reversed[i] = [[],[]]
    for i in range(meanface.shape[0]):
        for j in range(num_nb):
            meanface_indices_reversed[meanface_indices[i][j]][0].append(i)
            meanface_indices_reversed[meanface_indices[i][j]][1].append(j)
    max_len = 0
    for i in range(meanface.shape[0]):
        tmp_len = len(meanface_indices_reversed[i][0])
        if tmp_len > max_len:
            max_len = tmp_len
    for i in range(meanface.shape[0]):
        tmp_len = len(meanface_indices_reversed[i][0])
        meanface_indices_reversed[i][0] += meanface_indices_reversed[i][0]*10
        meanface_indices_reversed[i][1] += meanface_indices_reversed[i][1]*10
        meanface_indices_reversed[i][0] = meanface_indices_reversed[i][0][:max_len]
        meanface_indices_reversed[i][1] = meanface_indices_reversed[i][1][:max_len]
    reverse_index1 = []
    reverse_index2 = []
    for i in range(meanface.shape[0]):
        reverse_index1 += meanface_indices_reversed[i][0]
        reverse_index2 += meanface_indices_reversed[i][1]
    return meanface_indices, reverse_index1, reverse_index2, max_len
idx, r1, r2, ml = get_meanface(sys.argv[1], int(sys.argv[2]))
print(json.dumps({'nb': [[int(v) for v in a] for a in idx], 'r1': [int(v) for v in r1], 'r2': [int(v) for v in r2], 'maxLen': ml}))
`;

function pythonWithNumpy(): string | null {
  for (const py of [process.env.TRT_LANDMARKER_PYTHON, '/usr/bin/python3', 'python3']) {
    if (!py) continue;
    const r = spawnSync(py, ['-c', 'import numpy'], { encoding: 'utf8' });
    if (r.status === 0) return py;
  }
  return null;
}

const py = pythonWithNumpy();
const withPython = py ? describe : describe.skip;
if (!py) console.warn('pipnet.test.ts: skipping the comparison with PIPNet get_meanface: no python3 with numpy');

withPython('neighbourTables equals PIPNet get_meanface (python + numpy)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pipnet-mf-'));
  test.each([
    [68, 10, 1],
    [70, 10, 2],
    [68, 4, 3],
  ])('%i random points, %i neighbours (seed %i)', (L, nb, seed) => {
    const mf = Array.from(rand(2 * L, seed), (v) => (v + 1) / 2);
    const file = join(dir, `mf-${L}-${nb}-${seed}.txt`);
    // repr-exact floats so Python sees the same numbers.
    writeFileSync(file, mf.map((v) => v.toPrecision(17)).join(' ') + '\n');
    const r = spawnSync(py!, ['-c', PIPNET_GET_MEANFACE, file, String(nb)], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const ref = JSON.parse(r.stdout) as { nb: number[][]; r1: number[]; r2: number[]; maxLen: number };
    const t = neighbourTables(mf, nb);
    expect(t.neighbours).toEqual(ref.nb);
    expect(t.maxLen).toBe(ref.maxLen);
    expect(Array.from(t.reverseIndex1)).toEqual(ref.r1);
    expect(Array.from(t.reverseIndex2)).toEqual(ref.r2);
  });
});
