import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { VersionedOpDef } from '../../src/analyzers/opset-range.js';
import { OP_FAMILIES, lookupOp, registeredOps } from '../../src/analyzers/registry.js';
import { at } from '../../src/util/at.js';

/**
 * Operator coverage against the ONNX spec. fixtures/onnx-ops-1.12.txt lists every operator schema of Debian's
 * python3-onnx 1.12 (ai.onnx up to opset 17, ai.onnx.ml, ai.onnx.preview.training): one line per op, "domain
 * op_type since_version support". It is generated, never edited, by this one command from the repository root:
 *
 *   { echo "# generated from Debian python3-onnx 1.12 (onnx.defs.get_all_schemas()); do not edit: the command is in test/analyzers/op-coverage.test.ts"; echo "# domain op_type since_version support (common | experimental | deprecated)"; /usr/bin/python3 -c "import onnx.defs as d; print('\n'.join(sorted('%s %s %d %s' % (s.domain or 'ai.onnx', s.name, s.since_version, 'deprecated' if s.deprecated else str(s.support_level).split('.')[-1].lower()) for s in d.get_all_schemas())))"; } > fixtures/onnx-ops-1.12.txt
 *
 * The test reads the list (it runs no Python and writes nothing). Operators added after onnx 1.12 (opsets 18-24)
 * are listed by hand in LATER_OPS from the ONNX changelog.
 */

interface SpecOp {
  readonly domain: string;
  readonly opType: string;
  readonly since: number;
  readonly support: 'common' | 'experimental' | 'deprecated';
}

const FIXTURE = new URL('../../fixtures/onnx-ops-1.12.txt', import.meta.url);

/** The definitions OP_FAMILIES lists under one family file; fails the test when the family is missing. */
function familyDefs(file: string): readonly VersionedOpDef[] {
  const defs = OP_FAMILIES[file];
  if (!defs) throw new Error(`OP_FAMILIES has no family ${file}`);
  return defs;
}

function specOps(): SpecOp[] {
  return readFileSync(FIXTURE, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => {
      const [domain, opType, since, support] = line.trim().split(/\s+/);
      if (domain === undefined || opType === undefined || since === undefined || support === undefined) {
        throw new Error(`${FIXTURE.pathname}: malformed line "${line}"`);
      }
      return { domain, opType, since: Number(since), support: support as SpecOp['support'] };
    });
}

/**
 * ai.onnx operators introduced after onnx 1.12 (Changelog.md, opsets 18 to 24): the first opset of each, and the
 * family (onnx/defs/<family>/defs.cc) that defines it.
 */
const LATER_OPS: Readonly<Record<string, { readonly since: number; readonly family: string }>> = {
  BitwiseAnd: { since: 18, family: 'logical' },
  BitwiseNot: { since: 18, family: 'logical' },
  BitwiseOr: { since: 18, family: 'logical' },
  BitwiseXor: { since: 18, family: 'logical' },
  CenterCropPad: { since: 18, family: 'tensor' },
  Col2Im: { since: 18, family: 'nn' },
  GroupNormalization: { since: 18, family: 'nn' },
  Mish: { since: 18, family: 'math' },
  DeformConv: { since: 19, family: 'nn' },
  AffineGrid: { since: 20, family: 'tensor' },
  Gelu: { since: 20, family: 'math' },
  ImageDecoder: { since: 20, family: 'image' },
  RegexFullMatch: { since: 20, family: 'text' },
  StringConcat: { since: 20, family: 'text' },
  StringSplit: { since: 20, family: 'text' },
  Attention: { since: 23, family: 'nn' },
  RMSNormalization: { since: 23, family: 'nn' },
  RotaryEmbedding: { since: 23, family: 'nn' },
  Swish: { since: 24, family: 'math' },
  TensorScatter: { since: 24, family: 'tensor' },
};

/**
 * The family of every ai.onnx operator of onnx 1.12: the onnx/defs/<family>/defs.cc that defines it, as
 * Operators.md groups them. Derived once from the same Debian python3-onnx 1.12 (each schema's `file`):
 *
 *   /usr/bin/python3 -c "import onnx.defs as d; [print(s.file.split('onnx/defs/')[1].split('/')[0], s.name) for s in d.get_all_schemas() if not s.domain]"
 */
