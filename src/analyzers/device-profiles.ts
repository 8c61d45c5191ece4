import type { DeviceProfile } from './roofline.js';
import type { RuntimeName } from './runtime/types.js';

/**
 * The profile `lint` estimates time with when no `--device-profile` is given and the target is a CPU:
 * `efflint calibrate` (opt level all, process CPU time, 1 intra-op thread; src/profile/calibrate.ts)
 * run 5 times on 2026-12-06 (04:25-04:28 UTC) on this project's 2-core AMD EPYC VM (AVX-512, NCHWc
 * block 16), onnxruntime 1.30, while other work loaded the machine (load average 4-5); every number
 * is the median of the 5 runs (docs/benchmarks.md, "Prediction"). Absolute times on other CPUs
 * differ; the *shares* of model time findings are ranked by depend only on the ratios of the numbers.
 */
export const DEFAULT_CPU_PROFILE: DeviceProfile = Object.freeze({
  schemaVersion: 1,
  name: 'default CPU (onnxruntime 1.30, 1 thread, x86-64 AVX-512)',
  peakFlopsPerSecond: 83.3e9,
  bandwidthBytesPerSecond: 24.5e9,
  perOpOverheadUs: 0.58,
  convRoofs: Object.freeze({
    dense: 102e9,
    depthwise: 41.2e9,
    grouped: 97.8e9,
    unaligned: 76.1e9,
    depthwiseUnaligned: 2.51e9,
  }),
  convOverheadUs: 1.24,
  copyBandwidthBytesPerSecond: 42.9e9,
  activationBandwidthBytesPerSecond: 58.5e9,
  inNetworkFactor: 1.09,
  measuredWith: Object.freeze({
    source: 'efflint calibrate x5 (median), docs/benchmarks.md "Prediction"',
    command: 'node bin/efflint.js calibrate -o scratch/cpu-N.json',
    date: '2026-12-06',
    threads: 1,
    optLevel: 'all',
    clock: 'cpu',
    nchwcBlock: 16,
  }),
});

/**
 * The profile for `--runtime tensorrt` without `--device-profile`: an NVIDIA T4 from its datasheet
 * (65 TFLOPS FP16 tensor = 32.5 T multiply-adds/s, 320 GB/s) with a 3 us kernel launch. Datasheet
 * peaks are upper bounds, so estimated times are optimistic; the ranking by share is what matters.
 */
export const DEFAULT_GPU_PROFILE: DeviceProfile = Object.freeze({
  schemaVersion: 1,
  name: 'default GPU (NVIDIA T4 datasheet, FP16)',
  peakFlopsPerSecond: 32.5e12,
  bandwidthBytesPerSecond: 320e9,
  perOpOverheadUs: 3,
  measuredWith: { source: 'NVIDIA T4 datasheet', precision: 'fp16' },
});

/** The profile findings are ranked with: the user's, else the default of the target runtime's device. */
export function effectiveDeviceProfile(runtime: RuntimeName, explicit: DeviceProfile | undefined): DeviceProfile {
  if (explicit) return explicit;
  return runtime === 'tensorrt' ? DEFAULT_GPU_PROFILE : DEFAULT_CPU_PROFILE;
}
