import { describe, expect, it } from 'vitest';
import { analyzeModel } from '../../src/analyzers/analyze.js';
import { lintAnalysis } from '../../src/rules/lint.js';
import { loadModelBytes } from '../../src/model/load.js';
import { at } from '../../src/util/at.js';
import { floatInit, int64Init, node, onnx, tensorInfo, tinyModel } from '../helpers/tiny-model.js';

/**
 * Patterns real exporters emit (tf2onnx, paddle2onnx, torch.onnx): weights as Constant nodes, an NHWC
 * input behind a Transpose, shapes computed inside the graph, unused initializers. Expected numbers are
 * computed by hand below.
 */
function constantFloat(name: string, dims: number[]) {
  return {
    opType: 'Constant',
    name: `${name}_const`,
    input: [],
    output: [name],
    attribute: [{ name: 'value', type: onnx.AttributeProto.AttributeType.TENSOR, t: floatInit(`${name}_value`, dims) }],
  };
}

const bytes = tinyModel({
  opset: 11,
  inputs: [tensorInfo('image', ['batch', 32, 32, 3])], // NHWC, as TensorFlow exports
  outputs: [tensorInfo('logits', [])],
  initializers: [floatInit('unused_weight', [512, 512]), int64Init('minus1', [-1], [1]), int64Init('i0', [0], [])],
  nodes: [
    node('Transpose', ['image'], ['nchw'], { perm: [0, 3, 1, 2] }, 'to_nchw'),
    constantFloat('conv_w', [8, 3, 3, 3]),
    constantFloat('conv_b', [8]),
    node(
      'Conv',
      ['nchw', 'conv_w', 'conv_b'],
      ['conv'],
      { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [2, 2] },
      'conv',
    ),
    node('Relu', ['conv'], ['relu'], {}, 'relu'),
    // flatten as exporters write it: Reshape(x, Concat(Unsqueeze(Gather(Shape(x), 0)), [-1]))
    node('Shape', ['relu'], ['shape'], {}, 'shape'),
    node('Gather', ['shape', 'i0'], ['n'], { axis: 0 }, 'gather'),
    node('Unsqueeze', ['n'], ['n1'], { axes: [0] }, 'unsqueeze'),
    node('Concat', ['n1', 'minus1'], ['flat_shape'], { axis: 0 }, 'concat'),
    node('Reshape', ['relu', 'flat_shape'], ['flat'], {}, 'flatten'),
    constantFloat('fc_w', [8 * 16 * 16, 10]),
    constantFloat('fc_b', [10]),
    node('MatMul', ['flat', 'fc_w'], ['mm'], {}, 'fc'),
    node('Add', ['mm', 'fc_b'], ['logits'], {}, 'fc_bias'),
  ],
});

describe('exporter patterns', () => {
  const analysis = analyzeModel(loadModelBytes(bytes, { path: 'exported.onnx' }));
  const layer = (name: string) => analysis.layers.find((l) => l.name === name);

  it('infers through the NHWC transpose and the in-graph flatten shape', () => {
    expect(layer('to_nchw')?.outputShapes[0]).toEqual([1, 3, 32, 32]);
    expect(layer('conv')?.outputShapes[0]).toEqual([1, 8, 16, 16]);
    expect(layer('flatten')?.outputShapes[0]).toEqual([1, 2048]);
    expect(at(analysis.outputs, 0).shape).toEqual([1, 10]);
  });

  it('counts Constant-node weights as params and ignores unused initializers', () => {
    // conv 8*3*3*3 + 8, fc 2048*10 + 10; the unused 512x512 initializer feeds nothing
    expect(analysis.totals.params).toBe(8 * 27 + 8 + 2048 * 10 + 10);
    expect(layer('conv')?.flops).toBe(8 * 16 * 16 * 3 * 3 * 3);
    expect(layer('fc')?.flops).toBe(2048 * 10);
    expect(analysis.totals.unknownCostLayers).toEqual([]);
  });

  it('charges the layout Transpose as data movement and keeps shape arithmetic free', () => {
    expect(layer('to_nchw')?.memAccess).toBe(2 * 32 * 32 * 3);
    expect(layer('to_nchw')?.flops).toBe(0);
    // Shape arithmetic on a static shape is folded at load time (onnxruntime does the same) and the
    // Reshape is a view: none of it reaches the totals.
    expect(layer('shape')?.memAccess).toBe(0);
    for (const name of ['gather', 'unsqueeze', 'concat']) expect(layer(name)?.folded).toBe(true);
    expect(layer('flatten')?.memAccess).toBe(0);
  });

  it('lints without errors and names the bias Add as element-wise work', () => {
    const result = lintAnalysis(analysis);
    expect(result.findings.every((f) => f.severity !== 'error')).toBe(true);
    expect(result.findings.some((f) => f.ruleId === 'G1' && f.node === 'conv')).toBe(false); // stem reads the model input
  });
});

describe('quantized exports', () => {
  const INT8 = onnx.TensorProto.DataType.INT8;
  const int8Init = (name: string, dims: number[]) => ({
    name,
    dims,
    dataType: INT8,
    rawData: new Uint8Array(dims.reduce((a, b) => a * b, 1)),
  });
  const scalar = (name: string) => floatInit(name, []);

  it('counts a QDQ weight once, at the conv that consumes it', () => {
    const bytes = tinyModel({
      inputs: [tensorInfo('x', [1, 4, 8, 8])],
      outputs: [tensorInfo('y', [])],
      initializers: [int8Init('w_q', [6, 4, 1, 1]), scalar('w_scale'), { ...int8Init('w_zp', []) }],
      nodes: [
        node('DequantizeLinear', ['w_q', 'w_scale', 'w_zp'], ['w'], {}, 'dq'),
        node('Conv', ['x', 'w'], ['y'], {}, 'conv'),
      ],
    });
    const a = analyzeModel(loadModelBytes(bytes));
    expect(a.layers.find((l) => l.name === 'dq')?.folded).toBe(true);
    expect(a.layers.find((l) => l.name === 'conv')?.params).toBe(6 * 4);
    expect(a.totals.params).toBe(6 * 4);
  });

  it('counts the int8 weight and int32 bias of a QLinearConv', () => {
    const INT32 = onnx.TensorProto.DataType.INT32;
    const bytes = tinyModel({
      inputs: [tensorInfo('x', [1, 4, 8, 8], onnx.TensorProto.DataType.UINT8)],
      outputs: [tensorInfo('y', [])],
      initializers: [
        scalar('x_s'),
        { ...int8Init('x_zp', []), dataType: onnx.TensorProto.DataType.UINT8 },
        int8Init('w', [6, 4, 3, 3]),
        scalar('w_s'),
        int8Init('w_zp', []),
        scalar('y_s'),
        { ...int8Init('y_zp', []), dataType: onnx.TensorProto.DataType.UINT8 },
        { name: 'b', dims: [6], dataType: INT32, rawData: new Uint8Array(24) },
      ],
      nodes: [
        node(
          'QLinearConv',
          ['x', 'x_s', 'x_zp', 'w', 'w_s', 'w_zp', 'y_s', 'y_zp', 'b'],
          ['y'],
          { pads: [1, 1, 1, 1] },
          'qconv',
        ),
      ],
    });
    const a = analyzeModel(loadModelBytes(bytes));
    expect(a.totals.params).toBe(6 * 4 * 3 * 3 + 6);
    expect(at(a.layers, 0).flops).toBe(6 * 8 * 8 * 4 * 3 * 3);
  });
});
