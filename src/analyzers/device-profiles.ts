import type { DeviceProfile } from './roofline.js';
import type { RuntimeName } from './runtime/types.js';

/**
 * The profile `lint` estimates time with when no `--device-profile` is given and the target is a CPU:
 * `efflint calibrate` on a 2-core x86-64 (AVX-512) cloud VM, onnxruntime 1.30, 1 intra-op thread
 * (docs/benchmarks.md, "calibrate"). Absolute times on other CPUs differ; the *shares* of model time
 * that findings are ranked by depend only on the ratios of the three numbers.
 */
export const DEFAULT_CPU_PROFILE: DeviceProfile = Object.freeze({
  schemaVersion: 1,
  name: 'default CPU (onnxruntime 1.30, 1 thread, x86-64)',
  peakFlopsPerSecond: 49.9e9,
  bandwidthBytesPerSecond: 22.2e9,
  perOpOverheadUs: 0.36,
  measuredWith: { source: 'efflint calibrate, docs/benchmarks.md', threads: 1, optLevel: 'disabled' },
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
