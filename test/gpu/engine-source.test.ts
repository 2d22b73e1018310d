import { chooseEngineSource, fp16Path } from '../../src/tensorrt/engine';

describe('engine source and precision', () => {
  const has = (...paths: string[]) => (p: string) => paths.includes(p);

  test('fp16Path', () => {
    expect(fp16Path('/m/a.onnx')).toBe('/m/a.fp16.onnx');
    expect(fp16Path('/m/a.fp16.onnx')).toBeNull();
  });

  test('fp32 always builds the given graph, strongly typed', () => {
    expect(chooseEngineSource('/m/a.onnx', 'fp32', 11, has())).toEqual({
      path: '/m/a.onnx', precision: 'fp32', typing: 'strongly-typed', note: 'FP32 engine from /m/a.onnx',
    });
  });

  test.each([10, 11])('fp16 with the FP16 sibling present uses it (TensorRT %i)', (major) => {
    expect(chooseEngineSource('/m/a.onnx', 'fp16', major, has('/m/a.fp16.onnx'))).toEqual({
      path: '/m/a.fp16.onnx', precision: 'fp16', typing: 'strongly-typed', note: 'FP16 engine from the FP16 graph /m/a.fp16.onnx',
    });
  });

  test('fp16 without the sibling: TensorRT 10 uses the kFP16 flag', () => {
    expect(chooseEngineSource('/m/a.onnx', 'fp16', 10, has())).toEqual({
      path: '/m/a.onnx', precision: 'fp16', typing: 'fp16-flag',
      note: "FP16 engine from /m/a.onnx with TensorRT 10's kFP16 builder flag (no a.fp16.onnx)",
    });
  });

  test('fp16 without the sibling: TensorRT 11 builds FP32 and says why', () => {
    expect(chooseEngineSource('/m/a.onnx', 'fp16', 11, has())).toEqual({
      path: '/m/a.onnx', precision: 'fp32', typing: 'strongly-typed',
      note: 'precision fp16 needs /m/a.fp16.onnx with TensorRT 11 (strongly typed networks only; models/export.py writes it); building an FP32 engine from /m/a.onnx instead',
    });
  });

  test('an .fp16.onnx model is used as is', () => {
    expect(chooseEngineSource('/m/a.fp16.onnx', 'fp16', 11, has())).toMatchObject({ path: '/m/a.fp16.onnx', precision: 'fp16', typing: 'strongly-typed' });
  });
});
