/** Options for building a zoo model. */
export interface ZooBuildOptions {
  /**
   * Fold every BatchNormalization that follows a convolution into that convolution (the conv
   * gains a bias), as exporters emit in eval mode. Default false: BatchNormalization unfused.
   */
  readonly deploy?: boolean;
  /** Batch size of the input (default 1). */
  readonly batch?: number;
  /** Input height = width in pixels (default: the model's native resolution). */
  readonly resolution?: number;
  /** Seed of the synthetic weights (default 0x5eed). Weights never affect cost analysis. */
  readonly seed?: number;
  /**
   * false: write zero-filled weights instead of seeded random ones. Same graph, same tensor
   * sizes, several times faster to build; for analysis only (the model still runs, outputs 0).
   * Default true.
   */
  readonly weights?: boolean;
}

/** Figures the model's authors published (multiply-adds counted as FLOPs). */
export interface PublishedFigures {
  /** Trainable parameters (BatchNormalization counts scale and bias only). */
  readonly params?: number;
  /** Multiply-adds at the default resolution, batch 1. */
  readonly flops?: number;
  /** Where the figures come from, and how rounded they are. */
  readonly reference?: string;
}

/** One reference model or guideline micro-benchmark. */
export interface ZooEntry {
  /** Public, stable name (`shufflenet_v2_x1_0`, `exp_g3_4frag_parallel`). */
  readonly name: string;
  /** `shufflenet_v1`, `shufflenet_v2`, `efficientnet`, `efficientnet_v2`, `mobilenet_v2`, `resnet`, `experiment_g1`..`experiment_g4`. */
  readonly family: string;
  readonly description: string;
  /** Input shape at batch 1 and the default resolution. */
  readonly inputShape: readonly number[];
  /** Paper and code the construction follows. */
  readonly source: string;
  readonly published?: PublishedFigures;
  /**
   * The paper's measured numbers for this model (speeds, latencies), keyed
   * `<paper>.<table>.<device>.<unit>`; also written into metadata_props as
   * `efflint.zoo.paper.<key>`.
   */
  readonly paperMeasurements?: Readonly<Record<string, number | string>>;
  /** Builds the ONNX model (ModelProto bytes). */
  build(options?: ZooBuildOptions): Uint8Array;
}
