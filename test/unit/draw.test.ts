/**
 * The drawing module (src/draw) that the overlays, the eval sheets and the live preview/recording share: format
 * conversion, raw-pixel dots and boxes, SVG pieces. Expected values are worked out by hand from the definitions.
 */
import { fillDots, strokeBox } from '../../src/draw/pixels';
import { frameToRgb } from '../../src/draw/rgb';
import { dotsSvg, escapeXml, ibug68ContoursSvg, rectSvg, svgDocument, textSvg } from '../../src/draw/svg';
import type { NativeFormat } from '../../src/native/addon';

/** The (x, y) of every pixel of a packed RGB image whose colour is `c`. */
function pixelsOf(rgb: Buffer, width: number, c: readonly number[]): string[] {
  const out: string[] = [];
  for (let o = 0; o < rgb.length; o += 3) if (rgb[o] === c[0] && rgb[o + 1] === c[1] && rgb[o + 2] === c[2]) out.push(`${(o / 3) % width},${Math.floor(o / 3 / width)}`);
  return out;
}

describe('frameToRgb', () => {
  // Two pixels: (10, 20, 30) and (40, 50, 60) as RGB.
  test.each([
    ['rgb', [10, 20, 30, 40, 50, 60]],
    ['bgr', [30, 20, 10, 60, 50, 40]],
    ['rgba', [10, 20, 30, 255, 40, 50, 60, 0]],
    ['bgra', [30, 20, 10, 255, 60, 50, 40, 0]],
  ] as const)('%s frame: packed RGB, alpha dropped', (format, bytes) => {
    const out = frameToRgb({ data: Uint8Array.from(bytes), width: 2, height: 1, format });
    expect([...out]).toEqual([10, 20, 30, 40, 50, 60]);
  });

  test('gray is spread to three channels; the addon\'s numeric formats are accepted too', () => {
    expect([...frameToRgb({ data: Uint8Array.from([7, 200]), width: 2, height: 1, format: 'gray' })]).toEqual([7, 7, 7, 200, 200, 200]);
    expect([...frameToRgb({ data: Uint8Array.from([3, 2, 1]), width: 1, height: 1, format: 1 as NativeFormat /* BGR: a const enum, erased when tests transpile in isolation */ })]).toEqual([1, 2, 3]);
  });

  test('returns a copy the caller may draw on, and only the frame\'s bytes', () => {
    const data = Uint8Array.from([1, 2, 3, 9, 9]);
    const out = frameToRgb({ data, width: 1, height: 1, format: 'rgb' });
    out[0] = 100;
    expect(data[0]).toBe(1);
    expect(out.length).toBe(3);
  });
});

describe('raw-pixel drawing', () => {
  const green = [0, 255, 0] as const;

  test('a dot of radius 1 is the pixel and its four neighbours plus the diagonals (dx^2 + dy^2 <= r^2 + r)', () => {
    const rgb = Buffer.alloc(5 * 5 * 3);
    fillDots(rgb, 5, 5, [2.4, 1.6], 1, green); // rounds to pixel (2, 2)
    expect(pixelsOf(rgb, 5, green).sort()).toEqual(['1,1', '1,2', '1,3', '2,1', '2,2', '2,3', '3,1', '3,2', '3,3']);
  });

  test('radius 2 leaves out the four corners; dots are clipped at the border; non-finite points are skipped', () => {
    const rgb = Buffer.alloc(5 * 5 * 3);
    fillDots(rgb, 5, 5, [2, 2, NaN, 1], 2, green);
    const hit = pixelsOf(rgb, 5, green);
    expect(hit.length).toBe(25 - 4);
    for (const corner of ['0,0', '4,0', '0,4', '4,4']) expect(hit).not.toContain(corner);
    const edge = Buffer.alloc(3 * 3 * 3);
    fillDots(edge, 3, 3, [0, 0], 1, green);
    expect(pixelsOf(edge, 3, green).sort()).toEqual(['0,0', '0,1', '1,0', '1,1']);
  });

  test('a box outline of thickness 1 covers its border columns/rows x..x+w, y..y+h, nothing inside', () => {
    const rgb = Buffer.alloc(6 * 6 * 3);
    strokeBox(rgb, 6, 6, [1, 1, 3, 2], 1, [255, 0, 0]);
    expect(pixelsOf(rgb, 6, [255, 0, 0]).sort()).toEqual(
      ['1,1', '2,1', '3,1', '4,1', '1,2', '4,2', '1,3', '2,3', '3,3', '4,3'].sort(),
    );
  });
});

describe('SVG pieces', () => {
  test('escapeXml turns & < > " \' into numeric references and leaves the rest', () => {
    expect(escapeXml(`a<b>&"c"'d' é`)).toBe('a&#60;b&#62;&#38;&#34;c&#34;&#39;d&#39; é');
  });

  test('dots sit at pixel centres, skip non-finite points, honour count, digits and opacity', () => {
    expect(dotsSvg([1, 2, NaN, 0, 3.25, 4], { color: 'red', radius: 2 })).toBe(
      '<circle cx="1.50" cy="2.50" r="2" fill="red"/><circle cx="3.75" cy="4.50" r="2" fill="red"/>',
    );
    expect(dotsSvg([1, 2, 3, 4], { color: '"x"', radius: 1, opacity: 0.5, digits: 1, toSvg: (x, y) => [2 * x, 2 * y] }, 1)).toBe(
      '<circle cx="2.0" cy="4.0" r="1" fill="&#34;x&#34;" fill-opacity="0.5"/>',
    );
  });

  test('the iBUG-68 outline: 9 contours, eyes and lips closed', () => {
    const points = Array.from({ length: 136 }, (_, i) => i);
    const svg = ibug68ContoursSvg(points, { color: 'lime', opacity: 1 });
    expect(svg.match(/<polyline /g)?.length).toBe(5);
    expect(svg.match(/<polygon /g)?.length).toBe(4);
    // The jaw (points 0..16): first point (0, 1) at its pixel centre.
    expect(svg.startsWith('<polyline points="0.5,1.5 2.5,3.5 ')).toBe(true);
  });

  test('rect, text and document', () => {
    expect(rectSvg(1, 2, 3, 4, 'cyan', 2)).toBe('<rect x="1" y="2" width="3" height="4" fill="none" stroke="cyan" stroke-width="2"/>');
    expect(textSvg(4, 16, 'a<b', { size: 13, fill: 'white' })).toBe('<text x="4" y="16" font-size="13" fill="white">a&#60;b</text>');
    expect(textSvg(4, 16, 'x', { size: 10, fill: 'red', family: 'sans-serif' })).toBe('<text x="4" y="16" font-family="sans-serif" font-size="10" fill="red">x</text>');
    expect(svgDocument(2, 3, '')).toBe('<svg xmlns="http://www.w3.org/2000/svg" width="2" height="3"></svg>');
  });
});
