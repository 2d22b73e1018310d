/**
 * PIPNet's neighbour tables, derived from the mean face exactly as PIPNet's get_meanface (lib/functions.py) does:
 *   for each landmark i: squared distances to every landmark, argsort ascending, neighbours = indices[1 : 1 + num_nb]
 *   reversed map: for every landmark k, the (i, j) pairs where k is the j-th neighbour of i
 *   max_len = the longest reversed list; each list is padded by repeating itself (PIPNet: lst += lst * 10;
 *   lst = lst[:max_len]) and the lists are flattened into reverse_index1 (i) and reverse_index2 (j).
 * Two deliberate, documented differences that only matter where PIPNet itself would fail:
 *   - ties in distance are broken by landmark index (a stable sort); numpy's default quicksort gives no such
 *     guarantee, but real mean faces have no ties;
 *   - padding repeats the list cyclically up to max_len, which equals PIPNet's "x 11" trick whenever that trick
 *     reaches max_len (PIPNet would produce a ragged table otherwise).
 * A landmark that is nobody's neighbour has nothing to average with, and PIPNet's table cannot represent it: rejected.
 */
import { LandmarkerError } from '../errors';
import type { NativePipnetParams } from '../native/addon';
import type { ModelContract } from './types';

export interface NeighbourTables {
  /** [landmarks][neighbors]: the neighbours each landmark predicts (PIPNet's meanface_indices). */
  neighbours: number[][];
  /** landmarks * maxLen: which landmark predicts this one (reverse_index1). */
  reverseIndex1: Int32Array;
  /** landmarks * maxLen: as which of its neighbours (reverse_index2). */
  reverseIndex2: Int32Array;
  maxLen: number;
}

/** meanFace: flattened x,y pairs. */
export function neighbourTables(meanFace: ArrayLike<number>, neighbors: number): NeighbourTables {
  const n = meanFace.length / 2;
  if (!Number.isInteger(n) || n < 2) {
    throw new LandmarkerError('ERR_CONTRACT_INVALID', `pipnet.meanFace: expected an even number of values >= 4 but received ${meanFace.length}`);
  }
  if (!Number.isInteger(neighbors) || neighbors < 1 || neighbors >= n) {
    throw new LandmarkerError('ERR_CONTRACT_INVALID', `pipnet.neighbors: expected an integer from 1 to ${n - 1} but received ${neighbors}`);
  }
  const neighbours: number[][] = [];
  for (let i = 0; i < n; i++) {
    const xi = meanFace[2 * i];
    const yi = meanFace[2 * i + 1];
    const d = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      const dx = xi - meanFace[2 * k];
      const dy = yi - meanFace[2 * k + 1];
      d[k] = dx * dx + dy * dy;
    }
    // Array.prototype.sort is stable (ES2019): equal distances keep index order.
    const order = Array.from({ length: n }, (_, k) => k).sort((a, b) => d[a] - d[b]);
    neighbours.push(order.slice(1, 1 + neighbors));
  }
  const rev1: number[][] = Array.from({ length: n }, () => []);
  const rev2: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < neighbors; j++) {
      rev1[neighbours[i][j]].push(i);
      rev2[neighbours[i][j]].push(j);
    }
  }
  let maxLen = 0;
  for (let k = 0; k < n; k++) maxLen = Math.max(maxLen, rev1[k].length);
  const reverseIndex1 = new Int32Array(n * maxLen);
  const reverseIndex2 = new Int32Array(n * maxLen);
  for (let k = 0; k < n; k++) {
    const len = rev1[k].length;
    if (len === 0) {
      throw new LandmarkerError(
        'ERR_CONTRACT_INVALID',
        `pipnet.meanFace: landmark ${k} is not among the ${neighbors} nearest neighbours of any other landmark, so PIPNet's decoding has no neighbour predictions to average for it`,
      );
    }
    for (let m = 0; m < maxLen; m++) {
      reverseIndex1[k * maxLen + m] = rev1[k][m % len];
      reverseIndex2[k * maxLen + m] = rev2[k][m % len];
    }
  }
  return { neighbours, reverseIndex1, reverseIndex2, maxLen };
}

/** The addon's decoding parameters for a validated PIPNet contract. */
export function pipnetParams(contract: ModelContract): NativePipnetParams {
  const p = contract.pipnet;
  if (!p) throw new LandmarkerError('ERR_INTERNAL', 'pipnetParams() called for a non-PIPNet contract');
  const t = neighbourTables(p.meanFace, p.neighbors);
  return {
    landmarks: contract.landmarks,
    neighbors: p.neighbors,
    gridWidth: contract.input.width / p.stride,
    gridHeight: contract.input.height / p.stride,
    reverseIndex1: t.reverseIndex1,
    reverseIndex2: t.reverseIndex2,
    maxLen: t.maxLen,
  };
}
