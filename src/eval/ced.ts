/** Cumulative error distribution plot: an SVG built here (several runs on one plot), rendered to PNG with sharp. */
import sharp from 'sharp';
import { escapeXml } from '../draw/svg';
import { cedCurve } from './metrics';

export interface CedSeries {
  label: string;
  /** Per-sample NME, fractions. */
  nmes: number[];
  nmePct: number;
  auc8Pct: number;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

/** maxX: right end of the x axis as a fraction (default 0.15 = 15 %). */
export function cedSvg(series: CedSeries[], title: string, maxX = 0.15): string {
  const W = 900;
  const H = 620;
  const m = { left: 80, right: 30, top: 50, bottom: 70 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  const X = (v: number) => m.left + (v / maxX) * pw;
  const Y = (v: number) => m.top + (1 - v) * ph;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="DejaVu Sans, Liberation Sans, sans-serif">`);
  parts.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  parts.push(`<text x="${W / 2}" y="30" font-size="18" text-anchor="middle">${escapeXml(title)}</text>`);
  // Grid and ticks every 1 % on x (labels every 2 %), every 0.1 on y.
  for (let p = 0; p <= Math.round(maxX * 100); p++) {
    const x = X(p / 100);
    parts.push(`<line x1="${x}" y1="${m.top}" x2="${x}" y2="${m.top + ph}" stroke="#e6e6e6"/>`);
    if (p % 2 === 0) parts.push(`<text x="${x}" y="${m.top + ph + 20}" font-size="13" text-anchor="middle">${p}</text>`);
  }
  for (let k = 0; k <= 10; k++) {
    const y = Y(k / 10);
    parts.push(`<line x1="${m.left}" y1="${y}" x2="${m.left + pw}" y2="${y}" stroke="#e6e6e6"/>`);
    parts.push(`<text x="${m.left - 8}" y="${y + 4}" font-size="13" text-anchor="end">${(k / 10).toFixed(1)}</text>`);
  }
  for (const t of [0.08, 0.1]) {
    if (t > maxX) continue;
    parts.push(`<line x1="${X(t)}" y1="${m.top}" x2="${X(t)}" y2="${m.top + ph}" stroke="#888" stroke-dasharray="6 4"/>`);
    parts.push(`<text x="${X(t)}" y="${m.top - 6}" font-size="12" fill="#555" text-anchor="middle">${t * 100} %</text>`);
  }
  parts.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="black"/>`);
  parts.push(`<text x="${m.left + pw / 2}" y="${H - 22}" font-size="15" text-anchor="middle">NME (%)</text>`);
  parts.push(
    `<text x="22" y="${m.top + ph / 2}" font-size="15" text-anchor="middle" transform="rotate(-90 22 ${m.top + ph / 2})">fraction of images with NME ≤ x</text>`,
  );
  const legendX = m.left + pw * 0.4;
  const legendH = series.length * 24 + 10;
  series.forEach((s, i) => {
    const { x, y } = cedCurve(s.nmes, maxX, 600);
    const d = x.map((xv, k) => `${k ? 'L' : 'M'}${X(xv).toFixed(1)},${Y(y[k]).toFixed(1)}`).join(' ');
    parts.push(`<path d="${d}" fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="2.5"/>`);
  });
  // Legend last, on a white box, bottom right (where CED curves of usable models are low... or already at 1).
  parts.push(`<rect x="${legendX - 8}" y="${m.top + ph - 14 - legendH}" width="${m.left + pw - legendX}" height="${legendH}" fill="white" fill-opacity="0.9" stroke="#ccc"/>`);
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const ly = m.top + ph - 20 - (series.length - 1 - i) * 24;
    const lx = legendX;
    parts.push(`<line x1="${lx}" y1="${ly - 5}" x2="${lx + 28}" y2="${ly - 5}" stroke="${color}" stroke-width="3"/>`);
    const text = `${s.label}: NME ${s.nmePct.toFixed(2)} %, AUC@8 ${s.auc8Pct.toFixed(1)} %`;
    parts.push(`<text x="${lx + 36}" y="${ly}" font-size="14">${escapeXml(text)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

export async function writeCedPng(file: string, series: CedSeries[], title: string, maxX?: number): Promise<void> {
  await sharp(Buffer.from(cedSvg(series, title, maxX))).png().toFile(file);
}
