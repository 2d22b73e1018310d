"""FP32 -> FP16 ONNX conversion with float32 graph inputs and outputs.

Why: TensorRT 11 dropped the builder's FP16 flag (weak typing); an engine runs in FP16 only where the ONNX
graph itself is FP16. So the weights and the arithmetic are made float16 here, while the graph keeps float32
inputs and outputs (a Cast after each input and before each output), so callers feed and read float32 as for
the FP32 model.

What changes: float initializers and Constant/ConstantOfShape values become float16 (clipped to +-65504),
Cast(to=FLOAT) becomes Cast(to=FLOAT16), value_info element types follow. What stays float32: tensors that
ONNX requires to be float32 whatever the data type (Resize roi/scales and the like) and everything that only
feeds them (found by walking backwards from those inputs).
"""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

FLOAT, FLOAT16 = TensorProto.FLOAT, TensorProto.FLOAT16
FP16_MAX = 65504.0

# (op_type -> input indices) whose type is fixed to float32 (or is shape-like) independently of the data type.
FP32_ONLY_INPUTS = {
    'Resize': (1, 2),          # roi, scales
    'Upsample': (1,),          # scales
}


def _float_tensors(graph):
    """Names of every float32 tensor in the graph (after shape inference)."""
    names = set()
    for vi in list(graph.value_info) + list(graph.input) + list(graph.output):
        if vi.type.tensor_type.elem_type == FLOAT:
            names.add(vi.name)
    for init in graph.initializer:
        if init.data_type == FLOAT:
            names.add(init.name)
    for node in graph.node:
        if node.op_type == 'Constant':
            for a in node.attribute:
                if a.name == 'value' and a.t.data_type == FLOAT:
                    names.add(node.output[0])
                elif a.name in ('value_float', 'value_floats'):
                    names.add(node.output[0])
    return names


def _keep_fp32(graph, floats):
    """Float tensors that must stay float32: FP32-only inputs and, transitively, what computes them."""
    keep = set()
    for node in graph.node:
        for idx in FP32_ONLY_INPUTS.get(node.op_type, ()):
            if idx < len(node.input) and node.input[idx] in floats:
                keep.add(node.input[idx])
    producers = {out: node for node in graph.node for out in node.output}
    stack = list(keep)
    while stack:
        node = producers.get(stack.pop())
        if node is None or node.op_type == 'Cast':  # a Cast ends the float32 chain (its input may be fp16)
            continue
        for name in node.input:
            if name in floats and name not in keep:
                keep.add(name)
                stack.append(name)
    return keep


def _to_fp16_tensor(t):
    arr = numpy_helper.to_array(t).astype(np.float32)
    arr = np.clip(arr, -FP16_MAX, FP16_MAX).astype(np.float16)
    out = numpy_helper.from_array(arr, t.name)
    return out


def _rename_inputs(graph, old, new):
    for node in graph.node:
        for i, name in enumerate(node.input):
            if name == old:
                node.input[i] = new


def convert_to_fp16(model):
    """Return a new float16 ModelProto; `model` is not modified."""
    model = onnx.shape_inference.infer_shapes(model)
    fp16 = onnx.ModelProto()
    fp16.CopyFrom(model)
    graph = fp16.graph
    if any(a.type == onnx.AttributeProto.GRAPH or a.type == onnx.AttributeProto.GRAPHS
           for n in graph.node for a in n.attribute):
        raise ValueError('graphs with subgraphs (If/Loop/Scan) are not supported by this converter')

    floats = _float_tensors(graph)
    keep = _keep_fp32(graph, floats)
    init_names = {init.name for init in graph.initializer}

    for init in graph.initializer:
        if init.data_type == FLOAT and init.name not in keep:
            init.CopyFrom(_to_fp16_tensor(init))

    for node in graph.node:
        out_kept = any(o in keep for o in node.output)
        if node.op_type == 'Constant' and not out_kept:
            for a in list(node.attribute):
                if a.name == 'value' and a.t.data_type == FLOAT:
                    a.t.CopyFrom(_to_fp16_tensor(a.t))
                elif a.name in ('value_float', 'value_floats'):
                    vals = np.array([a.f] if a.name == 'value_float' else list(a.floats), dtype=np.float32)
                    if a.name == 'value_float':
                        vals = vals.reshape(())
                    node.attribute.remove(a)
                    node.attribute.append(helper.make_attribute(
                        'value', numpy_helper.from_array(np.clip(vals, -FP16_MAX, FP16_MAX).astype(np.float16))))
        elif node.op_type == 'ConstantOfShape' and not out_kept:
            for a in node.attribute:
                if a.name == 'value' and a.t.data_type == FLOAT:
                    a.t.CopyFrom(_to_fp16_tensor(a.t))
        elif node.op_type == 'Cast' and not out_kept:
            for a in node.attribute:
                if a.name == 'to' and a.i == FLOAT:
                    a.i = FLOAT16

    for vi in graph.value_info:
        if vi.type.tensor_type.elem_type == FLOAT and vi.name not in keep:
            vi.type.tensor_type.elem_type = FLOAT16

    # float32 graph inputs -> Cast to float16 in front of their consumers.
    new_nodes = []
    for inp in graph.input:
        if inp.name in init_names or inp.type.tensor_type.elem_type != FLOAT or inp.name in keep:
            continue
        cast_out = inp.name + '_fp16'
        _rename_inputs(graph, inp.name, cast_out)
        new_nodes.append(helper.make_node('Cast', [inp.name], [cast_out], to=FLOAT16, name=inp.name + '_to_fp16'))
        vi = graph.value_info.add()
        vi.CopyFrom(inp)
        vi.name = cast_out
        vi.type.tensor_type.elem_type = FLOAT16

    # float32 graph outputs: the producer now writes `<name>_fp16`, a final Cast restores float32 `<name>`.
    tail = []
    for out in graph.output:
        if out.type.tensor_type.elem_type != FLOAT or out.name in keep:
            continue
        inner = out.name + '_fp16'
        for node in graph.node:
            for i, name in enumerate(node.output):
                if name == out.name:
                    node.output[i] = inner
        _rename_inputs(graph, out.name, inner)
        for vi in graph.value_info:
            if vi.name == out.name:
                vi.name = inner
        tail.append(helper.make_node('Cast', [inner], [out.name], to=FLOAT, name=out.name + '_to_fp32'))

    nodes = new_nodes + list(graph.node) + tail
    del graph.node[:]
    graph.node.extend(nodes)
    # Strict inference re-derives every type: it fails if any edge now mixes float and float16.
    checked = onnx.shape_inference.infer_shapes(fp16, check_type=True, strict_mode=True)
    onnx.checker.check_model(checked)
    return fp16
