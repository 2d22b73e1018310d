/**
 * models/fp16.py on a small hand-built graph with the cases the three architectures do not have: a Resize
 * whose `scales` must stay float32 (and the Mul that computes them), a Constant given as value_float, an
 * inner Cast(to=FLOAT). The converted graph must keep float32 inputs/outputs, run in ONNX Runtime and
 * agree with the FP32 graph.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { packageRoot } from '../../src/util/package-root';
import { maxAbs, maxAbsDiff, pythonOrReason, runPython, session } from './helpers';
import * as ort from 'onnxruntime-node';

const { python, reason } = pythonOrReason();
const d = python ? describe : describe.skip;
if (!python) console.log(`test/models/fp16: skipped, ${reason}`);

const BUILD = String.raw`
import json, os, sys
import numpy as np
import onnx
from onnx import TensorProto as T, helper as h, numpy_helper as nh
sys.path.insert(0, os.path.join(sys.argv[1], 'models'))
from fp16 import convert_to_fp16
out = sys.argv[2]
rng = np.random.default_rng(5)
inits = [nh.from_array(rng.normal(0, 0.3, (4, 3, 3, 3)).astype(np.float32), 'w'),
         nh.from_array(rng.normal(0, 0.1, (4,)).astype(np.float32), 'b'),
         nh.from_array(np.array([1, 1, 1, 1], np.float32), 'scale_base')]
nodes = [
    h.make_node('Conv', ['input', 'w', 'b'], ['conv'], pads=[1, 1, 1, 1]),
    h.make_node('Constant', [], ['two'], value_float=2.0),
    h.make_node('Constant', [], ['grow'], value=nh.from_array(np.array([1, 1, 2, 2], np.float32))),
    h.make_node('Mul', ['scale_base', 'grow'], ['scales']),
    h.make_node('Resize', ['conv', '', 'scales'], ['up'], mode='linear'),
    h.make_node('Cast', ['up'], ['up_cast'], to=T.FLOAT),
    h.make_node('Mul', ['up_cast', 'two'], ['output']),
]
graph = h.make_graph(nodes, 'fp16_case', [h.make_tensor_value_info('input', T.FLOAT, ['batch', 3, 8, 8])],
                     [h.make_tensor_value_info('output', T.FLOAT, ['batch', 4, 16, 16])], inits)
model = h.make_model(graph, opset_imports=[h.make_opsetid('', 17)])
onnx.checker.check_model(model)
onnx.save(model, os.path.join(out, 'case.onnx'))
fp16 = convert_to_fp16(model)
onnx.save(fp16, os.path.join(out, 'case.fp16.onnx'))
types = {i.name: T.DataType.Name(i.data_type) for i in fp16.graph.initializer}
casts = [T.DataType.Name(a.i) for n in fp16.graph.node if n.op_type == 'Cast' for a in n.attribute if a.name == 'to']
io = [(v.name, T.DataType.Name(v.type.tensor_type.elem_type)) for v in list(fp16.graph.input) + list(fp16.graph.output)]
consts = {n.output[0]: T.DataType.Name(n.attribute[0].t.data_type) for n in fp16.graph.node if n.op_type == 'Constant'}
print(json.dumps({'initializers': types, 'casts': casts, 'io': io, 'constants': consts}))
`;

interface Facts {
  initializers: Record<string, string>;
  casts: string[];
  io: [string, string][];
  constants: Record<string, string>;
}

d('FP16 conversion of a graph with Resize, value_float and an inner Cast', () => {
  let dir: string;
  let facts: Facts;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'trt-landmarker-fp16-'));
    facts = JSON.parse(await runPython(python!, BUILD, [packageRoot(), dir])) as Facts;
  }, 120_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('weights become float16; Resize scales and what computes them stay float32; IO stays float32', () => {
    expect(facts.initializers).toEqual({ w: 'FLOAT16', b: 'FLOAT16', scale_base: 'FLOAT' });
    expect(facts.constants).toEqual({ two: 'FLOAT16', grow: 'FLOAT' });
    // input Cast to fp16, the inner Cast retargeted to fp16, output Cast back to fp32
    expect(facts.casts).toEqual(['FLOAT16', 'FLOAT16', 'FLOAT']);
    expect(facts.io).toEqual([
      ['input', 'FLOAT'],
      ['output', 'FLOAT'],
    ]);
  });

  test('runs in ONNX Runtime (batch 1 and 3) and matches FP32 within 1 % of the output scale', async () => {
    // Three roundings of O(1) values (input, weights, conv output) at 2^-11 each: ~0.2 % at worst; 1 % margin.
    const s32 = await session(path.join(dir, 'case.onnx'));
    const s16 = await session(path.join(dir, 'case.fp16.onnx'));
    try {
      for (const batch of [1, 3]) {
        const data = Float32Array.from({ length: batch * 3 * 64 }, (_, i) => Math.sin(i * 0.37) * 2);
        const feed = { input: new ort.Tensor('float32', data, [batch, 3, 8, 8]) };
        const a = (await s32.run(feed)).output;
        const b = (await s16.run(feed)).output;
        expect(b.type).toBe('float32');
        expect(b.dims).toEqual([batch, 4, 16, 16]);
        const scale = maxAbs(a.data as Float32Array);
        expect(scale).toBeGreaterThan(0.1);
        expect(maxAbsDiff(a.data as Float32Array, b.data as Float32Array)).toBeLessThanOrEqual(0.01 * scale);
      }
    } finally {
      await s32.release();
      await s16.release();
    }
  });
});