const FAMILIES_1_12: Readonly<Record<string, readonly string[]>> = {
  controlflow: ['If', 'Loop', 'Scan'],
  generator: [
    'Bernoulli',
    'Constant',
    'ConstantOfShape',
    'EyeLike',
    'Multinomial',
    'RandomNormal',
    'RandomNormalLike',
    'RandomUniform',
    'RandomUniformLike',
    'Range',
  ],
  logical: ['And', 'BitShift', 'Equal', 'Greater', 'GreaterOrEqual', 'Less', 'LessOrEqual', 'Not', 'Or', 'Xor'],
  math: [
    'Abs',
    'Acos',
    'Acosh',
    'Add',
    'Asin',
    'Asinh',
    'Atan',
    'Atanh',
    'BlackmanWindow',
    'Ceil',
    'Celu',
    'Clip',
    'Cos',
    'Cosh',
    'CumSum',
    'DFT',
    'Det',
    'Div',
    'Einsum',
    'Elu',
    'Erf',
    'Exp',
    'Expand',
    'Floor',
    'Gemm',
    'HammingWindow',
    'HannWindow',
    'HardSigmoid',
    'HardSwish',
    'Hardmax',
    'LeakyRelu',
    'Log',
    'LogSoftmax',
    'MatMul',
    'MatMulInteger',
    'Max',
    'Mean',
    'MelWeightMatrix',
    'Min',
    'Mod',
    'Mul',
    'Neg',
    'NegativeLogLikelihoodLoss',
    'PRelu',
    'Pow',
    'QLinearMatMul',
    'Reciprocal',
    'Relu',
    'Round',
    'STFT',
    'Selu',
    'Sigmoid',
    'Sign',
    'Sin',
    'Sinh',
    'Softmax',
    'SoftmaxCrossEntropyLoss',
    'Softplus',
    'Softsign',
    'Sqrt',
    'Sub',
    'Sum',
    'Tan',
    'Tanh',
    'ThresholdedRelu',
    'TopK',
  ],
  nn: [
    'AveragePool',
    'BatchNormalization',
    'Conv',
    'ConvInteger',
    'ConvTranspose',
    'Dropout',
    'Flatten',
    'GlobalAveragePool',
    'GlobalLpPool',
    'GlobalMaxPool',
    'InstanceNormalization',
    'LRN',
    'LayerNormalization',
    'LpNormalization',
    'LpPool',
    'MaxPool',
    'MaxRoiPool',
    'MaxUnpool',
    'MeanVarianceNormalization',
    'QLinearConv',
    'Shrink',
    'StringNormalizer',
    'TfIdfVectorizer',
  ],
  object_detection: ['NonMaxSuppression', 'RoiAlign'],
  optional: ['Optional', 'OptionalGetElement', 'OptionalHasElement'],
  quantization: ['DequantizeLinear', 'DynamicQuantizeLinear', 'QuantizeLinear'],
  reduction: [
    'ArgMax',
    'ArgMin',
    'ReduceL1',
    'ReduceL2',
    'ReduceLogSum',
    'ReduceLogSumExp',
    'ReduceMax',
    'ReduceMean',
    'ReduceMin',
    'ReduceProd',
    'ReduceSum',
    'ReduceSumSquare',
  ],
  rnn: ['GRU', 'LSTM', 'RNN'],
  sequence: [
    'ConcatFromSequence',
    'SequenceAt',
    'SequenceConstruct',
    'SequenceEmpty',
    'SequenceErase',
    'SequenceInsert',
    'SequenceLength',
    'SequenceMap',
    'SplitToSequence',
  ],
  tensor: [
    'Cast',
    'CastLike',
    'Compress',
    'Concat',
    'DepthToSpace',
    'Gather',
    'GatherElements',
    'GatherND',
    'GridSample',
    'Identity',
    'IsInf',
    'IsNaN',
    'NonZero',
    'OneHot',
    'Pad',
    'Reshape',
    'Resize',
    'ReverseSequence',
    'Scatter',
    'ScatterElements',
    'ScatterND',
    'Shape',
    'Size',
    'Slice',
    'SpaceToDepth',
    'Split',
    'Squeeze',
    'Tile',
    'Transpose',
    'Trilu',
    'Unique',
    'Unsqueeze',
    'Upsample',
    'Where',
  ],
};

/**
 * ai.onnx operators efflint deliberately leaves unknown ("cost unknown", never 0): they work on strings or encoded
 * bytes, where a FLOP count means nothing and output shapes depend on the text or image content.
 */
const DELIBERATELY_UNKNOWN: readonly string[] = [
  'StringNormalizer', // string case folding and stop-word removal
  'TfIdfVectorizer', // n-gram hashing and counting over token ids or strings
  'ImageDecoder', // decodes an encoded (JPEG/PNG...) byte stream; the image size is in the data
  'RegexFullMatch', // string regex
  'StringConcat', // string
  'StringSplit', // string; the output width is the longest split, known only from the data
];

