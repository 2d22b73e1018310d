/** The ONNX protobuf reader, where contracts come from, and the contract-vs-model check. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sidecarPaths } from '../../src/contract/load';
import { checkContractAgainstModel, type TensorInfo } from '../../src/contract/match';
import { readOnnxSummary, weightPrecision } from '../../src/model/onnx-proto';
import { openLandmarkModel } from '../../src/model/open';
import { validateContract } from '../../src/contract/validate';
import { model, pipnetContract, regressionContract, tensor, tinyRegression, valueInfo } from './helpers/onnx-builder';

const dir = mkdtempSync(join(tmpdir(), 'contract-load-'));
const p = (name: string) => join(dir, name);
/** The contract an opened model resolved, and where it came from. */
const loadContract = (model: string, config?: Parameters<typeof openLandmarkModel>[1]) => {
  const m = openLandmarkModel(model, config);
  return { contract: m.contract, source: m.contractSource, sourcePath: m.contractPath };
};

function codeAndMessage(fn: () => unknown): { code?: string; message: string } {
  try {
    fn();
  } catch (e) {
    return { code: (e as { code?: string }).code, message: (e as Error).message };
  }
  throw new Error('expected a throw');
}

describe('readOnnxSummary', () => {
  test('reads metadata_props and initializer types without the graph', () => {
    const f = p('meta.onnx');
    writeFileSync(f, tinyRegression({ metadata: { trt_landmarker: '{"a":1}', other: 'x' } }));
    const s = readOnnxSummary(f);
    expect(s.irVersion).toBe(8);
    expect(s.metadata.get('trt_landmarker')).toBe('{"a":1}');
    expect(s.metadata.get('other')).toBe('x');
    expect(s.initializerTypes.get(1)).toBe(2);
    expect(weightPrecision(s)).toBe('fp32');
  });

  test('float16 initializers make an fp16 model', () => {
    const f = p('half.onnx');
    writeFileSync(
      f,
      model({ nodes: [], initializers: [tensor('a', [4], [0, 0, 0, 0], 10), tensor('b', [4], [0, 0, 0, 0], 10), tensor('c', [1], [0], 1)], inputs: [valueInfo('x', [1])], outputs: [] }),
    );
    expect(weightPrecision(readOnnxSummary(f))).toBe('fp16');
  });

  test('a JPEG, a text file, an empty file and a protobuf without graph are not ONNX (ERR_MODEL_LOAD naming the file)', () => {
    const jpeg = p('photo.onnx');
    writeFileSync(jpeg, Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46]));
    expect(codeAndMessage(() => readOnnxSummary(jpeg))).toEqual({ code: 'ERR_MODEL_LOAD', message: `${jpeg} is not an ONNX model: unsupported wire type 7 at byte 0` });
    const text = p('text.onnx');
    writeFileSync(text, 'hello world, this is not a model\n');
    expect(codeAndMessage(() => readOnnxSummary(text)).code).toBe('ERR_MODEL_LOAD');
    expect(codeAndMessage(() => readOnnxSummary(text)).message).toMatch(new RegExp(`^${text} is not an ONNX model: `));
    const empty = p('empty.onnx');
    writeFileSync(empty, '');
    expect(codeAndMessage(() => readOnnxSummary(empty))).toEqual({ code: 'ERR_MODEL_LOAD', message: `${empty} is not an ONNX model: no valid ir_version (read -1)` });
    const nograph = p('nograph.onnx');
    writeFileSync(nograph, Buffer.from([0x08, 0x08])); // ir_version 8 and nothing else
    expect(codeAndMessage(() => readOnnxSummary(nograph))).toEqual({ code: 'ERR_MODEL_LOAD', message: `${nograph} is not an ONNX model: no graph` });
  });

  test('a truncated model is not ONNX', () => {
    const full = tinyRegression();
    const f = p('truncated.onnx');
    writeFileSync(f, full.subarray(0, full.length - 40));
    const r = codeAndMessage(() => readOnnxSummary(f));
    expect(r.code).toBe('ERR_MODEL_LOAD');
    expect(r.message).toMatch(/is not an ONNX model: .*runs past/);
  });

  test('a missing file', () => {
    expect(codeAndMessage(() => readOnnxSummary(p('nope.onnx')))).toEqual({ code: 'ERR_MODEL_LOAD', message: `Cannot open model file ${p('nope.onnx')}: ENOENT` });
  });
});

