import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LayerReport } from '../../src/analyzers/analyze.js';
import { assembleProfile, fusedMemBytes, sourceNodes } from '../../src/profile/assemble.js';
import { joinKernels } from '../../src/profile/join.js';
import { parseOrtTrace } from '../../src/profile/ort-trace.js';
import { prepareModel } from '../../src/profile/profile.js';
import { tinyConvNet } from './tiny-models.js';

/** A CUDA-session trace of the tiny model as onnxruntime would write it, with Relu falling back to CPU. */
function cudaTrace(withDeviceEvents: boolean): unknown[] {
  const names: [string, string][] = [
    ['conv1', 'Conv'],
    ['bn1', 'BatchNormalization'],
    ['relu1', 'Relu'],
    ['Conv_3', 'Conv'],
    ['Add_4', 'Add'],
    ['shuffle_reshape1', 'Reshape'],
    ['shuffle_transpose', 'Transpose'],
    ['shuffle_reshape2', 'Reshape'],
    ['gap', 'GlobalAveragePool'],
    ['flatten', 'Flatten'],
    ['fc', 'Gemm'],
  ];
  const events: unknown[] = [{ cat: 'Session', ph: 'X', name: 'model_run', ts: 0, dur: 1000 }];
  names.forEach(([name, op], i) => {
    const provider = name === 'relu1' ? 'CPUExecutionProvider' : 'CUDAExecutionProvider';
    events.push({
      cat: 'Node',
      ph: 'X',
      name: `${name}_kernel_time`,
      ts: 10 + 50 * i,
      dur: 5,
      args: { op_name: op, provider },
    });
    if (withDeviceEvents && provider !== 'CPUExecutionProvider')
      events.push({ cat: 'Kernel', ph: 'X', name: 'k', ts: 90000 + i, dur: 20, args: { op_name: op } });
  });
  return events;
}

function assemble(withDeviceEvents: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'efflint-assemble-'));
  const file = join(dir, 'tiny.onnx');
  writeFileSync(file, tinyConvNet());
  const prepared = prepareModel(file);
  const trace = parseOrtTrace(cudaTrace(withDeviceEvents), { warmupRuns: 0 });
  const joined = joinKernels(sourceNodes(prepared.analysis), trace.kernels, { naming: 'onnxruntime' });
  return assembleProfile(prepared.analysis, trace, joined, {
    model: file,
    source: 'onnxruntime-trace',
    ep: null,
    expectedProvider: null,
    onnxruntimeVersion: null,
    optLevel: null,
    threads: null,
    batch: prepared.batch,
    warmup: 0,
    inputs: [],
    latencySamplesMs: null,
    deviceProfile: null,
    warnings: [],
  });
}

describe('assembleProfile on a GPU trace', () => {
  it('reports the main provider and the nodes that fell back to CPU', () => {
    const r = assemble(true);
    expect(r.provider).toBe('CUDAExecutionProvider');
    expect(r.fallback).toEqual([{ kernel: 'relu1', nodes: ['relu1'], provider: 'CPUExecutionProvider' }]);
    expect(r.layers.find((l) => l.name === 'conv1')?.measuredUs).toBe(20);
    expect(r.warnings).toEqual([]);
  });

  it('warns that CUDA node times without device events are launch times', () => {
    const r = assemble(false);
    expect(r.warnings.join('\n')).toMatch(/10 kernel\(s\) on CUDAExecutionProvider carry host-side launch times only/);
  });
});

describe('fusedMemBytes', () => {
  const layer = (name: string, inputs: string[], outputs: string[], memBytes: number, outElems: number): LayerReport =>
    ({
      name,
      inputs,
      outputs,
      memBytes,
      outputShapes: outputs.map(() => [outElems]),
      outputDtypes: outputs.map(() => 'float32'),
    }) as unknown as LayerReport;

  it('drops the write and the reads of tensors that stay inside the group', () => {
    // conv: x(100) + w(10) -> c(100); relu: c -> r(100). Fused: x + w -> r, c never stored.
    const conv = layer('conv', ['x', 'w'], ['c'], 4 * 210, 100);
    const relu = layer('relu', ['c'], ['r'], 4 * 200, 100);
    const consumers = new Map([
      ['c', ['relu']],
      ['r', ['next']],
      ['x', ['conv']],
      ['w', ['conv']],
    ]);
    expect(fusedMemBytes([conv, relu], consumers)).toBe(4 * 210);
    // A tensor also read outside the group is stored.
    const shared = new Map([
      ['c', ['relu', 'other']],
      ['r', ['next']],
    ]);
    expect(fusedMemBytes([conv, relu], shared)).toBe(4 * 410);
    expect(fusedMemBytes([conv], consumers)).toBe(4 * 210);
  });
});
