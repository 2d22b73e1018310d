/** decodePipnet: hand-built score maps with known answers, then random heads against a plain TS reference. */
import type { NativeCrop, NativePipnetParams } from '../../src/native/addon';
import { addon, maxRelDiff, rng } from './helpers';

interface Heads {
  cls: Float32Array;
  x: Float32Array;
  y: Float32Array;
  nbX: Float32Array;
  nbY: Float32Array;
}

/** Heads filled with values that would give visibly wrong answers if read at the wrong place. */
function garbageHeads(B: number, L: number, nb: number, h: number, w: number, seed = 7): Heads {
  const rand = rng(seed);
  const fill = (n: number, lo: number, hi: number) => Float32Array.from({ length: n }, () => lo + (hi - lo) * rand());
  return {
    cls: fill(B * L * h * w, -5, -1), // all below the peaks the tests plant (>= 0)
    x: fill(B * L * h * w, 50, 60),
    y: fill(B * L * h * w, 50, 60),
    nbX: fill(B * L * nb * h * w, 50, 60),
    nbY: fill(B * L * nb * h * w, 50, 60),
  };
}

/** Index of [b, channel, row, col] in an NCHW tensor with `channels` channels. */
const at = (channels: number, h: number, w: number, b: number, c: number, row: number, col: number) =>
  ((b * channels + c) * h + row) * w + col;

const unit: NativeCrop = { x: 0, y: 0, w: 1, h: 1 };

function params(L: number, nb: number, h: number, w: number, rev: [number, number][][]): NativePipnetParams {
  const maxLen = rev[0]?.length ?? 0;
  return {
    landmarks: L,
    neighbors: nb,
    gridWidth: w,
    gridHeight: h,
    maxLen,
    reverseIndex1: Int32Array.from(rev.flat().map((e) => e[0])),
    reverseIndex2: Int32Array.from(rev.flat().map((e) => e[1])),
  };
}