describe('openLandmarkModel: where the contract comes from', () => {
  const meta = JSON.stringify(regressionContract(32, { description: 'from metadata' }));

  test('metadata_props key trt_landmarker', () => {
    const f = p('m1.onnx');
    writeFileSync(f, tinyRegression({ metadata: { trt_landmarker: meta } }));
    const l = loadContract(f);
    expect(l.source).toBe('metadata');
    expect(l.contract.description).toBe('from metadata');
  });

  test('sidecar <model minus .onnx>.json wins over metadata; <model>.json is accepted too', () => {
    const f = p('m2.onnx');
    writeFileSync(f, tinyRegression({ metadata: { trt_landmarker: meta } }));
    writeFileSync(p('m2.onnx.json'), JSON.stringify(regressionContract(32, { description: 'long sidecar' })));
    expect(loadContract(f)).toMatchObject({ source: 'sidecar', sourcePath: p('m2.onnx.json'), contract: { description: 'long sidecar' } });
    writeFileSync(p('m2.json'), JSON.stringify(regressionContract(32, { description: 'sidecar' })));
    expect(loadContract(f)).toMatchObject({ source: 'sidecar', sourcePath: p('m2.json'), contract: { description: 'sidecar' } });
    expect(sidecarPaths('/a/b.onnx')).toEqual(['/a/b.json', '/a/b.onnx.json']);
    expect(sidecarPaths('/a/b.model')).toEqual(['/a/b.model.json']);
  });

  test('options.config (object or path) wins over both', () => {
    const f = p('m3.onnx');
    writeFileSync(f, tinyRegression({ metadata: { trt_landmarker: meta } }));
    writeFileSync(p('m3.json'), JSON.stringify(regressionContract(32, { description: 'sidecar' })));
    expect(loadContract(f, regressionContract(32, { description: 'object' }) as never)).toMatchObject({ source: 'option', contract: { description: 'object' } });
    writeFileSync(p('c3.json'), JSON.stringify(regressionContract(32, { description: 'file' })));
    expect(loadContract(f, p('c3.json'))).toMatchObject({ source: 'option', sourcePath: p('c3.json'), contract: { description: 'file' } });
  });

  test('neither metadata nor sidecar: ERR_CONTRACT_MISSING naming both ways', () => {
    const f = p('bare.onnx');
    writeFileSync(f, tinyRegression());
    expect(codeAndMessage(() => loadContract(f))).toEqual({
      code: 'ERR_CONTRACT_MISSING',
      message:
        `No model contract for ${f}: the ONNX file has no metadata_props key "trt_landmarker" and there is no sidecar ` +
        `${p('bare.json')} or ${p('bare.onnx.json')}. Embed one (models/export.py does), write the sidecar, or pass ` +
        'options.config / --config (schema: docs/contract.md).',
    });
  });

  test('not ONNX is reported before a missing contract; a missing model file', () => {
    const f = p('notonnx.onnx');
    writeFileSync(f, 'not a model');
    expect(codeAndMessage(() => loadContract(f)).code).toBe('ERR_MODEL_LOAD');
    expect(codeAndMessage(() => loadContract(p('missing.onnx')))).toEqual({ code: 'ERR_MODEL_LOAD', message: `Model file not found: ${p('missing.onnx')}` });
    expect(codeAndMessage(() => loadContract(dir))).toEqual({ code: 'ERR_MODEL_LOAD', message: `Model path is not a file: ${dir}` });
  });

  test('broken JSON in metadata, sidecar and config file; a missing config file', () => {
    const f = p('badmeta.onnx');
    writeFileSync(f, tinyRegression({ metadata: { trt_landmarker: '{oops' } }));
    const m = codeAndMessage(() => loadContract(f));
    expect(m.code).toBe('ERR_CONTRACT_INVALID');
    expect(m.message).toMatch(new RegExp(`^ONNX metadata_props "trt_landmarker" of ${f} is not valid JSON: `));
    const g = p('badside.onnx');
    writeFileSync(g, tinyRegression());
    writeFileSync(p('badside.json'), '[1,');
    expect(codeAndMessage(() => loadContract(g)).message).toMatch(new RegExp(`^Sidecar contract ${p('badside.json')} is not valid JSON: `));
    expect(codeAndMessage(() => loadContract(g, p('nofile.json')))).toEqual({ code: 'ERR_FILE_NOT_FOUND', message: `Contract file not found: ${p('nofile.json')}` });
  });

  test('an invalid contract names where it came from', () => {
    const f = p('inv.onnx');
    writeFileSync(f, tinyRegression({ metadata: { trt_landmarker: JSON.stringify({ ...regressionContract(), landmarks: 69 }) } }));
    expect(codeAndMessage(() => loadContract(f))).toEqual({
      code: 'ERR_CONTRACT_INVALID',
      message: `Invalid model contract (metadata_props "trt_landmarker" of ${f}): contract.landmarks: expected 68 or 70 but received 69`,
    });
  });
});

