import { FrameParser } from '../../src/capture/frame-parser';

/** A byte stream of `count` frames whose bytes encode (frame, offset) so any misplacement shows. */
function stream(frameSize: number, count: number): Buffer {
  const b = Buffer.alloc(frameSize * count);
  for (let f = 0; f < count; f++) for (let i = 0; i < frameSize; i++) b[f * frameSize + i] = (f * 31 + i * 7) & 255;
  return b;
}

function splitAt(b: Buffer, cuts: number[]): Buffer[] {
  const out: Buffer[] = [];
  let prev = 0;
  for (const c of [...cuts, b.length]) {
    // Copies, as a pipe gives fresh chunks.
    out.push(Buffer.from(b.subarray(prev, c)));
    prev = c;
  }
  return out;
}

function collect(parser: FrameParser, chunks: Buffer[]): Buffer[] {
  return chunks.flatMap((c) => parser.push(c));
}

describe('FrameParser', () => {
  const size = 12;
  const data = stream(size, 5);
  const expected = Array.from({ length: 5 }, (_, f) => data.subarray(f * size, (f + 1) * size));

  test('one chunk holding whole frames gives views of it (no copy)', () => {
    const chunk = Buffer.from(data);
    const frames = new FrameParser(size).push(chunk);
    expect(frames).toHaveLength(5);
    frames.forEach((f, i) => expect(f.equals(expected[i])).toBe(true));
    // Views share the chunk's memory.
    chunk[size + 3] ^= 0xff;
    expect(frames[1][3]).toBe(chunk[size + 3]);
  });

  test('frames split across chunks are assembled in order, with one copy into their own memory', () => {
    const chunks = splitAt(data, [5, 13, 14, 30, 31, 55]);
    const parser = new FrameParser(size);
    const frames = collect(parser, chunks);
    expect(frames.map((f) => [...f])).toEqual(expected.map((f) => [...f]));
    expect(parser.pendingBytes).toBe(0);
    expect(parser.bytesSeen).toBe(data.length);
    // Frame 0 spans chunks 0-1: copied into its own memory, so the chunks can change without affecting it.
    chunks[0].fill(0);
    chunks[1].fill(0);
    expect(frames[0].equals(expected[0])).toBe(true);
  });

  test('byte-by-byte reads', () => {
    const chunks = splitAt(data, Array.from({ length: data.length - 1 }, (_, i) => i + 1));
    expect(collect(new FrameParser(size), chunks).map((f) => [...f])).toEqual(expected.map((f) => [...f]));
  });

  test('random chunking matches the reference split (200 runs)', () => {
    let seed = 12345;
    const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const big = stream(37, 40);
    for (let run = 0; run < 200; run++) {
      const cuts = new Set<number>();
      const n = Math.floor(rand() * 30);
      for (let i = 0; i < n; i++) cuts.add(1 + Math.floor(rand() * (big.length - 1)));
      const frames = collect(new FrameParser(37), splitAt(big, [...cuts].sort((a, b) => a - b)));
      expect(frames).toHaveLength(40);
      frames.forEach((f, i) => expect(f.equals(big.subarray(i * 37, (i + 1) * 37))).toBe(true));
    }
  });

  test('a truncated stream leaves pending bytes and no partial frame', () => {
    const parser = new FrameParser(size);
    const frames = collect(parser, splitAt(data.subarray(0, 2 * size + 5), [7]));
    expect(frames).toHaveLength(2);
    expect(parser.pendingBytes).toBe(5);
  });

  test('a completed partial frame is not changed by later chunks', () => {
    const parser = new FrameParser(size);
    const chunks = splitAt(data, [6, 20]);
    const first = parser.push(chunks[0]);
    expect(first).toHaveLength(0);
    const second = parser.push(chunks[1]);
    const snapshot = Buffer.from(second[0]);
    parser.push(chunks[2]);
    expect(second[0].equals(snapshot)).toBe(true);
  });

  test('accepts Uint8Array chunks', () => {
    const parser = new FrameParser(4);
    const frames = parser.push(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
    expect(frames.map((f) => [...f])).toEqual([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
    ]);
  });

  test.each([0, -3, 1.5, NaN])('rejects frame size %p', (v) => {
    expect(() => new FrameParser(v)).toThrow(
      expect.objectContaining({ code: 'ERR_OUT_OF_RANGE', message: `Expected positive integer for \`frameSize\` but received ${String(v)}` }),
    );
  });
});
