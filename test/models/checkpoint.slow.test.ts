/**
 * Exporting from checkpoints: the official PIPNet state_dict layout (raw, and {'state_dict'} with 'module.'
 * prefixes) and a torchvision MobileNetV3 checkpoint ({'model': ...}); the ONNX outputs must equal
 * PyTorch's outputs for the same weights (computed by test/models/make_checkpoints.py, independently of
 * models/*.py). A checkpoint for another architecture must fail with the script's message.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { ModelContract } from '../../src/contract/types';
import { exportModel, type ExportArch } from '../../tools/onnx-export';
import { maxAbs, maxAbsDiff, onnxFacts, pythonOrReason, run, runPython, session } from './helpers';

const { python, reason } = pythonOrReason();
const d = python ? describe : describe.skip;
if (!python) console.log(`test/models/checkpoint: skipped, ${reason}`);

/*
 * ONNX Runtime vs PyTorch, both FP32, same weights: they differ only in summation order and in BatchNorm
 * being folded into the convolutions at export (w * gamma / sqrt(var + eps) rounded once), each ~1e-7
 * relative per operation; through 20 layers that stays around 1e-6 of the output scale (seen: < 1e-5).
 * 1e-4 of the scale leaves margin, while a missing, misnamed or mis-wired tensor changes outputs by O(1).
 */
const REL_TOL = 1e-4;

interface Ref {
  file: string;
  shape: number[];
}
interface Manifest {
  pipnet: { input: Ref; outputs: Record<string, Ref>; meanface: number[] };
  mobilenetv3: { input: Ref; outputs: Record<string, Ref> };
}

d('export from checkpoints', () => {
  let dir: string;
  let manifest: Manifest;
  const load = (r: Ref) => new Float32Array(new Uint8Array(readFileSync(path.join(dir, r.file))).buffer);

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'trt-landmarker-ckpt-'));
    await runPython(python!, readFileSync(path.join(__dirname, 'make_checkpoints.py'), 'utf8'), [dir]);
    manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
  }, 300_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function expectMatchesPyTorch(onnxPath: string, arch: ExportArch): Promise<void> {
    const ref = manifest[arch === 'pipnet' ? 'pipnet' : 'mobilenetv3'];
    const sess = await session(onnxPath);
    try {
      const [batch, , size] = ref.input.shape;
      const out = await run(sess, load(ref.input), batch, size);
      expect(Object.keys(out).sort()).toEqual(Object.keys(ref.outputs).sort());
      for (const [name, r] of Object.entries(ref.outputs)) {
        expect(out[name].dims).toEqual(r.shape);
        const want = load(r);
        const got = out[name].data as Float32Array;
        expect(maxAbsDiff(got, want)).toBeLessThanOrEqual(REL_TOL * maxAbs(want));
      }
    } finally {
      await sess.release();
    }
  }

  test('PIPNet, official layout, raw state_dict, with --meanface', async () => {
    const out = path.join(dir, 'pipnet_raw.onnx');
    const summary = await exportModel({
      arch: 'pipnet',
      out,
      checkpoint: path.join(dir, 'pipnet_raw.pth'),
      meanface: path.join(dir, 'meanface.txt'),
      fp16: false,
    });
    expect(summary.fp32).toBe(out);
    expect(summary.fp16).toBeUndefined();
    await expectMatchesPyTorch(out, 'pipnet');
    const contract = JSON.parse((await onnxFacts(python!, out)).metadata.trt_landmarker) as ModelContract;
    expect(contract.description).toContain('weights from pipnet_raw.pth');
    const mf = contract.pipnet!.meanFace;
    expect(mf).toHaveLength(manifest.pipnet.meanface.length);
    expect(maxAbsDiff(mf, manifest.pipnet.meanface)).toBeLessThanOrEqual(5e-7); // written with 6 decimals
  });

  test("PIPNet, {'state_dict'} with 'module.' prefixes (DataParallel)", async () => {
    const out = path.join(dir, 'pipnet_module.onnx');
    await exportModel({
      arch: 'pipnet',
      out,
      checkpoint: path.join(dir, 'pipnet_module.pth'),
      meanface: path.join(dir, 'meanface.txt'),
      fp16: false,
    });
    await expectMatchesPyTorch(out, 'pipnet');
  });

  test("MobileNetV3, {'model': state_dict} from torchvision with the last layer replaced", async () => {
    const out = path.join(dir, 'mobilenetv3.onnx');
    await exportModel({ arch: 'mobilenetv3', out, checkpoint: path.join(dir, 'mobilenetv3_model.pth'), fp16: false });
    await expectMatchesPyTorch(out, 'mobilenetv3');
  });

  test('--meanface-from: the mean of the faces normalised to their 1.1x landmark box, as PIPNet does', async () => {
    const faces = path.join(dir, 'faces');
    mkdirSync(faces);
    const expected = new Array<number>(136).fill(0);
    for (let f = 0; f < 3; f++) {
      const pts: number[] = [];
      for (let i = 0; i < 68; i++) pts.push(40 + 13 * f + ((i * 37 + f * 11) % 97) * (1 + f), 25 + ((i * 53 + f * 7) % 89) * 1.5);
      const xs = pts.filter((_, i) => i % 2 === 0);
      const ys = pts.filter((_, i) => i % 2 === 1);
      const box = [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
      const w = (box[2] - box[0]) * 1.1;
      const h = (box[3] - box[1]) * 1.1;
      const x0 = (box[0] + box[2]) / 2 - w / 2;
      const y0 = (box[1] + box[3]) / 2 - h / 2;
      pts.forEach((v, i) => (expected[i] += (i % 2 === 0 ? (v - x0) / w : (v - y0) / h) / 3));
      const lines = [];
      for (let i = 0; i < 68; i++) lines.push(`${pts[2 * i].toFixed(3)} ${pts[2 * i + 1].toFixed(3)}`);
      writeFileSync(path.join(faces, `face${f}.pts`), `version: 1\nn_points: 68\n{\n${lines.join('\n')}\n}\n`);
    }
    const out = path.join(dir, 'pipnet_meanface_from.onnx');
    await exportModel({ arch: 'pipnet', out, meanfaceFrom: faces, fp16: false, inputSize: 128 });
    const contract = JSON.parse((await onnxFacts(python!, out)).metadata.trt_landmarker) as ModelContract;
    expect(contract.input.width).toBe(128);
    expect(contract.description).toContain('mean face: averaged from');
    expect(maxAbsDiff(contract.pipnet!.meanFace, expected)).toBeLessThanOrEqual(5e-7);
  });

  test('a checkpoint of another architecture fails with ERR_PYTHON naming the missing keys', async () => {
    const attempt = exportModel({
      arch: 'pipnet',
      out: path.join(dir, 'wrong.onnx'),
      checkpoint: path.join(dir, 'mobilenetv3_model.pth'),
      meanface: path.join(dir, 'meanface.txt'),
      fp16: false,
    });
    await expect(attempt).rejects.toMatchObject({
      code: 'ERR_PYTHON',
      message: expect.stringMatching(/failed with exit code 1[\s\S]*does not fit this model \(missing keys: conv1\.weight/),
    });
  });

  test('a trained PIPNet without its mean face is refused (exit code 2)', async () => {
    const attempt = exportModel({ arch: 'pipnet', out: path.join(dir, 'nomf.onnx'), checkpoint: path.join(dir, 'pipnet_raw.pth') });
    await expect(attempt).rejects.toMatchObject({
      code: 'ERR_PYTHON',
      message: expect.stringMatching(/exit code 2[\s\S]*needs the mean face it was trained with: pass --meanface/),
    });
  });
});
