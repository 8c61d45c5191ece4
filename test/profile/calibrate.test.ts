import { describe, expect, it } from 'vitest';
import { DEFAULT_CPU_PROFILE } from '../../src/analyzers/device-profiles.js';
import { CONV_FAMILIES } from '../../src/analyzers/roofline.js';
import { ProfilerError } from '../../src/errors.js';
import { calibrateDevice, parseDeviceProfile } from '../../src/profile/calibrate.js';
import { profileModel } from '../../src/profile/profile.js';

describe('calibrateDevice (real onnxruntime-node)', () => {
  it('measures at opt level all on the CPU clock, with kernel-family roofs, and profile predicts with the plan', async () => {
    const phases = new Set<string>();
    const p = await calibrateDevice({ blocks: 1, runs: 1, warmup: 0, onProgress: (x) => phases.add(x.phase) });
    expect(phases).toEqual(new Set(['kernels']));
    expect(p.schemaVersion).toBe(1);
    expect(p.name).toBe('cpu:onnxruntime-1.30.0:1 thread');
    expect(p.measuredWith).toMatchObject({
      ep: 'cpu',
      threads: 1,
      onnxruntime: '1.30.0',
      optLevel: 'all',
      clock: 'cpu',
    });
    // Loose physical bounds for any machine that runs the tests (one run each: noisy).
    for (const v of [
      p.peakFlopsPerSecond,
      p.bandwidthBytesPerSecond,
      p.copyBandwidthBytesPerSecond!,
      p.activationBandwidthBytesPerSecond!,
    ]) {
      expect(v).toBeGreaterThan(1e8);
      expect(v).toBeLessThan(1e13);
    }
    for (const f of CONV_FAMILIES) {
      expect(p.convRoofs?.[f]).toBeGreaterThan(1e7);
      expect(p.convRoofs?.[f]).toBeLessThan(1e13);
    }
    expect(p.inNetworkFactor).toBeGreaterThanOrEqual(1 / 3);
    expect(p.inNetworkFactor).toBeLessThanOrEqual(3);
    expect(p.perOpOverheadUs).toBeGreaterThanOrEqual(0);
    expect(p.perOpOverheadUs).toBeLessThan(1000);
    expect(parseDeviceProfile(JSON.stringify(p), 'p.json')).toEqual(p);

    // The plan prediction is checked with the built-in profile (calibrated from many runs): the
    // one-run profile above is too noisy on a loaded machine to rank kernels reliably. The code path
    // (family roofs, reorders, per-conv overhead) is the same for any profile with these fields.
    const r = await profileModel('zoo:shufflenet_v2_x0_5', {
      threads: 1,
      warmup: 1,
      runs: 5,
      deviceProfile: DEFAULT_CPU_PROFILE,
    });
    expect(r.deviceProfile).toBe(DEFAULT_CPU_PROFILE.name);
    // Every kernel has a plan estimate, the NCHWc reorders onnxruntime inserted included.
    const inserted = r.layers.filter((l) => l.inserted);
    expect(inserted.length).toBeGreaterThan(0);
    for (const l of r.layers) expect(l.predictedUs).toBeGreaterThanOrEqual(0);
    expect(r.layers.filter((l) => l.family === 'dense').every((l) => l.predictedUs! > 0)).toBe(true);
    expect(new Set(inserted.map((l) => l.family))).toEqual(new Set(['copy']));
    expect(r.layers.some((l) => l.family === 'depthwise')).toBe(true);
    expect(r.correlation.predictedSpearman!).toBeGreaterThan(0.5);
  }, 30_000);

  it('rejects files that are not device profiles', () => {
    expect(() => parseDeviceProfile('{', 'x.json')).toThrow(ProfilerError);
    expect(() =>
      parseDeviceProfile(
        '{"schemaVersion":1,"name":"x","peakFlopsPerSecond":0,"bandwidthBytesPerSecond":1,"perOpOverheadUs":1}',
        'x.json',
      ),
    ).toThrow(/efflint calibrate/);
  });
});
