/**
 * Every error efflint expects to happen (bad input, bad usage, a missing runtime) derives from
 * EfflintError. The CLI prints `message` on one line and exits 2; `--debug` adds the stack.
 */
export class EfflintError extends Error {
  /** Stable machine-readable code, e.g. `invalid-model`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** The model file is missing, unreadable, not ONNX, or structurally broken. */
export class InvalidModelError extends EfflintError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('invalid-model', message, options);
  }
}

/**
 * A node breaks its operator's specification (a wrong rank, a bad attribute, shapes that cannot
 * broadcast): the model is wrong, not efflint. Op definitions throw it; the analyzer names the node.
 * Any other exception from an op definition is an efflint bug.
 */
export class OpSpecError extends EfflintError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('op-spec', message, options);
  }
}

/** Command-line usage or argument error. */
export class UsageError extends EfflintError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('usage', message, options);
  }
}

/** efflint.config.json is missing, malformed, or names unknown rules/options. */
export class ConfigError extends EfflintError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('config', message, options);
  }
}

/** onnxruntime could not load or run the model, or an execution provider is missing. */
export class ProfilerError extends EfflintError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('profiler', message, options);
  }
}

/** A report could not be written where `-o/--output-file` asked. */
export class OutputFileError extends EfflintError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('output-file', message, options);
  }
}
