/**
 * Contact sheets of the best and worst predictions: per sample, the face with the ground truth (green) next to the
 * same face with the prediction (red, ground truth faint). Built with sharp + SVG.
 */
import sharp from 'sharp';
import type { SampleResult } from './runner';
import { boundingBox } from './metrics';

/** iBUG 68-point contours (0-based): [first, last, closed]. */
const CONTOURS: [number, number, boolean][] = [
  [0, 16, false],
  [17, 21, false],
  [22, 26, false],
  [27, 30, false],
  [31, 35, false],
  [36, 41, true],
  [42, 47, true],
  [48, 59, true],
  [60, 67, true],
];

const TILE = 256;
const CAPTION = 22;

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function shapeSvg(points: ArrayLike<number>, count: number, map: (x: number, y: number) => [number, number], color: string, opacity: number, r: number): string {
  const out: string[] = [];
  if (count >= 68) {
    for (const [a, b, closed] of CONTOURS) {
      const pts: string[] = [];
      for (let i = a; i <= b; i++) pts.push(map(points[2 * i], points[2 * i + 1]).map((v) => v.toFixed(1)).join(','));
      out.push(`<${closed ? 'polygon' : 'polyline'} points="${pts.join(' ')}" fill="none" stroke="${color}" stroke-opacity="${opacity}" stroke-width="1"/>`);
    }
  }
  for (let i = 0; i < count; i++) {
    const [x, y] = map(points[2 * i], points[2 * i + 1]);
    out.push(`<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="${r}" fill="${color}" fill-opacity="${opacity}"/>`);
  }
  return out.join('');
}

/** A square region around the ground truth (1.5 x its larger side) cut from the image, black outside, TILE x TILE. */
async function faceTile(image: string, gt: Float32Array): Promise<{ png: Buffer; map: (x: number, y: number) => [number, number] }> {
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
  const gtSvg = `<svg xmlns="http://www.w3.org/2000/svg" width="${TILE}" height="${TILE}">${shapeSvg(s.gt, n, map, '#00ff66', 1, 2.2)}</svg>`;
  const predSvg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${TILE}" height="${TILE}">` +
    `${shapeSvg(s.gt, n, map, '#00ff66', 0.45, 1.6)}${shapeSvg(s.pred, n, map, '#ff3333', 1, 2.2)}</svg>`;
  const left = await sharp(png).composite([{ input: Buffer.from(gtSvg) }]).png().toBuffer();
  const right = await sharp(png).composite([{ input: Buffer.from(predSvg) }]).png().toBuffer();
  const caption =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * TILE + 6}" height="${CAPTION}" font-family="DejaVu Sans, sans-serif">` +
    `<text x="4" y="16" font-size="13" fill="white">${esc(`${rank} ${s.id}  NME ${(s.nme * 100).toFixed(2)} %`)}</text></svg>`;
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
  const header =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${head}" font-family="DejaVu Sans, sans-serif">` +
    `<text x="${gap}" y="24" font-size="18" fill="white">${esc(title)}</text>` +
    `<text x="${gap}" y="46" font-size="13" fill="#00ff66">ground truth (left, and faint on the right)</text>` +
    `<text x="${gap + 330}" y="46" font-size="13" fill="#ff5555">prediction (right)</text></svg>`;
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
