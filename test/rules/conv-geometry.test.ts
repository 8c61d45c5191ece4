import { describe, expect, it } from 'vitest';
import { analyzeModel } from '../../src/analyzers/analyze.js';
import { loadModelBytes } from '../../src/model/load.js';
import { convGeometry, macAtGroups, macLowerBound } from '../../src/rules/conv-geometry.js';
import { at } from '../../src/util/at.js';
import { floatInit, node, tensorInfo, tinyModel } from '../helpers/tiny-model.js';

/** A stride-2, 2x2 ConvTranspose c1 -> c2 (groups g) on an h x h map: it upsamples to 2h x 2h. */
function convTranspose(c1: number, c2: number, h: number, g = 1) {
  const bytes = tinyModel({
    nodes: [node('ConvTranspose', ['x', 'w'], ['y'], { strides: [2, 2], kernel_shape: [2, 2], group: g }, 'up')],
    inputs: [tensorInfo('x', [1, c1, h, h])],
    outputs: [tensorInfo('y', [1, c2, 2 * h, 2 * h])],
    initializers: [floatInit('w', [c1, c2 / g, 2, 2])],
  });
  return at(analyzeModel(loadModelBytes(bytes, { path: 'up.onnx' })).layers, 0);
}

describe("convGeometry reads the analyzer's costs", () => {
  it('ConvTranspose: FLOPs are per input pixel (hw_in * k * c1 * c2 / g), not per output pixel', () => {
    const layer = convTranspose(64, 32, 14);
    const geo = convGeometry(layer)!;
    // Each of the 14*14 input pixels is scattered through a 2x2 kernel: 196 * 4 * 64 * 32.
    expect(geo.flops).toBe(196 * 4 * 64 * 32);
    expect(geo.flops).toBe(layer.flops);
    expect(geo.memAccess).toBe(layer.memAccess);
    expect(geo.pixelsPerWeight).toBe(196);
  });

  it('ConvTranspose: the Eq. 1 bound is reached at hw_in*c1 = hw_out*c2 with the same FLOPs', () => {
    const geo = convGeometry(convTranspose(64, 32, 14))!;
    // B = 1,605,632 with p = 196, k = 4: c1*c2 = B/(p*k) = 2,048 is fixed and the weights are
    // k*c1*c2 = B/p = 8,192; hw_in = 196, hw_out = 784.
    // MAC = 196*c1 + 784*c2 + 8,192 >= 2*sqrt(196*784*2,048) + 8,192 = 2*17,738.2 + 8,192.
    expect(macLowerBound(geo)).toBeCloseTo(2 * Math.sqrt(196 * 784 * 2048) + 8192, 6);
    // 64 -> 32 at 4x the pixels: 196*64 + 784*32 = 37,632 activations vs 35,476 at the bound.
    expect(geo.memAccess).toBe(196 * 64 + 784 * 32 + 8192);
  });

  it('ConvTranspose: MAC at g groups keeps the input and the FLOPs (Eq. 2 generalised)', () => {
    const geo = convGeometry(convTranspose(64, 64, 14, 4))!;
    // B = 196*4*64*16 = 802,816; at g=1 and equal B, c2 = B/(p*k*c1) = 16: 196*64 + 784*16 + 64*16*4.
    expect(macAtGroups(geo, 1)).toBeCloseTo(196 * 64 + 784 * 16 + 4096, 6);
    expect(macAtGroups(geo, 4)).toBeCloseTo(geo.memAccess, 6);
  });
});
