/** Measured kernels as read from a trace, before they are joined to ONNX nodes. */

/** Bytes one kernel touched, as onnxruntime's profiler reports them (trace event args). */
export interface KernelBytes {
  /** `activation_size`: non-constant inputs. */
  readonly activation: number;
  /** `parameter_size`: constant inputs (initializers) the kernel still reads at run time. */
  readonly parameter: number;
  /** `output_size`. */
  readonly output: number;
  /** activation + parameter + output: the measured memory access of the kernel. */
  readonly total: number;
}

/** One kernel (an executed graph node) aggregated over the timed runs of a trace. */
export interface TraceKernel {
  /** Name as the trace gives it: onnxruntime's node name (`<opType>_<index>` when unnamed), or a TensorRT layer name. */
  readonly name: string;
  /** onnxruntime's `op_name` (e.g. `Conv`, `FusedConv`); null for TensorRT layers. */
  readonly opType: string | null;
  /** Execution provider that ran it (`CPUExecutionProvider`...); 'TensorRT' for trtexec profiles. */
  readonly provider: string | null;
  /** onnxruntime's runtime node index; null when unknown. */
  readonly nodeIndex: number | null;
  /** Median over timed runs of the kernel's time in that run (summed when it ran several times), microseconds. */
  readonly medianUs: number;
  /** Per timed run, microseconds (0 where it did not run). Empty for TensorRT profiles (only aggregates exist). */
  readonly runsUs: readonly number[];
  /** Device-side time from CUPTI `Kernel` events attached to this node (median per run), when the trace has them. */
  readonly deviceUs: number | null;
  readonly bytes: KernelBytes | null;
  /** Input shapes from `input_type_shape` (prepacked weights are missing there). */
  readonly inputShapes: readonly (readonly number[])[] | null;
  readonly outputShapes: readonly (readonly number[])[] | null;
}

/** A trace after parsing: the kernels of the timed runs. */
export interface ParsedTrace {
  readonly format: 'onnxruntime' | 'tensorrt';
  /** Kernels in the order they first executed. */
  readonly kernels: readonly TraceKernel[];
  /** Runs whose events were used (warm-up excluded). */
  readonly runs: number;
  /** Leading runs excluded as warm-up. */
  readonly warmupRuns: number;
  /** Duration of each timed `model_run` (onnxruntime traces), microseconds; null for TensorRT. */
  readonly runDurationsUs: readonly number[] | null;
  /** Providers seen on kernels, most time first. */
  readonly providers: readonly string[];
}
