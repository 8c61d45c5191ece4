import { createRequire } from 'node:module';
import { ProfilerError } from '../errors.js';

/**
 * Execution providers: which ones this onnxruntime-node build offers, how to name them in the trace,
 * and one-line advice when one cannot be used.
 */

const require = createRequire(import.meta.url);

/** onnxruntime's provider name in traces (`args.provider`) for each `executionProviders` name. */
export const PROVIDER_NAMES: Readonly<Record<string, string>> = {
  cpu: 'CPUExecutionProvider',
  cuda: 'CUDAExecutionProvider',
  tensorrt: 'TensorrtExecutionProvider',
  webgpu: 'WebGpuExecutionProvider',
  dml: 'DmlExecutionProvider',
  coreml: 'CoreMLExecutionProvider',
  qnn: 'QNNExecutionProvider',
  xnnpack: 'XnnpackExecutionProvider',
  openvino: 'OpenVINOExecutionProvider',
  migraphx: 'MIGraphXExecutionProvider',
  nnapi: 'NnapiExecutionProvider',
};

export function providerName(ep: string): string {
  return PROVIDER_NAMES[ep] ?? ep;
}

/** One backend of the installed binding (`listSupportedBackends()`). */
export interface BackendInfo {
  readonly name: string;
  /** false: the binding knows the EP but its shared libraries are not shipped in the npm package. */
  readonly bundled: boolean;
}

/** The one line a measuring command prints when the optional peer dependency is missing (exit 2). */
export const ONNXRUNTIME_MISSING =
  'onnxruntime-node is not installed (profile, calibrate, validate, report and --profile run models with it): npm install onnxruntime-node';

/**
 * Absolute path of onnxruntime-node's entry point (the worker requires it by path). onnxruntime-node is an
 * optional peer dependency: nothing imports it statically, so `analyze`, `lint` and `diff` never load it;
 * the measuring commands resolve it here, on first use, and load it in this module or in their workers.
 */
export function onnxruntimePath(): string {
  try {
    return require.resolve('onnxruntime-node');
  } catch (err) {
    throw new ProfilerError(ONNXRUNTIME_MISSING, { cause: err });
  }
}

/** onnxruntime-node's version and backends, loaded lazily (it loads a native addon). */
export function onnxruntimeInfo(): { version: string; backends: readonly BackendInfo[] } {
  const path = onnxruntimePath();
  let ort: { listSupportedBackends?: () => BackendInfo[]; env?: { versions?: Record<string, string> } };
  try {
    ort = require(path) as typeof ort;
  } catch (err) {
    throw new ProfilerError(`onnxruntime-node failed to load: ${(err as Error).message.split('\n')[0]}`, {
      cause: err,
    });
  }
  const backends =
    typeof ort.listSupportedBackends === 'function' ? ort.listSupportedBackends() : [{ name: 'cpu', bundled: true }];
  return { version: ort.env?.versions?.node ?? ort.env?.versions?.common ?? 'unknown', backends };
}

/** How to get an EP that is missing or whose libraries are not installed; one line. */
export function installHint(ep: string): string {
  switch (ep) {
    case 'cuda':
      return process.platform === 'linux'
        ? 'install the CUDA 12 build of onnxruntime-node: ONNXRUNTIME_NODE_INSTALL=cuda12 npm install (needs an NVIDIA driver, CUDA 12 and cuDNN 9 libraries)'
        : 'onnxruntime-node ships CUDA only for Linux x64; on Windows use --ep dml';
    case 'tensorrt':
      return process.platform === 'linux'
        ? 'install the CUDA 12 build of onnxruntime-node (ONNXRUNTIME_NODE_INSTALL=cuda12 npm install) and put TensorRT 10 libraries on LD_LIBRARY_PATH; or profile with trtexec --exportProfile and pass --trace'
        : 'onnxruntime-node ships TensorRT only for Linux x64; profile with trtexec --exportProfile and pass --trace';
    case 'webgpu':
      return 'WebGPU needs a GPU adapter with a Vulkan (Linux), D3D12 (Windows) or Metal (macOS) driver';
    case 'dml':
      return 'DirectML is available in onnxruntime-node on Windows only';
    case 'coreml':
      return 'CoreML is available in onnxruntime-node on macOS only';
    default:
      return `this onnxruntime-node build has no '${ep}' execution provider`;
  }
}

/** Throws ProfilerError when the binding does not offer `ep` at all. */
export function checkProvider(ep: string, backends: readonly BackendInfo[]): BackendInfo {
  const found = backends.find((b) => b.name === ep);
  if (!found) {
    const offered = backends.map((b) => (b.bundled ? b.name : `${b.name} (not bundled)`)).join(', ');
    throw new ProfilerError(
      `execution provider '${ep}' is not offered by onnxruntime-node on ${process.platform}/${process.arch} (offered: ${offered}); ${installHint(ep)}`,
    );
  }
  return found;
}

/** Turns onnxruntime's session-creation error into a one-line ProfilerError with advice. */
export function sessionError(ep: string, stage: string, message: string): ProfilerError {
  const first = (message.split('\n', 1)[0] ?? '').trim();
  if (/Failed to load (shared )?library|cannot open shared object|LoadLibrary failed/i.test(message)) {
    return new ProfilerError(`execution provider '${ep}' is not installed (${first}); ${installHint(ep)}`);
  }
  if (/adapter|Vulkan|no available backend|backend not found/i.test(message) && ep !== 'cpu') {
    return new ProfilerError(
      `execution provider '${ep}' cannot start on this machine (${first.slice(0, 160)}); ${installHint(ep)}`,
    );
  }
  const what =
    stage === 'create' ? 'could not load the model' : stage === 'run' ? 'failed while running the model' : 'failed';
  return new ProfilerError(`onnxruntime ${what}: ${first}`);
}
