/**
 * The face detector on a real GPU: the shipped UltraFace RFB-320 as a TensorRT FP16 engine (native runtime's
 * detector mode: CUDA preprocessing, raw outputs downloaded and decoded by the CPU reference) against the ONNX
 * Runtime runner on the same frames: the same faces, boxes within 2 px and scores within 0.02 (FP16), both the
 * stretch and the letterbox window, and detectFaces() end to end with backend 'tensorrt'.
 * Needs a GPU and TensorRT: skips with the reason, or fails listing it with TRT_LANDMARKER_REQUIRE_GPU=1
 * (`npm run verify:gpu`). NOT YET RUN ON A GPU (none has been available to this project).
 */
import { join } from 'node:path';
import sharp from 'sharp';
import { probeTensorRt } from '../../src/backends/tensorrt';
import { FaceDetector } from '../../src/detector/face-detector';
import { readDetectorContract } from '../../src/contract/detector';
import { openDetectorModel } from '../../src/model/open';
import { TensorRtDetector } from '../../src/detector/tensorrt-detector';
import { TrtLandmarker } from '../../src/landmarker';
import { defaultDetectorFiles } from '../../src/bundled-models';
import type { NativeFrame } from '../../src/native/addon';
import { expectAstronautFaceBox, gpuDescribe, tempDir } from './helpers';

const probe = probeTensorRt();
const ASTRONAUT = join(__dirname, '..', '..', 'samples', 'astronaut.png');
const { model: DETECTOR, config: CONTRACT } = defaultDetectorFiles();

async function rgb(input: string | Buffer): Promise<NativeFrame> {
  const { data, info } = await sharp(input).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height, format: 0 };
}

gpuDescribe('the face detector on TensorRT (FP16) against ONNX Runtime', probe.available ? [] : [`a GPU with TensorRT (${probe.reason})`], () => {
  let t: ReturnType<typeof tempDir>;
  beforeAll(() => (t = tempDir('trtl-detector-gpu-')));
  afterAll(() => t?.cleanup());

  for (const resize of ['stretch', 'letterbox'] as const) {
    test(`${resize}: the same faces, boxes within 2 px, scores within 0.02`, async () => {
      const contract = { ...readDetectorContract(CONTRACT), resize };
      const png = await sharp(ASTRONAUT).toBuffer();
      // The sample, and three copies side by side (several faces, a wide image).
      const tiled = await sharp({ create: { width: 1536, height: 512, channels: 3, background: 'black' } })
        .composite([0, 512, 1024].map((left) => ({ input: png, left, top: 0 })))
        .png()
        .toBuffer();
      const frames = [await rgb(ASTRONAUT), await rgb(tiled)];
      const ort = await FaceDetector.open(openDetectorModel(DETECTOR, contract));
      const trt = await TensorRtDetector.open(openDetectorModel(DETECTOR, contract), { cacheDir: t.dir });
      try {
        for (const frame of frames) {
          const o = { minScore: 0.7, maxFaces: 10, minFaceSize: 0 };
          const [a, b] = [(await ort.detect(frame, o)).faces, (await trt.detect(frame, o)).faces];
          expect(b.length).toBe(a.length);
          expect(a.length).toBeGreaterThan(0);
          // FP16 may reorder faces of nearly equal score: match each by its nearest box.
          for (const f of a) {
            const near = b.reduce((m, g) => (Math.abs(g.box[0] - f.box[0]) + Math.abs(g.box[1] - f.box[1]) < Math.abs(m.box[0] - f.box[0]) + Math.abs(m.box[1] - f.box[1]) ? g : m));
            near.box.forEach((v, i) => expect(Math.abs(v - f.box[i])).toBeLessThanOrEqual(2));
            expect(Math.abs(near.score - f.score)).toBeLessThanOrEqual(0.02);
          }
        }
      } finally {
        await Promise.all([ort.close(), trt.close()]);
      }
    }, 300_000);
  }

  test("detectFaces() with backend 'tensorrt': the detector is on TensorRT and finds the astronaut", async () => {
    const lm = await TrtLandmarker.create({ backend: 'tensorrt', cacheDir: t.dir });
    try {
      expect(lm.info.detector?.backend).toBe('tensorrt');
      const faces = await lm.detectFaces(ASTRONAUT);
      expect(faces).toHaveLength(1);
      expectAstronautFaceBox(faces[0].box);
    } finally {
      await lm.dispose();
    }
  }, 300_000);
});
