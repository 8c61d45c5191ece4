import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isTrtProfile, parseTrtLayerName, parseTrtProfile } from '../../src/profile/trt-profile.js';

const FIXTURE = new URL('../../fixtures/trtexec-profile.json', import.meta.url);

describe('TensorRT trtexec --exportProfile reader', () => {
  it('reads the committed fixture: count, then one row per layer', () => {
    const json = JSON.parse(readFileSync(FIXTURE, 'utf8'));
    expect(isTrtProfile(json)).toBe(true);
    const t = parseTrtProfile(json);
    expect(t.format).toBe('tensorrt');
    expect(t.runs).toBe(json[0].count);
    expect(t.kernels.length).toBe(json.length - 1);
    expect(t.kernels[1]).toMatchObject({ name: json[2].name, provider: 'TensorRT', medianUs: json[2].medianMs * 1000 });
  });

  it('falls back to averageMs, then timeMs / count, when medianMs is absent (TensorRT < 8.6)', () => {
    const t = parseTrtProfile([
      { count: 10 },
      { name: 'a', timeMs: 2, averageMs: 0.2, percentage: 50 },
      { name: 'b', timeMs: 2, percentage: 50 },
    ]);
    expect(t.kernels.map((k) => k.medianUs)).toEqual([200, 200]);
  });

  it('splits fused layer names into ONNX names', () => {
    expect(parseTrtLayerName('unit1.conv1 + unit1.relu1')).toEqual({
      members: ['unit1.conv1', 'unit1.relu1'],
      range: null,
      reformat: false,
    });
    expect(parseTrtLayerName('PWN(PWN(/act/Sigmoid, /act/Mul), /add/Add)').members).toEqual([
      '/act/Sigmoid',
      '/act/Mul',
      '/add/Add',
    ]);
    expect(parseTrtLayerName('/conv/Conv + PWN(/act/Relu)').members).toEqual(['/conv/Conv', '/act/Relu']);
    expect(parseTrtLayerName('{ForeignNode[/encoder/Unsqueeze_3.../match_model/Squeeze]}')).toEqual({
      members: [],
      range: { from: '/encoder/Unsqueeze_3', to: '/match_model/Squeeze' },
      reformat: false,
    });
    expect(parseTrtLayerName('Reformatting CopyNode for Input Tensor 0 to conv1 + relu1')).toEqual({
      members: ['conv1', 'relu1'],
      range: null,
      reformat: true,
    });
    expect(parseTrtLayerName('(Unnamed Layer* 4) [Shuffle]').members).toEqual([]);
  });
});
