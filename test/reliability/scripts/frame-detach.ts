/**
 * Child script: raw frames whose ArrayBuffer is detached (transferred) or shrunk (resizable buffer) while the
 * asynchronous preprocessing reads them, through the addon and through TrtLandmarker.detect. Before frames were
 * owned by the job this crashed with SIGSEGV in PreprocessOne on a libuv pool thread. Prints one JSON line:
 * counts of calls that resolved and of rejections by code.
 * argv: <model.onnx> <rounds>
 */
import { TrtLandmarker } from '../../../src/landmarker';
import { loadAddon } from '../../../src/native/loader';

const [modelPath, roundsArg] = process.argv.slice(2);
const rounds = Number(roundsArg ?? 20);
const W = 1280;
const H = 720;
const counts: Record<string, number> = {};
const count = (k: string) => (counts[k] = (counts[k] ?? 0) + 1);

type Mutator = (b: ArrayBuffer) => void;
const detach: Mutator = (b) => void structuredClone(b, { transfer: [b] });
const shrink: Mutator = (b) => (b as ArrayBuffer & { resize(n: number): void }).resize(0);
const resizable = (n: number) => new (ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => ArrayBuffer)(n, { maxByteLength: n });

async function settle(p: Promise<unknown>, check?: (v: unknown) => boolean): Promise<void> {
  try {
    const v = await p;
    count(check && !check(v) ? 'changed-pixels' : 'ok');
  } catch (e) {
    count((e as { code?: string }).code ?? 'uncoded');
  }
}

async function main(): Promise<void> {
  const addon = loadAddon();
  const params = { width: 256, height: 256, bgr: false, scale: 1 / 255, mean: [0, 0, 0] as [number, number, number], std: [1, 1, 1] as [number, number, number] };
  // Every frame holds the same pattern; the copy taken at call time must give exactly this output.
  const pattern = (b: ArrayBuffer) => {
    const u = new Uint8Array(b);
    for (let k = 0; k < u.length; k++) u[k] = (k * 7) & 255;
    return u;
  };
  const crop = { x: 0, y: 0, w: W, h: H };
  const expected = addon.preprocessSync([{ data: pattern(new ArrayBuffer(W * H * 3)), width: W, height: H, format: 0 }], [crop], params);
  const same = (v: unknown) => Buffer.compare(Buffer.from((v as Float32Array).buffer), Buffer.from(expected.buffer)) === 0;
  const lm = await TrtLandmarker.create({ model: modelPath!, backend: 'onnxruntime' });
  for (let i = 0; i < rounds; i++) {
    for (const [make, mutate] of [
      [(n: number) => new ArrayBuffer(n), detach],
      [resizable, shrink],
      [resizable, detach],
    ] as Array<[(n: number) => ArrayBuffer, Mutator]>) {
      const b1 = make(W * H * 3);
      const direct = addon.preprocess([{ data: pattern(b1), width: W, height: H, format: 0 }], [crop], params);
      mutate(b1);
      const b2 = make(W * H * 3);
      const viaApi = lm.detect({ data: new Uint8Array(b2), width: W, height: H, format: 'rgb' });
      // detect() validates and then hands the frame to the addon after an await; mutate once it is under way.
      await new Promise((r) => setImmediate(r));
      mutate(b2);
      await Promise.all([settle(direct, same), settle(viaApi)]);
      (globalThis as { gc?: () => void }).gc?.();
    }
  }
  await lm.dispose();
  console.log(JSON.stringify(counts));
}

main().catch((e) => {
  console.error(e);
  process.exit(3);
});