describe('decodePipnet: known answers', () => {
  test('non-square grid, floor row, last row, neighbour merge, crop mapping', () => {
    const [B, L, nb, h, w] = [1, 2, 1, 3, 4];
    const H = garbageHeads(B, L, nb, h, w);
    const set = (arr: Float32Array, ch: number, chans: number, row: number, col: number, v: number) => {
      arr[at(chans, h, w, 0, ch, row, col)] = v;
    };
    // Landmark 0 peaks at flat index 7 = row 1, col 3 (7 / 4 = 1.75: floor gives row 1, rounding would give 2).
    set(H.cls, 0, L, 1, 3, 0.9);
    set(H.x, 0, L, 1, 3, 0.25);
    set(H.y, 0, L, 1, 3, 0.5);
    set(H.nbX, 0, L * nb, 1, 3, -1); // landmark 0's neighbour 0 predicts ((3 - 1) / 4, (1 + 0.5) / 3) = (0.5, 0.5)
    set(H.nbY, 0, L * nb, 1, 3, 0.5);
    // Landmark 1 peaks at flat index 8 = row 2 (last row), col 0.
    set(H.cls, 1, L, 2, 0, 0.7);
    set(H.x, 1, L, 2, 0, 0.1);
    set(H.y, 1, L, 2, 0, -0.2);
    set(H.nbX, 1, L * nb, 2, 0, 2); // landmark 1's neighbour 0 predicts ((0 + 2) / 4, (2 - 1) / 3) = (0.5, 1/3)
    set(H.nbY, 1, L * nb, 2, 0, -1);
    // Landmark 0 is predicted by landmark 1 slot 0, landmark 1 by landmark 0 slot 0.
    const p = params(L, nb, h, w, [[[1, 0]], [[0, 0]]]);
    const crop = { x: 10, y: 20, w: 100, h: 60 };
    const out = addon.decodePipnet(H, B, [crop], p);

    const own0 = [(3 + 0.25) / 4, (1 + 0.5) / 3];
    const own1 = [(0 + 0.1) / 4, (2 - 0.2) / 3];
    const m0 = [(own0[0]! + 0.5) / 2, (own0[1]! + 1 / 3) / 2];
    const m1 = [(own1[0]! + 0.5) / 2, (own1[1]! + 0.5) / 2];
    const want = [10 + m0[0]! * 100, 20 + m0[1]! * 60, 10 + m1[0]! * 100, 20 + m1[1]! * 60];
    expect(out.points).toBeInstanceOf(Float32Array);
    expect(out.points.length).toBe(4);
    Array.from(out.points).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 4));
    expect(Array.from(out.scores!)).toEqual([Math.fround(0.9), Math.fround(0.7)]);
  });

  test('duplicated reverse entries count as many times as they appear (PIPNet padding)', () => {
    const [B, L, nb, h, w] = [1, 3, 2, 2, 2];
    const H = garbageHeads(B, L, nb, h, w, 11);
    // Every landmark peaks at row 0, col 0 with zero offsets: own = (0, 0).
    for (let i = 0; i < L; i++) {
      H.cls[at(L, h, w, 0, i, 0, 0)] = 1;
      H.x[at(L, h, w, 0, i, 0, 0)] = 0;
      H.y[at(L, h, w, 0, i, 0, 0)] = 0;
      for (let j = 0; j < nb; j++) {
        // Neighbour j of landmark i predicts (nbX / 2, nbY / 2) with distinct values per (i, j).
        H.nbX[at(L * nb, h, w, 0, i * nb + j, 0, 0)] = 0.2 * (i * nb + j + 1);
        H.nbY[at(L * nb, h, w, 0, i * nb + j, 0, 0)] = 0.1 * (i * nb + j + 1);
      }
    }
    const pred = (i: number, j: number) => [(0.2 * (i * nb + j + 1)) / 2, (0.1 * (i * nb + j + 1)) / 2];
    // maxLen 3: landmark 0 <- (1,0) twice and (2,1); landmark 1 <- (0,0), (2,0), (0,0); landmark 2 <- (0,1) x3.
    const rev: [number, number][][] = [
      [[1, 0], [1, 0], [2, 1]],
      [[0, 0], [2, 0], [0, 0]],
      [[0, 1], [0, 1], [0, 1]],
    ];
    const out = addon.decodePipnet(H, B, [unit], params(L, nb, h, w, rev));
    rev.forEach((entries, i) => {
      const xs = [0, ...entries.map(([a, b]) => pred(a, b)[0]!)];
      const ys = [0, ...entries.map(([a, b]) => pred(a, b)[1]!)];
      expect(out.points[i * 2]).toBeCloseTo(xs.reduce((s, v) => s + v, 0) / 4, 6);
      expect(out.points[i * 2 + 1]).toBeCloseTo(ys.reduce((s, v) => s + v, 0) / 4, 6);
    });
  });

  test('argmax ties take the first index; maxima on the last row and last column', () => {
    const [B, L, nb, h, w] = [1, 3, 1, 3, 5];
    const H = garbageHeads(B, L, nb, h, w, 3);
    H.x.fill(0);
    H.y.fill(0);
    H.nbX.fill(0);
    H.nbY.fill(0);
    // Landmark 0: a flat map (all equal) -> index 0.
    H.cls.fill(2, 0, h * w);
    // Landmark 1: equal peaks at flat 12 (row 2, col 2) and flat 4 (row 0, last col) -> 4.
    H.cls[at(L, h, w, 0, 1, 2, 2)] = 3;
    H.cls[at(L, h, w, 0, 1, 0, 4)] = 3;
    // Landmark 2: the very last cell (row 2, col 4).
    H.cls[at(L, h, w, 0, 2, 2, 4)] = 0.5;
    const out = addon.decodePipnet(H, B, [unit], params(L, nb, h, w, [[], [], []]));
    // With maxLen 0 and zero offsets the point is (col / w, row / h).
    expect(Array.from(out.points)).toEqual([0, 0, 4 / 5, 0, 4 / 5, 2 / 3].map(Math.fround));
    expect(Array.from(out.scores!)).toEqual([2, 3, 0.5]);
  });

  test('a batch reads each item from its own slice and maps through its own crop', () => {
    const [B, L, nb, h, w] = [3, 1, 1, 4, 4];
    const H = garbageHeads(B, L, nb, h, w, 5);
    const peaks = [
      [0, 3],
      [3, 0],
      [2, 1],
    ];
    peaks.forEach(([row, col], b) => {
      H.cls[at(L, h, w, b, 0, row!, col!)] = 1 + b;
      H.x[at(L, h, w, b, 0, row!, col!)] = 0.5;
      H.y[at(L, h, w, b, 0, row!, col!)] = 0.5;
      H.nbX[at(L * nb, h, w, b, 0, row!, col!)] = 0.5;
      H.nbY[at(L * nb, h, w, b, 0, row!, col!)] = 0.5;
    });
    const crops = [
      { x: 0, y: 0, w: 8, h: 8 },
      { x: -4, y: 10, w: 16, h: 4 },
      { x: 100, y: 200, w: 40, h: 80 },
    ];
    // Landmark 0 predicted by itself: merged = own (both are (col + 0.5) / 4, (row + 0.5) / 4).
    const out = addon.decodePipnet(H, B, crops, params(L, nb, h, w, [[[0, 0]]]));
    peaks.forEach(([row, col], b) => {
      const c = crops[b]!;
      expect(out.points[b * 2]).toBeCloseTo(c.x + ((col! + 0.5) / 4) * c.w, 4);
      expect(out.points[b * 2 + 1]).toBeCloseTo(c.y + ((row! + 0.5) / 4) * c.h, 4);
    });
    expect(Array.from(out.scores!)).toEqual([1, 2, 3]);
  });
});

