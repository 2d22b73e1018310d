/**
 * Finiteness checks for model outputs and results: a model that outputs NaN or Infinity must fail the call with a
 * coded error, never resolve with NaN points (docs/api.md "Errors").
 */

/** Index of the first value of a[start, end) that is NaN or infinite, or -1. */
export function firstNonFinite(a: ArrayLike<number>, start = 0, end = a.length): number {
  for (let i = start; i < end; i++) {
    const v = a[i]!;
    // v - v is 0 for finite v and NaN for NaN and the infinities; one comparison per value.
    if (v - v !== 0) return i;
  }
  return -1;
}

/**
 * Where in a batch of rows (`perImage` values each, the first `used` of them read) the first non-finite value is:
 * { image, index, value } or undefined when all are finite.
 */
export function findNonFinite(a: ArrayLike<number>, perImage: number, used = perImage): { image: number; index: number; value: number } | undefined {
  for (let start = 0; start < a.length; start += perImage) {
    const i = firstNonFinite(a, start, Math.min(start + used, a.length));
    if (i >= 0) return { image: start / perImage, index: i - start, value: a[i]! };
  }
  return undefined;
}
