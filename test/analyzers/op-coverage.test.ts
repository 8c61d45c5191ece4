import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { registeredOps } from '../../src/analyzers/registry.js';

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

function specOps(): SpecOp[] {
  return readFileSync(FIXTURE, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => {
      const [domain, opType, since, support] = line.trim().split(/\s+/);
      return { domain, opType, since: Number(since), support: support as SpecOp['support'] };
    });
}

/** ai.onnx operators introduced after onnx 1.12 (Changelog.md, opsets 18 to 24), with their first opset. */
const LATER_OPS: Readonly<Record<string, number>> = {
  BitwiseAnd: 18,
  BitwiseNot: 18,
  BitwiseOr: 18,
  BitwiseXor: 18,
  CenterCropPad: 18,
  Col2Im: 18,
  GroupNormalization: 18,
  Mish: 18,
  DeformConv: 19,
  AffineGrid: 20,
  Gelu: 20,
  ImageDecoder: 20,
  RegexFullMatch: 20,
  StringConcat: 20,
  StringSplit: 20,
  Attention: 23,
  RMSNormalization: 23,
  RotaryEmbedding: 23,
  Swish: 24,
  TensorScatter: 24,
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
 * Operators still missing. Both are data movement and belong to the tensor/misc families (tensor.ts, misc.ts);
 * they are listed here so that the gap stays visible and this test fails the day they are added.
 */
const NOT_YET_SUPPORTED: readonly string[] = [
  'CenterCropPad', // opset 18: crop or pad to a target shape
  'AffineGrid', // opset 20: sampling grid from affine matrices
];

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
    expect(missing.sort()).toEqual([...DELIBERATELY_UNKNOWN.filter((op) => op in LATER_OPS), ...NOT_YET_SUPPORTED].sort());
  });

  it('the allow-lists name real spec operators that are in fact unregistered', () => {
    const known = new Set([...onnxOps.map((o) => o.opType), ...Object.keys(LATER_OPS)]);
    for (const op of [...DELIBERATELY_UNKNOWN, ...NOT_YET_SUPPORTED]) {
      expect(known.has(op), op).toBe(true);
      expect(isRegistered(op), op).toBe(false);
    }
  });

  it('deprecated operators are still registered: old models use them', () => {
    for (const o of onnxOps.filter((x) => x.support === 'deprecated')) expect(isRegistered(o.opType), o.opType).toBe(true);
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