/**
 * Operators still missing. Both are data movement of the tensor family (ops/tensor/);
 * they are listed here so that the gap stays visible and this test fails the day they are added.
 */
const NOT_YET_SUPPORTED: readonly string[] = [
  'CenterCropPad', // opset 18: crop or pad to a target shape
  'AffineGrid', // opset 20: sampling grid from affine matrices
];

/**
 * ai.onnx spot checks of first opsets where an op's first version differs from its onnx 1.12 one (Operators.md
 * version history: Acos-7, Expand-8, ...). The 1.12 list gives only the newest version, so these are the exact
 * checks; every other op is checked to start no later than its 1.12 version.
 */
const FIRST_OPSETS: Readonly<Record<string, number>> = {
  Add: 1,
  Acos: 7,
  Expand: 8,
  Scan: 8,
  Where: 9,
  Resize: 10,
  QuantizeLinear: 10,
  Range: 11,
  Einsum: 12,
  Celu: 12,
  HardSwish: 14,
  Trilu: 14,
  CastLike: 15,
  Optional: 15,
  GridSample: 16,
  LayerNormalization: 17,
  SequenceMap: 17,
  Reshape: 1,
  Squeeze: 1,
  Slice: 1,
  Split: 1,
};

/**
 * Ops that onnxruntime registers in the default domain although the ONNX spec has none of that name (its fusion tools
 * write them there); they are defined in ops/contrib/ai-onnx.ts.
 */
const ORT_DEFAULT_DOMAIN_OPS: readonly string[] = ['SimplifiedLayerNormalization'];

const registered = new Set(registeredOps());
const isRegistered = (opType: string, domain = ''): boolean => registered.has(`${domain}::${opType}`);

describe('operator coverage', () => {
  const spec = specOps();
  const onnxOps = spec.filter((o) => o.domain === 'ai.onnx');
  const current = onnxOps.filter((o) => o.support === 'common');

  it('reads the generated onnx 1.12 list: 178 ai.onnx schemas, 2 of them deprecated', () => {
    expect(onnxOps).toHaveLength(178);
    expect(onnxOps.filter((o) => o.support === 'deprecated').map((o) => o.opType)).toEqual(['Scatter', 'Upsample']);
    expect(onnxOps.filter((o) => o.support === 'experimental')).toEqual([]);
  });

  it('every non-deprecated ai.onnx operator of onnx 1.12 is registered, except the allow-lists', () => {
    const missing = current.map((o) => o.opType).filter((op) => !isRegistered(op));
    expect(missing.sort()).toEqual(['StringNormalizer', 'TfIdfVectorizer']);
    for (const op of missing) expect(DELIBERATELY_UNKNOWN).toContain(op);
  });

  it('every operator added in opsets 18-24 is registered, except the allow-lists', () => {
    const missing = Object.keys(LATER_OPS).filter((op) => !isRegistered(op));
    expect(missing.sort()).toEqual(
      [...DELIBERATELY_UNKNOWN.filter((op) => op in LATER_OPS), ...NOT_YET_SUPPORTED].sort(),
    );
  });

  it('the allow-lists name real spec operators that are in fact unregistered', () => {
    const known = new Set([...onnxOps.map((o) => o.opType), ...Object.keys(LATER_OPS)]);
    for (const op of [...DELIBERATELY_UNKNOWN, ...NOT_YET_SUPPORTED]) {
      expect(known.has(op), op).toBe(true);
      expect(isRegistered(op), op).toBe(false);
    }
  });

  it('deprecated operators are still registered: old models use them', () => {
    for (const o of onnxOps.filter((x) => x.support === 'deprecated'))
      expect(isRegistered(o.opType), o.opType).toBe(true);
  });

  it('docs/cost-model.md "Operator coverage" states the same counts and names every unsupported operator', () => {
    const docs = readFileSync(new URL('../../docs/cost-model.md', import.meta.url), 'utf8');
    const start = docs.indexOf('## Operator coverage');
    expect(start).toBeGreaterThan(-1);
    const section = docs.slice(start);
    const supported = current.filter((o) => isRegistered(o.opType)).length;
    expect(section).toContain(`${supported} of the ${current.length}`);
    const later = Object.keys(LATER_OPS);
    expect(section).toContain(`${later.filter((op) => isRegistered(op)).length} of the ${later.length}`);
    const contrib = [...registered].filter((k) => k.startsWith('com.microsoft::')).length;
    expect(section).toContain(`| com.microsoft (onnxruntime contrib) | ${contrib} ops`);
    for (const op of [...DELIBERATELY_UNKNOWN, ...NOT_YET_SUPPORTED]) expect(section).toContain(`\`${op}\``);
  });
});

