/**
 * Photo bench: every face of a 12-megapixel JPEG (6 faces) and of raw 1280x720 frames (3 faces), this package's
 * detectFaces() (ONNX Runtime on the CPU) beside the hand-written Node pipeline (bench/photo-handwritten.ts).
 * The test images are made here, deterministically, from samples/astronaut.png (public domain).
 *
 *   node dist/bench/photo.js [--iterations N] [--json]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { validateDetectorContract } from '../src/contract/detector';
import { validateContract } from '../src/contract/validate';
import { systemInfo } from '../src/cli/commands/info';
import { TrtLandmarker } from '../src/landmarker';
import { defaultDetectorFiles, defaultLandmarkFiles } from '../src/bundled-models';
import { packageRoot } from '../src/util/package-root';
import type { RawFrame } from '../src/types';
import { HandwrittenFacePipeline } from './photo-handwritten';
import { summarize } from './stats';

/** A W x H scene: the astronaut blurred as background, `faces` copies of it pasted at the given sizes. */
async function scene(width: number, height: number, copies: Array<[number, number, number]>): Promise<ReturnType<typeof sharp>> {
  const astro = join(packageRoot(), 'samples', 'astronaut.png');
  const bg = await sharp(astro).resize(width, height, { fit: 'fill' }).blur(8).png().toBuffer();
  const tiles = await Promise.all(copies.map(async ([x, y, side]) => ({ input: await sharp(astro).resize(side, side).png().toBuffer(), left: x, top: y })));
  return sharp(bg).composite(tiles);
}

export async function makePhoto(): Promise<Buffer> {
  const copies: Array<[number, number, number]> = [[100, 200, 1100], [1300, 150, 900], [2300, 300, 1400], [300, 1500, 1000], [1500, 1300, 1200], [2900, 1800, 1000]];
  return (await scene(4000, 3000, copies)).jpeg({ quality: 90 }).toBuffer();
}

export async function makeFrame(): Promise<RawFrame> {
  const { data, info } = await (await scene(1280, 720, [[50, 100, 420], [480, 80, 380], [880, 200, 400]])).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height, format: 'rgb' };
}

async function time(fn: () => Promise<unknown>, iterations: number): Promise<number[]> {
  for (let i = 0; i < 3; i++) await fn(); // warm-up: ONNX Runtime's first runs are several times slower
  const out: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const iterations = Number(argv[argv.indexOf('--iterations') + 1]) || 10;
  const photo = await makePhoto();
  const frame = await makeFrame();
  const lm = await TrtLandmarker.create({ backend: 'onnxruntime' });
  const df = defaultDetectorFiles();
  const lf = defaultLandmarkFiles();
  const hand = await HandwrittenFacePipeline.create(
    df.model, validateDetectorContract(JSON.parse(readFileSync(df.config, 'utf8')), df.config),
    lf.model, validateContract(JSON.parse(readFileSync(lf.config, 'utf8')), lf.config),
  );
  const rows = [];
  try {
    for (const [name, input] of [['12 MP JPEG (4000x3000, 6 faces)', photo], ['raw 1280x720 RGB frame (3 faces)', frame]] as const) {
      const ours = await lm.detectFaces(input);
      const theirs = await hand.run(input as Buffer | RawFrame);
      // Agreement: mean distance between the two pipelines' points, each of our faces against the nearest box of theirs.
      let d = 0;
      const centre = (b: number[]) => [b[0] + b[2] / 2, b[1] + b[3] / 2];
      for (const o of ours) {
        const [cx, cy] = centre(o.box);
        const t = theirs.reduce((best, f) => (Math.hypot(centre(f.box)[0] - cx, centre(f.box)[1] - cy) < Math.hypot(centre(best.box)[0] - cx, centre(best.box)[1] - cy) ? f : best), theirs[0]);
        for (let i = 0; i < 68; i++) d += Math.hypot(o.points[2 * i] - t.points[2 * i], o.points[2 * i + 1] - t.points[2 * i + 1]) / (68 * ours.length);
      }
      // Alternating rounds, so that neither pipeline always runs on a machine the other has just warmed or loaded.
      const ta: number[] = [];
      const tb: number[] = [];
      for (let round = 0; round < 2; round++) {
        ta.push(...(await time(() => lm.detectFaces(input), iterations / 2)));
        tb.push(...(await time(() => hand.run(input as Buffer | RawFrame), iterations / 2)));
      }
      const a = summarize(ta);
      const b = summarize(tb);
      rows.push({ input: name, facesOurs: ours.length, facesHand: theirs.length, meanPointDistancePx: +d.toFixed(2), oursMs: a, handwrittenMs: b, speedup: +(b.p50 / a.p50).toFixed(2) });
    }
  } finally {
    await lm.dispose();
    await hand.close();
  }
  const dir = join(process.cwd(), 'results');
  mkdirSync(dir, { recursive: true });
  const jpegDecoder = systemInfo().jpegDecoder;
  writeFileSync(join(dir, 'photo-bench.json'), JSON.stringify({ iterations, photoBytes: photo.length, jpegDecoder, rows }, null, 2));
  if (argv.includes('--json')) {
    process.stdout.write(JSON.stringify(rows) + '\n');
    return;
  }
  process.stdout.write(`Large JPEGs decoded by ${jpegDecoder}\n\n`);
  process.stdout.write('| input | faces (ours / hand) | ours p50 ms | hand-written p50 ms | speed-up | mean point distance px |\n| --- | --- | --- | --- | --- | --- |\n');
  for (const r of rows) {
    process.stdout.write(`| ${r.input} | ${r.facesOurs} / ${r.facesHand} | ${r.oursMs.p50.toFixed(1)} | ${r.handwrittenMs.p50.toFixed(1)} | ${r.speedup}x | ${r.meanPointDistancePx} |\n`);
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
