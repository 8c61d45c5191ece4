import { describe, expect, it } from 'vitest';
import { ProfilerError } from '../../src/errors.js';
import { parseOrtTrace } from '../../src/profile/ort-trace.js';
import { at } from '../../src/util/at.js';

function session(name: string, ts: number, dur: number) {
  return { cat: 'Session', pid: 1, tid: 1, ph: 'X', name, ts, dur, args: {} };
}
function kernel(name: string, ts: number, dur: number, extra: Record<string, unknown> = {}) {
  return {
    cat: 'Node',
    pid: 1,
    tid: 1,
    ph: 'X',
    name: `${name}_kernel_time`,
    ts,
    dur,
    args: {
      op_name: 'Conv',
      provider: 'CPUExecutionProvider',
      node_index: '0',
      activation_size: '100',
      parameter_size: '20',
      output_size: '50',
      input_type_shape: [{ float: [1, 3, 8, 8] }, { float: [4, 3, 1, 1] }],
      output_type_shape: [{ float: [1, 4, 8, 8] }],
      ...extra,
    },
  };
}

/** Three runs of two kernels; run r takes 10*(r+1) µs in conv. */
function threeRuns(): unknown[] {
  const events: unknown[] = [session('model_loading_array', 0, 5), session('session_initialization', 5, 10)];
  for (let r = 0; r < 3; r++) {
    const t = 100 * (r + 1);
    events.push(kernel('conv', t + 1, 10 * (r + 1)), {
      ...kernel('Relu_1', t + 40, 2),
      args: { op_name: 'Relu', provider: 'CPUExecutionProvider' },
    });
    events.push(session('SequentialExecutor::Execute', t, 50), session('model_run', t, 60));
  }
  return events;
}

describe('onnxruntime trace reader', () => {
  it('drops warm-up runs by model_run boundaries and takes the median per kernel', () => {
    const t = parseOrtTrace(threeRuns(), { warmupRuns: 1 });
    expect(t.runs).toBe(2);
    expect(t.warmupRuns).toBe(1);
    expect(t.runDurationsUs).toEqual([60, 60]);
    expect(t.kernels.map((k) => k.name)).toEqual(['conv', 'Relu_1']);
    expect(t.kernels[0]).toMatchObject({
      opType: 'Conv',
      provider: 'CPUExecutionProvider',
      nodeIndex: 0,
      runsUs: [20, 30],
      medianUs: 25,
      deviceUs: null,
    });
    expect(at(t.kernels, 0).bytes).toEqual({ activation: 100, parameter: 20, output: 50, total: 170 });
    expect(at(t.kernels, 0).inputShapes).toEqual([
      [1, 3, 8, 8],
      [4, 3, 1, 1],
    ]);
    expect(at(t.kernels, 1).bytes).toBeNull();
    expect(t.providers).toEqual(['CPUExecutionProvider']);
  });

  it('defaults to dropping the first run of a multi-run trace', () => {
    expect(parseOrtTrace(threeRuns()).warmupRuns).toBe(1);
    expect(at(parseOrtTrace(threeRuns(), { warmupRuns: 0 }).kernels, 0).runsUs).toEqual([10, 20, 30]);
  });

  it('sums a node that runs several times in one run, counts 0 where it did not run', () => {
    const events = [
      session('model_run', 0, 100),
      kernel('loop_body', 1, 5),
      kernel('loop_body', 10, 7),
      session('model_run', 200, 100),
      kernel('other', 201, 3),
    ];
    const t = parseOrtTrace(events, { warmupRuns: 0 });
    expect(t.kernels.find((k) => k.name === 'loop_body')?.runsUs).toEqual([12, 0]);
  });

  it('attaches CUPTI Kernel events to the Node event before them (device time)', () => {
    const events = [
      session('model_run', 0, 100),
      kernel('conv', 1, 30, { provider: 'CUDAExecutionProvider' }),
      { cat: 'Kernel', pid: -1, tid: -1, ph: 'X', name: 'implicit_gemm', ts: 5000, dur: 8, args: { op_name: 'Conv' } },
      { cat: 'Kernel', pid: -1, tid: -1, ph: 'X', name: 'bias_add', ts: 5010, dur: 2, args: { op_name: 'Conv' } },
    ];
    const t = parseOrtTrace(events, { warmupRuns: 0 });
    expect(t.kernels[0]).toMatchObject({ medianUs: 30, deviceUs: 10, provider: 'CUDAExecutionProvider' });
  });

  it('accepts the {traceEvents: [...]} form and traces without run events', () => {
    const t = parseOrtTrace({ traceEvents: [kernel('conv', 1, 4), kernel('conv', 10, 6)] });
    expect(t.runs).toBe(1);
    expect(t.runDurationsUs).toBeNull();
    expect(at(t.kernels, 0).medianUs).toBe(10);
  });

  it('rejects what is not a trace', () => {
    expect(() => parseOrtTrace({ hello: 1 })).toThrow(ProfilerError);
    expect(() => parseOrtTrace([{ count: 3 }, { name: 'x', timeMs: 1 }])).toThrow(/not an onnxruntime profile/);
  });
});
