/**
 * One precision policy for both backends (src/model/precision.ts): which graph runs for a requested precision,
 * with hand-written expectations; and the opened model reads its FP16 sibling only when the policy needs it.
 */
import { join } from 'node:path';
import { chooseGraph, fp16SiblingPath, type GraphFacts, type GraphRunner } from '../../src/model/precision';
import { openLandmarkModel } from '../../src/model/open';
import { model, regressionContract, tensor, tinyRegression, valueInfo, writeModel } from './helpers/onnx-builder';
import { tempDir } from '../gpu/helpers';

const ort: GraphRunner = { kind: 'onnxruntime' };
const trt = (major: number): GraphRunner => ({ kind: 'tensorrt', major });
const fp32: GraphFacts = { path: '/m/a.onnx', weights: 'fp32' };
const fp16: GraphFacts = { path: '/m/a.fp16.onnx', weights: 'fp16' };
const withSibling = () => fp16;
const none = () => null;

describe('chooseGraph', () => {
  test('fp16SiblingPath', () => {
    expect(fp16SiblingPath('/m/a.onnx')).toBe('/m/a.fp16.onnx');
    expect(fp16SiblingPath('/m/a')).toBe('/m/a.fp16.onnx');
    expect(fp16SiblingPath('/m/a.fp16.onnx')).toBeNull();
  });

  test('ONNX Runtime without an asked precision runs the model as given, even with a sibling', () => {
    expect(chooseGraph(fp32, '/m/a.fp16.onnx', withSibling, 'as-given', ort)).toEqual({
      graph: fp32, precision: 'fp32', cast: false, note: 'ONNX Runtime runs /m/a.onnx as given (fp32 weights)',
    });
  });

  test('ONNX Runtime with fp16 asked: the sibling when it exists, else the given graph and why', () => {
    expect(chooseGraph(fp32, '/m/a.fp16.onnx', withSibling, 'fp16', ort)).toEqual({
      graph: fp16, precision: 'fp16', cast: false, note: 'precision fp16: ONNX Runtime runs the FP16 sibling /m/a.fp16.onnx',
    });
    expect(chooseGraph(fp32, '/m/a.fp16.onnx', none, 'fp16', ort)).toEqual({
      graph: fp32, precision: 'fp32', cast: false,
      note: 'precision fp16 was requested but ONNX Runtime runs the graph it is given: /m/a.onnx has fp32 weights and there is no /m/a.fp16.onnx',
    });
    expect(chooseGraph(fp16, null, none, 'fp32', ort)).toMatchObject({ graph: fp16, precision: 'fp16' });
  });

  test('TensorRT fp32 builds the given graph, strongly typed', () => {
    expect(chooseGraph(fp32, '/m/a.fp16.onnx', withSibling, 'fp32', trt(11))).toEqual({ graph: fp32, precision: 'fp32', cast: false, note: 'FP32 engine from /m/a.onnx' });
  });

  test.each([10, 11])('TensorRT %i with fp16 and the sibling present uses it', (major) => {
    expect(chooseGraph(fp32, '/m/a.fp16.onnx', withSibling, 'fp16', trt(major))).toEqual({
      graph: fp16, precision: 'fp16', cast: false, note: 'FP16 engine from the FP16 graph /m/a.fp16.onnx',
    });
  });

  test('TensorRT fp16 without the sibling: 10 casts with the kFP16 flag, 11 builds FP32 and says why', () => {
    expect(chooseGraph(fp32, '/m/a.fp16.onnx', none, 'fp16', trt(10))).toEqual({
      graph: fp32, precision: 'fp16', cast: true, note: "FP16 engine from /m/a.onnx with TensorRT 10's kFP16 builder flag (no a.fp16.onnx)",
    });
    expect(chooseGraph(fp32, '/m/a.fp16.onnx', none, 'fp16', trt(11))).toEqual({
      graph: fp32, precision: 'fp32', cast: false,
      note: 'precision fp16 needs /m/a.fp16.onnx with TensorRT 11 (strongly typed networks only; models/export.py writes it); building an FP32 engine from /m/a.onnx instead',
    });
  });

  test('an FP16 graph is used as is', () => {
    expect(chooseGraph(fp16, null, none, 'fp16', trt(11))).toEqual({ graph: fp16, precision: 'fp16', cast: false, note: 'FP16 engine from the FP16 graph /m/a.fp16.onnx' });
  });
});

describe('the opened model and its FP16 sibling', () => {
  let t: ReturnType<typeof tempDir>;
  beforeEach(() => (t = tempDir()));
  afterEach(() => {
    jest.restoreAllMocks();
    t.cleanup();
  });

  /** tinyRegression's graph with float16 initializers (the reader counts their types; values are not read). */
  const fp16Regression = () =>
    model({
      nodes: [],
      initializers: [tensor('w', [3, 136], new Float32Array(3 * 136), 10), tensor('b', [136], new Float32Array(136), 10)],
      inputs: [valueInfo('input', ['N', 3, 32, 32])],
      outputs: [valueInfo('landmarks', ['N', 136])],
    });

  test('read once, and only when the policy picks it; checked against the contract like the given graph', () => {
    const given = writeModel(join(t.dir, 'm.onnx'), tinyRegression());
    const sibling = writeModel(join(t.dir, 'm.fp16.onnx'), fp16Regression());
    // The module object itself (an `import * as` namespace copy cannot be spied on).
    const opens = jest.spyOn(require('node:fs') as typeof import('node:fs'), 'openSync');
    const m = openLandmarkModel(given, regressionContract(32) as never);
    expect(m.chooseGraph('as-given', ort).graph.path).toBe(given);
    expect(m.chooseGraph('fp32', trt(11)).graph.path).toBe(given);
    const onnxOpens = () => opens.mock.calls.filter(([p]) => String(p).endsWith('.onnx')).map(([p]) => p);
    expect(onnxOpens()).toEqual([given]);
    const a = m.chooseGraph('fp16', ort);
    const b = m.chooseGraph('fp16', trt(11));
    expect([a.graph.path, a.precision, b.graph.path, b.precision]).toEqual([sibling, 'fp16', sibling, 'fp16']);
    expect(onnxOpens()).toEqual([given, sibling]);
  });

  test('a sibling that disagrees with the contract fails when chosen, naming it', () => {
    const given = writeModel(join(t.dir, 'm.onnx'), tinyRegression());
    writeModel(join(t.dir, 'm.fp16.onnx'), tinyRegression({ outputName: 'other' }));
    const m = openLandmarkModel(given, regressionContract(32) as never);
    expect(() => m.chooseGraph('fp16', ort)).toThrow(expect.objectContaining({ code: 'ERR_CONTRACT_MISMATCH', message: expect.stringContaining(join(t.dir, 'm.fp16.onnx')) }));
  });
});
