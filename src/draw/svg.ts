/**
 * SVG pieces for landmark drawings that sharp composites over an image: dots, iBUG-68 contours, rectangles,
 * text, and the one escape for text put into SVG or HTML.
 */

/** Text made safe for SVG/HTML content and attribute values: & < > " ' as numeric character references. */
export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Maps an image point to SVG user space. */
export type ToSvg = (x: number, y: number) => [number, number];

/** A point (x, y) is the centre of pixel (x, y); in SVG that pixel spans [x, x + 1). */
export const pixelCentre: ToSvg = (x, y) => [x + 0.5, y + 0.5];

export interface DotStyle {
  /** CSS colour (escaped here). */
  color: string;
  radius: number;
  /** fill-opacity; omitted when undefined. */
  opacity?: number;
  /** Decimals of the centre coordinates. Default 2. */
  digits?: number;
  /** Image to SVG coordinates. Default pixelCentre. */
  toSvg?: ToSvg;
}

/** One `<circle>` per x,y pair of the first `count` points (default all); non-finite pairs are skipped. */
export function dotsSvg(points: ArrayLike<number>, style: DotStyle, count = Math.floor(points.length / 2)): string {
  const color = escapeXml(style.color);
  const digits = style.digits ?? 2;
  const toSvg = style.toSvg ?? pixelCentre;
  const opacity = style.opacity === undefined ? '' : ` fill-opacity="${style.opacity}"`;
  const out: string[] = [];
  for (let i = 0; i < count && 2 * i + 1 < points.length; i++) {
    const x = points[2 * i];
    const y = points[2 * i + 1];
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    const [cx, cy] = toSvg(x, y);
    out.push(`<circle cx="${cx.toFixed(digits)}" cy="${cy.toFixed(digits)}" r="${style.radius}" fill="${color}"${opacity}/>`);
  }
  return out.join('');
}

/** iBUG 68-point contours (0-based): [first, last, closed]: jaw, brows, nose bridge, nostrils, eyes, lips. */
const IBUG68_CONTOURS: readonly [number, number, boolean][] = [
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

/** The iBUG-68 face outline as polylines (open contours) and polygons (eyes, lips), 1 px wide. */
export function ibug68ContoursSvg(points: ArrayLike<number>, style: { color: string; opacity: number; toSvg?: ToSvg }): string {
  const toSvg = style.toSvg ?? pixelCentre;
  const color = escapeXml(style.color);
  return IBUG68_CONTOURS.map(([a, b, closed]) => {
    const pts: string[] = [];
    for (let i = a; i <= b; i++) pts.push(toSvg(points[2 * i], points[2 * i + 1]).map((v) => v.toFixed(1)).join(','));
    return `<${closed ? 'polygon' : 'polyline'} points="${pts.join(' ')}" fill="none" stroke="${color}" stroke-opacity="${style.opacity}" stroke-width="1"/>`;
  }).join('');
}

/** An unfilled rectangle; x, y, w, h in SVG user space. */
export function rectSvg(x: number, y: number, w: number, h: number, color: string, stroke: number): string {
  return `<rect x="${x}" y="${y}" width="${w}" height="${h}" fill="none" stroke="${escapeXml(color)}" stroke-width="${stroke}"/>`;
}

/** A line of text (escaped here) with its baseline at y. */
export function textSvg(x: number, y: number, text: string, style: { size: number; fill: string; family?: string }): string {
  const family = style.family === undefined ? '' : ` font-family="${escapeXml(style.family)}"`;
  return `<text x="${x}" y="${y}"${family} font-size="${style.size}" fill="${escapeXml(style.fill)}">${escapeXml(text)}</text>`;
}

/** A standalone SVG document of `width` x `height` pixels around `body`. */
export function svgDocument(width: number, height: number, body: string, fontFamily?: string): string {
  const family = fontFamily === undefined ? '' : ` font-family="${escapeXml(fontFamily)}"`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"${family}>${body}</svg>`;
}
