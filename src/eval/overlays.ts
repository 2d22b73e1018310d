/**
 * Contact sheets of the best and worst predictions: per sample, the face with the ground truth (green) next to the
 * same face with the prediction (red, ground truth faint). Built with sharp + SVG.
 */
import sharp from 'sharp';
import { dotsSvg, ibug68ContoursSvg, svgDocument, textSvg, type ToSvg } from '../draw/svg';
import { boundingBox } from './metrics';
import type { SampleResult } from './runner';

const TILE = 256;
const CAPTION = 22;
const FONT = 'DejaVu Sans, sans-serif';

/** Dots for the first `count` points, with the iBUG-68 outline when the shape has 68 points or more. */
function shapeSvg(points: ArrayLike<number>, count: number, toSvg: ToSvg, color: string, opacity: number, radius: number): string {
  const outline = count >= 68 ? ibug68ContoursSvg(points, { color, opacity, toSvg }) : '';
  return outline + dotsSvg(points, { color, opacity, radius, toSvg, digits: 1 }, count);
}

/** A square region around the ground truth (1.5 x its larger side) cut from the image, black outside, TILE x TILE. */
async function faceTile(image: string, gt: Float32Array): Promise<{ png: Buffer; map: ToSvg }> {
  const [bx, by, bw, bh] = boundingBox(gt, 68);
  const side = Math.max(8, Math.ceil(1.5 * Math.max(bw, bh)));
  const left = Math.round(bx + bw / 2 - side / 2);
  const top = Math.round(by + bh / 2 - side / 2);
  const img = sharp(image).removeAlpha().toColourspace('srgb');
  const { width = 0, height = 0 } = await img.metadata();
  const pad = { left: Math.max(0, -left), top: Math.max(0, -top), right: Math.max(0, left + side - width), bottom: Math.max(0, top + side - height) };
  const raw = await img.raw().toBuffer({ resolveWithObject: true });
  const png = await sharp(raw.data, { raw: { width: raw.info.width, height: raw.info.height, channels: raw.info.channels } })
    .extend({ ...pad, background: { r: 0, g: 0, b: 0 } })
    .extract({ left: left + pad.left, top: top + pad.top, width: side, height: side })
    .resize(TILE, TILE, { kernel: 'lanczos3' })
    .png()
    .toBuffer();
  const s = TILE / side;
  // Pixel centres: image x maps to (x + 0.5 - left) * s - 0.5 ~ (x - left) * s for drawing purposes.
  return { png, map: (x, y) => [(x + 0.5 - left) * s, (y + 0.5 - top) * s] };
}

/** One row: [ground truth | prediction] with a caption. */
async function sampleRow(s: SampleResult, rank: string): Promise<Buffer> {
  const { png, map } = await faceTile(s.image, s.gt);
  const n = s.errors.length;
  const gtSvg = svgDocument(TILE, TILE, shapeSvg(s.gt, n, map, '#00ff66', 1, 2.2));
  const predSvg = svgDocument(TILE, TILE, shapeSvg(s.gt, n, map, '#00ff66', 0.45, 1.6) + shapeSvg(s.pred, n, map, '#ff3333', 1, 2.2));
  const left = await sharp(png).composite([{ input: Buffer.from(gtSvg) }]).png().toBuffer();
  const right = await sharp(png).composite([{ input: Buffer.from(predSvg) }]).png().toBuffer();
  const caption = svgDocument(2 * TILE + 6, CAPTION, textSvg(4, 16, `${rank} ${s.id}  NME ${(s.nme * 100).toFixed(2)} %`, { size: 13, fill: 'white' }), FONT);
  return sharp({ create: { width: 2 * TILE + 6, height: TILE + CAPTION, channels: 3, background: { r: 40, g: 40, b: 40 } } })
    .composite([
      { input: Buffer.from(caption), left: 0, top: 0 },
      { input: left, left: 0, top: CAPTION },
      { input: right, left: TILE + 6, top: CAPTION },
    ])
    .png()
    .toBuffer();
}

/** A sheet of rows, titled; columns of rows when there are many. */
export async function writeOverlaySheet(file: string, title: string, samples: { sample: SampleResult; rank: string }[]): Promise<void> {
  const rowW = 2 * TILE + 6;
  const rowH = TILE + CAPTION;
  const cols = Math.min(2, Math.max(1, samples.length));
  const rows = Math.ceil(samples.length / cols);
  const head = 58;
  const gap = 8;
  const width = cols * rowW + (cols + 1) * gap;
  const height = head + rows * (rowH + gap);
  const header = svgDocument(
    width,
    head,
    textSvg(gap, 24, title, { size: 18, fill: 'white' }) +
      textSvg(gap, 46, 'ground truth (left, and faint on the right)', { size: 13, fill: '#00ff66' }) +
      textSvg(gap + 330, 46, 'prediction (right)', { size: 13, fill: '#ff5555' }),
    FONT,
  );
  const tiles = await Promise.all(samples.map(({ sample, rank }) => sampleRow(sample, rank)));
  await sharp({ create: { width, height, channels: 3, background: { r: 20, g: 20, b: 20 } } })
    .composite([
      { input: Buffer.from(header), left: 0, top: 0 },
      ...tiles.map((input, k) => ({ input, left: gap + (k % cols) * (rowW + gap), top: head + Math.floor(k / cols) * (rowH + gap) })),
    ])
    // Palette PNG: a quarter of the size of a truecolour sheet, still fine for judging landmark placement.
    .png({ palette: true, quality: 90, effort: 4 })
    .toFile(file);
}
