/**
 * Landmarks for many images in batches of the landmarker's maxBatch, where one bad image does not sink its
 * batch-mates: a failed batch is retried one image at a time, and each image gets its result or its own error.
 */
import type { BatchItem, LandmarkResult, LandmarkerInfo } from '../types';

export interface BatchDetector {
  detect(input: BatchItem['input'], options?: { box?: BatchItem['box'] }): Promise<LandmarkResult>;
  detectBatch(items: BatchItem[]): Promise<LandmarkResult[]>;
  readonly info: Pick<LandmarkerInfo, 'maxBatch'>;
}

export async function detectAll(
  lm: BatchDetector,
  items: BatchItem[],
  onChunk?: (results: Array<LandmarkResult | Error>, first: number) => void | Promise<void>,
): Promise<Array<LandmarkResult | Error>> {
  const all: Array<LandmarkResult | Error> = [];
  const step = Math.max(1, lm.info.maxBatch);
  for (let i = 0; i < items.length; i += step) {
    const chunk = items.slice(i, i + step);
    let results: Array<LandmarkResult | Error>;
    try {
      results = await lm.detectBatch(chunk);
    } catch (err) {
      if (chunk.length === 1) results = [err as Error];
      else results = await Promise.all(chunk.map((it) => lm.detect(it.input, { box: it.box }).catch((e: Error) => e)));
    }
    await onChunk?.(results, i);
    all.push(...results);
  }
  return all;
}
