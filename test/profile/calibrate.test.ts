import { describe, expect, it } from 'vitest';
import { roofline } from '../../src/analyzers/roofline.js';
import { ProfilerError } from '../../src/errors.js';
import { calibrateDevice, parseDeviceProfile } from '../../src/profile/calibrate.js';
import { profileModel } from '../../src/profile/profile.js';

describe('calibrateDevice (real onnxruntime-node)', () => {
  it('measures peak compute, bandwidth and per-op overhead, and the profile predicts layer times', async () => {
    const phases = new Set<string>();
    const p = await calibrateDevice({ threads: 1, runs: 2, warmup: 1, onProgress: (x) => phases.add(x.phase) });
    expect(phases).toEqual(new Set(['compute', 'overhead']));
    expect(p.schemaVersion).toBe(1);
    expect(p.name).toBe('cpu:onnxruntime-1.30.0:1 thread');
    // Loose physical bounds for any machine that runs the tests: 0.1-10,000 G multiply-adds/s, 0.1-10,000 GB/s.
    expect(p.peakFlopsPerSecond).toBeGreaterThan(1e8);
    expect(p.peakFlopsPerSecond).toBeLessThan(1e13);
    expect(p.bandwidthBytesPerSecond).toBeGreaterThan(1e8);
    expect(p.bandwidthBytesPerSecond).toBeLessThan(1e13);
    expect(p.perOpOverheadUs).toBeGreaterThanOrEqual(0);
    expect(p.perOpOverheadUs).toBeLessThan(1000);
    expect(p.measuredWith).toMatchObject({ ep: 'cpu', threads: 1, onnxruntime: '1.30.0' });
    expect(parseDeviceProfile(JSON.stringify(p), 'p.json')).toEqual(p);

    const r = await profileModel('zoo:shufflenet_v2_x0_5', { threads: 1, warmup: 2, runs: 3, optLevel: 'disabled', deviceProfile: p });
    expect(r.deviceProfile).toBe(p.name);
    for (const l of r.layers) {
      expect(l.predictedUs).toBeCloseTo(roofline(l.flops!, l.memBytes!, p).predictedUs, 9);
    }
    expect(r.correlation.predictedSpearman).not.toBeNull();
    expect(r.correlation.predictedSpearman!).toBeGreaterThan(0);
  });

  it('rejects files that are not device profiles', () => {
    expect(() => parseDeviceProfile('{', 'x.json')).toThrow(ProfilerError);
    expect(() => parseDeviceProfile('{"schemaVersion":1,"name":"x","peakFlopsPerSecond":0,"bandwidthBytesPerSecond":1,"perOpOverheadUs":1}', 'x.json')).toThrow(/efflint calibrate/);
  });
});