/** PIPNet's reference decoding written out plainly (forward_pip + neighbour merge + crop mapping). */
function referenceDecode(H: Heads, B: number, crops: NativeCrop[], p: NativePipnetParams) {
  const { landmarks: L, neighbors: nb, gridWidth: w, gridHeight: h, maxLen } = p;
  const points: number[] = [];
  const scores: number[] = [];
  for (let b = 0; b < B; b++) {
    const own: [number, number][] = [];
    const nbPred: [number, number][][] = [];
    for (let i = 0; i < L; i++) {
      const base = (b * L + i) * h * w;
      let k = 0;
      for (let j = 1; j < h * w; j++) if (H.cls[base + j]! > H.cls[base + k]!) k = j;
      const row = Math.floor(k / w);
      const col = k % w;
      scores.push(H.cls[base + k]!);
      own.push([(col + H.x[base + k]!) / w, (row + H.y[base + k]!) / h]);
      nbPred.push(
        Array.from({ length: nb }, (_, j) => {
          const nbase = (b * L * nb + i * nb + j) * h * w;
          return [(col + H.nbX[nbase + k]!) / w, (row + H.nbY[nbase + k]!) / h] as [number, number];
        }),
      );
    }
    for (let i = 0; i < L; i++) {
      const xs = [own[i]![0]];
      const ys = [own[i]![1]];
      for (let t = 0; t < maxLen; t++) {
        const e = nbPred[p.reverseIndex1[i * maxLen + t]!]![p.reverseIndex2[i * maxLen + t]!]!;
        xs.push(e[0]);
        ys.push(e[1]);
      }
      const mx = xs.reduce((s, v) => s + v, 0) / xs.length;
      const my = ys.reduce((s, v) => s + v, 0) / ys.length;
      points.push(crops[b]!.x + mx * crops[b]!.w, crops[b]!.y + my * crops[b]!.h);
    }
  }
  return { points, scores };
}

describe('decodePipnet: random heads against the TS reference', () => {
  const shapes = [
    { B: 1, L: 68, nb: 10, h: 8, w: 8, maxLen: 17 },
    { B: 3, L: 70, nb: 10, h: 8, w: 8, maxLen: 12 },
    { B: 2, L: 5, nb: 3, h: 5, w: 7, maxLen: 4 },
    { B: 4, L: 1, nb: 1, h: 1, w: 9, maxLen: 2 },
  ];
  test.each(shapes.map((s) => [`B${s.B} L${s.L} nb${s.nb} ${s.h}x${s.w} maxLen ${s.maxLen}`, s] as const))(
    '%s',
    (_name, s) => {
      const rand = rng(s.B * 1000 + s.L);
      const H = garbageHeads(s.B, s.L, s.nb, s.h, s.w, s.L);
      // Realistic ranges: logits around 0, offsets within a cell or a few cells for neighbours.
      for (const [arr, lo, hi] of [
        [H.cls, -3, 3],
        [H.x, -0.5, 1.5],
        [H.y, -0.5, 1.5],
        [H.nbX, -4, 4],
        [H.nbY, -4, 4],
      ] as [Float32Array, number, number][]) {
        for (let i = 0; i < arr.length; i++) arr[i] = lo + (hi - lo) * rand();
      }
      const rev = Array.from({ length: s.L }, () =>
        Array.from({ length: s.maxLen }, () => [Math.floor(rand() * s.L), Math.floor(rand() * s.nb)] as [number, number]),
      );
      const p = params(s.L, s.nb, s.h, s.w, rev);
      const crops = Array.from({ length: s.B }, () => ({
        x: rand() * 200 - 50,
        y: rand() * 200 - 50,
        w: 20 + rand() * 300,
        h: 20 + rand() * 300,
      }));
      const got = addon.decodePipnet(H, s.B, crops, p);
      const want = referenceDecode(H, s.B, crops, p);
      expect(got.points.length).toBe(s.B * s.L * 2);
      expect(maxRelDiff(got.points, want.points)).toBeLessThan(1e-5);
      expect(Array.from(got.scores!)).toEqual(want.scores);
    },
  );
});