describe('op families and opset ranges', () => {
  const spec = specOps();
  const spec112 = new Map(spec.filter((o) => o.domain === 'ai.onnx').map((o) => [o.opType, o]));
  const familyOf = new Map<string, string>();
  for (const [family, names] of Object.entries(FAMILIES_1_12)) for (const n of names) familyOf.set(n, family);
  for (const [n, later] of Object.entries(LATER_OPS)) familyOf.set(n, later.family);
  const defaultDomain = [...registered].filter((k) => k.startsWith('::')).map((k) => k.slice(2));

  it('the family table covers the onnx 1.12 list exactly: 178 ai.onnx operators in 12 families', () => {
    expect(Object.values(FAMILIES_1_12).flat().sort()).toEqual([...spec112.keys()].sort());
    expect(Object.keys(FAMILIES_1_12)).toHaveLength(12);
  });

  it('every registered ai.onnx op is in the onnx 1.12 list or added later, except onnxruntime default-domain ops', () => {
    const outside = defaultDomain.filter((op) => !spec112.has(op) && !(op in LATER_OPS));
    expect(outside).toEqual(ORT_DEFAULT_DOMAIN_OPS);
    expect(familyDefs('contrib/ai-onnx').map((d) => d.opType)).toEqual(ORT_DEFAULT_DOMAIN_OPS);
  });

  it('ops added after onnx 1.12 start at the opset the changelog gives', () => {
    for (const [op, { since }] of Object.entries(LATER_OPS)) {
      const def = lookupOp('', op);
      if (def) expect(def.since, op).toBe(since);
    }
  });

  it('onnx 1.12 ops start no later than their 1.12 version, and exactly at the spot-checked first opsets', () => {
    for (const op of defaultDomain) {
      const s = spec112.get(op);
      const def = lookupOp('', op);
      if (!s || !def) continue;
      expect(def.since, op).toBeGreaterThanOrEqual(1);
      expect(def.since, op).toBeLessThanOrEqual(s.since);
      expect(def.until, op).toBeUndefined();
    }
    for (const [op, since] of Object.entries(FIRST_OPSETS)) expect(lookupOp('', op)?.since, op).toBe(since);
  });

  it('every ai.onnx operator of the list is registered or named in a documented allow-list', () => {
    const unregistered = [...spec112.keys(), ...Object.keys(LATER_OPS)].filter((op) => !isRegistered(op));
    for (const op of unregistered) expect([...DELIBERATELY_UNKNOWN, ...NOT_YET_SUPPORTED], op).toContain(op);
  });

  it('ai.onnx.ml and ai.onnx.preview.training are out of scope: none of their operators is registered', () => {
    const outOfScope = spec.filter((o) => o.domain !== 'ai.onnx');
    expect(outOfScope).toHaveLength(22);
    for (const o of outOfScope) expect(isRegistered(o.opType, o.domain), `${o.domain}::${o.opType}`).toBe(false);
  });

  it('each ai.onnx family file or folder registers only default-domain ops of that ONNX family', () => {
    for (const [file, defs] of Object.entries(OP_FAMILIES)) {
      if (file.startsWith('contrib/')) continue;
      const family = at(file.split('/'), 0).replace('-', '_');
      expect(new Set(familyOf.values()).has(family), `${file} is not an ONNX family`).toBe(true);
      for (const def of defs) {
        expect(def.domain ?? '', `${file}: ${def.opType}`).toBe('');
        expect(familyOf.get(def.opType), `${file}: ${def.opType}`).toBe(family);
      }
    }
  });

  it('contrib/ holds one file per domain: com.microsoft ops at com.microsoft opset 1, onnxruntime default-domain ops', () => {
    for (const def of familyDefs('contrib/com-microsoft')) {
      expect(def.domain, def.opType).toBe('com.microsoft');
      expect(def.since, def.opType).toBe(1);
    }
    for (const def of familyDefs('contrib/ai-onnx')) expect(def.domain ?? '', def.opType).toBe('');
    const contribCount = familyDefs('contrib/com-microsoft').length + familyDefs('contrib/ai-onnx').length;
    const families = Object.values(OP_FAMILIES).reduce((n, defs) => n + defs.length, 0);
    expect(families - contribCount).toBe(defaultDomain.length - ORT_DEFAULT_DOMAIN_OPS.length);
  });
});