describe('checkContractAgainstModel', () => {
  const reg = validateContract(regressionContract(32), 'test');
  const pip = validateContract(pipnetContract(64), 'test');
  const input: TensorInfo = { name: 'input', shape: ['N', 3, 32, 32], type: 'float32' };
  const out: TensorInfo = { name: 'landmarks', shape: ['N', 136], type: 'float32' };
  const mm = (fn: () => unknown) => codeAndMessage(fn);

  test('a matching model passes; a fixed batch and the row stride are reported', () => {
    expect(checkContractAgainstModel(reg, 'm.onnx', [input], [out])).toEqual({ regressionRowStride: 136 });
    expect(checkContractAgainstModel(reg, 'm.onnx', [{ ...input, shape: [1, 3, 32, 32] }], [{ name: 'landmarks', shape: [1, 143] }])).toEqual({ fixedBatch: 1, regressionRowStride: 143 });
    expect(checkContractAgainstModel(reg, 'm.onnx', [{ ...input, shape: [] }], [{ name: 'landmarks', shape: ['N', 68, 2] }])).toEqual({ regressionRowStride: 136 });
  });

  test.each<[string, TensorInfo[], TensorInfo[], string]>([
    ['input name', [{ ...input, name: 'image' }], [out], 'contract.input.name: contract says "input" but m.onnx has no input of that name (its inputs: "image")'],
    ['extra input', [input, { name: 'scale', shape: [1] }], [out], 'contract.input.name: m.onnx has further inputs the pipeline would leave unfed: "scale"'],
    ['input type', [{ ...input, type: 'uint8' }], [out], 'contract.input.name: input "input" of m.onnx has element type uint8 but the pipeline uses float32'],
    ['input rank', [{ ...input, shape: ['N', 3, 32] }], [out], 'contract.input: expected "input" of m.onnx to be [N, 3, height, width] but its shape is [N, 3, 32]'],
    ['input channels', [{ ...input, shape: ['N', 1, 32, 32] }], [out], 'contract.input: contract says 3 channels but "input" of m.onnx has 1 (shape [N, 1, 32, 32])'],
    ['input height', [{ ...input, shape: ['N', 3, 28, 32] }], [out], 'contract.input.height: contract says 32 rows but "input" of m.onnx has 28 (shape [N, 3, 28, 32])'],
    ['input width', [{ ...input, shape: ['N', 3, 32, 40] }], [out], 'contract.input.width: contract says 32 columns but "input" of m.onnx has 40 (shape [N, 3, 32, 40])'],
    ['output name', [input], [{ ...out, name: 'pts' }], 'contract.regression.output: contract says "landmarks" but m.onnx has no output of that name (its outputs: "pts")'],
    ['too few values (a 69-value... 67-point model)', [input], [{ ...out, shape: ['N', 134] }], 'contract.landmarks: contract says 68 landmarks (136 values) but "landmarks" of m.onnx has 134 values per image (shape [N, 134])'],
  ])('regression: %s', (_n, inputs, outputs, message) => {
    expect(mm(() => checkContractAgainstModel(reg, 'm.onnx', inputs, outputs))).toEqual({ code: 'ERR_CONTRACT_MISMATCH', message });
  });

  const pipIn: TensorInfo = { name: 'input', shape: ['N', 3, 64, 64], type: 'float32' };
  const heads = (over: Partial<Record<string, TensorInfo['shape']>> = {}): TensorInfo[] =>
    (
      [
        ['cls', 68],
        ['x', 68],
        ['y', 68],
        ['nb_x', 680],
        ['nb_y', 680],
      ] as Array<[string, number]>
    ).map(([name, c]) => ({ name, shape: over[name] ?? ['N', c, 2, 2], type: 'float32' }));

  test('pipnet: matching heads pass', () => {
    expect(checkContractAgainstModel(pip, 'p.onnx', [pipIn], heads())).toEqual({});
  });

  test.each<[string, TensorInfo[], string]>([
    ['69-point model', heads({ cls: ['N', 69, 2, 2] }), 'contract.landmarks: contract says 68 channels (landmarks) but "cls" of p.onnx has 69 (shape [N, 69, 2, 2])'],
    ['neighbours', heads({ nb_y: ['N', 690, 2, 2] }), 'contract.pipnet.neighbors: contract says 680 channels (landmarks x neighbors) but "nb_y" of p.onnx has 690 (shape [N, 690, 2, 2])'],
    ['grid', heads({ x: ['N', 68, 3, 2] }), 'contract.pipnet.stride: contract says 2 score-map rows (input height 64 / stride 32) but "x" of p.onnx has 3 (shape [N, 68, 3, 2])'],
    ['missing head', heads().slice(0, 4), 'contract.pipnet.outputs.nbY: contract says "nb_y" but p.onnx has no output of that name (its outputs: "cls", "x", "y", "nb_x")'],
    ['head rank', heads({ cls: ['N', 272] }), 'contract.pipnet.outputs.cls: expected "cls" of p.onnx to be [N, C, h, w] but its shape is [N, 272]'],
  ])('pipnet: %s', (_n, outputs, message) => {
    expect(mm(() => checkContractAgainstModel(pip, 'p.onnx', [pipIn], outputs))).toEqual({ code: 'ERR_CONTRACT_MISMATCH', message });
  });
});
