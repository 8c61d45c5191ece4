import fc from 'fast-check';
import { mulberry32 } from '../../src/util/random.js';
import { at } from '../../src/util/at.js';
import {
  allSites,
  cloneMessage,
  concatBytes,
  encodeVarint,
  messagesOf,
  parseMessage,
  serializeMessage,
  wire,
  type FieldSite,
  type WireField,
  type WireMessage,
} from './wire-tree.js';

/**
 * Structure-aware mutations of valid ONNX models for fuzzing the decoder and the CLI. A case is a
 * seed model (parsed into a wire tree) plus one to three mutations, each chosen by a kind and a few
 * integers, so fast-check can shrink a failing case to fewer and simpler mutations and print it.
 */

/** A valid serialized model to start from. */
export interface Seed {
  readonly name: string;
  readonly bytes: Uint8Array;
}

/** What a mutation does; protobuf-level kinds first, then ONNX-level (semantic) ones. */
export const MUTATION_KINDS = [
  'wire-type',
  'huge-length',
  'varint-overflow',
  'truncate',
  'truncate-packed',
  'nest-deep',
  'delete-field',
  'duplicate-field',
  'unknown-field',
  'random-bytes',
  'attribute',
  'dims',
  'huge-rank',
  'op-type',
  'hostile-name',
  'rewire',
  'elem-type',
  'opset',
  'ir-version',
] as const;
export type MutationKind = (typeof MUTATION_KINDS)[number];

/** One mutation as fast-check generates it: the kind, which site (modulo the candidates) and two choices. */
export interface MutationSpec {
  readonly kind: MutationKind;
  readonly site: number;
  readonly choice: number;
  readonly extra: number;
}

/** A generated case: the bytes and how they were made (printed when a property fails). */
export interface FuzzCase {
  readonly seed: string;
  readonly kinds: readonly MutationKind[];
  /** One line per mutation: kind, where, what. */
  readonly steps: readonly string[];
  readonly bytes: Uint8Array;
  /** The unmutated seed (the base of `diff`). */
  readonly original: Uint8Array;
}

const TWO = (e: number): bigint => 1n << BigInt(e);

/** Length prefixes that no buffer can satisfy, or that overflow 32/53/64-bit arithmetic. */
const HUGE_LENGTHS: readonly bigint[] = [
  TWO(31),
  TWO(31) - 1n,
  TWO(32) - 1n,
  TWO(32),
  TWO(53),
  TWO(53) + 1n,
  TWO(62),
  TWO(64) - 1n,
];

/** Integer values for dims and attributes: boundaries of int32, int53 and int64. */
const EXTREME_INTS: readonly bigint[] = [
  0n,
  1n,
  -1n,
  2n,
  3n,
  TWO(31) - 1n,
  TWO(31),
  -TWO(31),
  TWO(32),
  TWO(53),
  TWO(53) + 1n,
  TWO(62),
  TWO(63) - 1n,
  -TWO(63),
];

const EXTREME_FLOATS: readonly number[] = [NaN, Infinity, -Infinity, -0, 0, 3.4e38, -3.4e38, 1e-45, 0.5, -1];

/** Names that break line-oriented output, markup, format strings and object-as-map code. */
export const HOSTILE_NAMES: readonly string[] = [
  '',
  '\n',
  'a\nb',
  '\r\nefflint: fake line',
  'nul\u0000byte',
  '\u001b[31mred\u001b[0m',
  '<script>alert(1)</script>',
  '&amp;"\'<>',
  '|**x**|`y`|[z](http://e)',
  '\u202egnp.exe',
  '../../etc/passwd',
  'x'.repeat(70_000),
  '%s%n${x}{{y}}',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  '😀\u0301',
];

/** Invalid UTF-8 (decoded to U+FFFD) for string fields. */
const INVALID_UTF8 = Uint8Array.from([0xff, 0xfe, 0xc0, 0x80, 0xed, 0xa0, 0x80]);

const OP_TYPES: readonly string[] = [
  'Conv',
  'ConvTranspose',
  'Gemm',
  'MatMul',
  'Add',
  'Mul',
  'Relu',
  'Reshape',
  'Transpose',
  'Concat',
  'Split',
  'Slice',
  'Gather',
  'Resize',
  'Pad',
  'MaxPool',
  'AveragePool',
  'GlobalAveragePool',
  'BatchNormalization',
  'Flatten',
  'Squeeze',
  'Unsqueeze',
  'Expand',
  'Tile',
  'ReduceMean',
  'Softmax',
  'If',
  'Loop',
  'Scan',
  'Einsum',
  'Attention',
  'LSTM',
  'TopK',
  'Range',
  'ConstantOfShape',
  'Constant',
  'Shape',
  'Size',
  'NonZero',
  'Where',
  'Cast',
  'QLinearConv',
  'CumSum',
  '',
  'NoSuchOp',
  'conv',
  'Conv\n',
];

const DOMAINS: readonly string[] = [
  '',
  'ai.onnx',
  'ai.onnx.ml',
  'com.microsoft',
  'custom',
  'ai.onnx.preview.training',
  '\n',
];

/** TensorProto.DataType codes, valid and not. */
const ELEM_TYPES: readonly bigint[] = [
  0n,
  1n,
  2n,
  6n,
  7n,
  8n,
  9n,
  10n,
  11n,
  13n,
  14n,
  16n,
  17n,
  21n,
  22n,
  23n,
  24n,
  25n,
  100n,
  TWO(31) - 1n,
  -1n,
];

const OPSET_VERSIONS: readonly bigint[] = [0n, 1n, 6n, 7n, 11n, 13n, 17n, 21n, 99n, TWO(31), -1n, TWO(63) - 1n];
const IR_VERSIONS: readonly bigint[] = [0n, 1n, 2n, 3n, 7n, 11n, 12n, 999n, 1000n, 1001n, -1n, TWO(62)];

/** Subgraph nesting depths for nested Ifs and wrapper types: around the decoder's and the analyzer's caps, and far past them. */
const NEST_DEPTHS: readonly number[] = [31, 33, 64, 65, 100, 170, 171, 400, 2_000, 20_000];

/** Overlong and overflowing varint encodings. */
const BAD_VARINTS: readonly Uint8Array[] = [
  Uint8Array.from([...new Array<number>(10).fill(0xff), 0x01]), // 11 bytes
  Uint8Array.from([...new Array<number>(9).fill(0xff), 0x7f]), // 10 bytes, bits beyond 64
  Uint8Array.from([...new Array<number>(9).fill(0xff), 0x01]), // 2^64 - 1
  Uint8Array.from([...new Array<number>(9).fill(0x80), 0x00]), // zero, padded to 10 bytes
  Uint8Array.from([0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00]), // one, padded
  Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x0f]), // 2^32 - 1
  Uint8Array.from([0x80, 0x80, 0x80, 0x80, 0x10]), // 2^32
  Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f]), // 2^53 - 1 ... 2^56
  Uint8Array.from([0xff]), // continuation bit, then the data ends
];

function pick<T>(list: readonly T[], n: number): T {
  return at(list, n % list.length);
}

function fieldAt(site: FieldSite): WireField {
  return at(site.parent.fields, site.index);
}

function setField(site: FieldSite, f: WireField): void {
  site.parent.fields[site.index] = f;
}

function where(site: FieldSite): string {
  return site.path.join('/');
}

function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Sites matching a predicate on the field and its enclosing message kind. */
function sitesWhere(root: WireMessage, test: (f: WireField, kind: string | null) => boolean): FieldSite[] {
  return allSites(root).filter((s) => test(fieldAt(s), s.parent.kind));
}

/** The string fields that hold names (graph, node, value, tensor, attribute names; node inputs and outputs). */
function isNameField(f: WireField, kind: string | null): boolean {
  if (f.wire !== 2 || 'message' in f) return false;
  switch (kind) {
    case 'Node':
      return f.field === 1 || f.field === 2 || f.field === 3;
    case 'ValueInfo':
    case 'Attribute':
      return f.field === 1;
    case 'Tensor':
      return f.field === 8;
    case 'Graph':
      return f.field === 2;
    case 'Dimension':
      return f.field === 2;
    default:
      return false;
  }
}

/** One level of a nesting: fields before the child, the child's field number, fields after it. */
interface NestLayer {
  readonly before: Uint8Array;
  readonly field: number;
  readonly after: Uint8Array;
}

/**
 * `core` wrapped in `layers` (innermost first), built without recursion: a chain 100,000 levels deep
 * must not overflow the stack of the code that builds it.
 */
export function nestBytes(core: Uint8Array, layers: readonly NestLayer[]): Uint8Array {
  const sizes = [core.length];
  for (const l of layers) {
    const inner = at(sizes, sizes.length - 1);
    sizes.push(
      l.before.length + encodeVarint(l.field * 8 + 2).length + encodeVarint(inner).length + inner + l.after.length,
    );
  }
  const out = new Uint8Array(at(sizes, sizes.length - 1));
  let pos = 0;
  for (let k = layers.length - 1; k >= 0; k--) {
    const l = at(layers, k);
    out.set(l.before, pos);
    pos += l.before.length;
    for (const part of [encodeVarint(l.field * 8 + 2), encodeVarint(at(sizes, k))]) {
      out.set(part, pos);
      pos += part.length;
    }
  }
  out.set(core, pos);
  pos += core.length;
  for (const l of layers) {
    out.set(l.after, pos);
    pos += l.after.length;
  }
  return out;
}

function fieldsBytes(fields: readonly WireField[]): Uint8Array {
  return serializeMessage({ kind: null, fields: [...fields] });
}

/**
 * The body of a NodeProto: an If whose then_branch holds an If ... `levels` deep; the innermost
 * branch is an Identity of `x`. Each level is three messages (node, attribute, graph).
 */
export function nestedIfs(levels: number, x = 'x', cond = 'c'): Uint8Array {
  const outInfo = (name: string): WireField => wire.message(12, 'ValueInfo', [wire.string(1, name)]);
  const leafGraph = (i: number): WireField[] => [
    wire.message(1, 'Node', [wire.string(1, x), wire.string(2, `leaf_y${i}`), wire.string(4, 'Identity')]),
    wire.string(2, `leaf${i}`),
    outInfo(`leaf_y${i}`),
  ];
  const layers: NestLayer[] = [];
  for (let i = 1; i <= levels; i++) {
    // Attribute then_branch: name, type GRAPH, then g = the level below.
    layers.push({
      before: fieldsBytes([wire.string(1, 'then_branch'), wire.varint(20, 5)]),
      field: 6,
      after: new Uint8Array(0),
    });
    // Node If: inputs, outputs, op type, then the then_branch attribute, then else_branch.
    const elseBranch = wire.message(5, 'Attribute', [
      wire.string(1, 'else_branch'),
      wire.varint(20, 5),
      wire.message(6, 'Graph', leafGraph(i)),
    ]);
    layers.push({
      before: fieldsBytes([wire.string(1, cond), wire.string(2, `nest_y${i}_`), wire.string(4, 'If')]),
      field: 5,
      after: fieldsBytes([elseBranch]),
    });
    if (i < levels) {
      // The graph around it (a then_branch of the level above): the If, an Identity, a name and an output.
      const id = wire.message(1, 'Node', [
        wire.string(1, `nest_y${i}_`),
        wire.string(2, `nest_y${i}`),
        wire.string(4, 'Identity'),
      ]);
      layers.push({
        before: new Uint8Array(0),
        field: 1,
        after: fieldsBytes([id, wire.string(2, `g${i}`), outInfo(`nest_y${i}`)]),
      });
    }
  }
  return nestBytes(fieldsBytes(leafGraph(0)), layers);
}

/** The body of a TypeProto nested `levels` deep in sequence_type wrappers around a float tensor type. */
function nestedSequenceType(levels: number): Uint8Array {
  const core = fieldsBytes([wire.message(1, 'TensorType', [wire.varint(1, 1)])]);
  const layers: NestLayer[] = [];
  const none = new Uint8Array(0);
  for (let i = 0; i < levels; i++)
    layers.push({ before: none, field: 1, after: none }, { before: none, field: 4, after: none });
  return nestBytes(core, layers);
}

/** Applies one mutation to `root` in place; returns a description, or null when the seed has no site for it. */
function applyTreeMutation(root: WireMessage, m: MutationSpec, rand: () => number): string | null {
  const choose = (sites: FieldSite[]): FieldSite | null => (sites.length === 0 ? null : pick(sites, m.site));
  switch (m.kind) {
    case 'wire-type': {
      const s = choose(allSites(root));
      if (s === null) return null;
      const f = fieldAt(s);
      const w = (f.wire + 1 + (m.choice % 7)) % 8; // any wire type but the current one, 3/4/6/7 included
      setField(s, { ...f, tagBytes: encodeVarint(BigInt(f.field) * 8n + BigInt(w)) });
      return `wire-type ${where(s)}: ${f.wire} -> ${w}`;
    }
    case 'huge-length': {
      const s = choose(sitesWhere(root, (f) => f.wire === 2));
      if (s === null) return null;
      const f = fieldAt(s);
      const len = pick(HUGE_LENGTHS, m.choice);
      setField(s, { ...f, lengthBytes: encodeVarint(len) } as WireField);
      return `huge-length ${where(s)}: ${len}`;
    }
    case 'varint-overflow': {
      const s = choose(allSites(root));
      if (s === null) return null;
      const f = fieldAt(s);
      const bad = pick(BAD_VARINTS, m.choice);
      const part = m.extra % 3; // 0: the value or length, 1: the tag, 2: the value again
      if (part === 1) setField(s, { ...f, tagBytes: bad });
      else if (f.wire === 0) setField(s, { ...f, valueBytes: bad });
      else if (f.wire === 2) setField(s, { ...f, lengthBytes: bad });
      else setField(s, { ...f, tagBytes: bad });
      return `varint-overflow ${where(s)} (${part === 1 || (f.wire !== 0 && f.wire !== 2) ? 'tag' : f.wire === 0 ? 'value' : 'length'}): ${bad.length} bytes`;
    }
    case 'nest-deep': {
      const depth = pick(NEST_DEPTHS, m.choice);
      const graphs = messagesOf(root, 'Graph');
      if (graphs.length === 0) return null;
      const variant = m.extra % 3;
      if (variant === 0) {
        const input = firstName(root, 'ValueInfo') ?? 'x';
        at(graphs, 0).fields.push(wire.bytes(1, nestedIfs(depth, input, input)));
        return `nest-deep: ${depth} nested If nodes in the main graph`;
      }
      const infos = messagesOf(root, 'ValueInfo');
      if (variant === 1 && infos.length > 0) {
        const vi = pick(infos, m.site);
        vi.fields = vi.fields.filter((f) => f.field !== 2);
        vi.fields.push(wire.bytes(2, nestedSequenceType(depth)));
        return `nest-deep: value_info type nested ${depth} sequences deep`;
      }
      // Node -> attribute -> node -> ... under GraphProto.node: the attribute fields are skipped by
      // the decoder (field 1 of an attribute is its name, a string), so this checks skipping, not depth.
      const none = new Uint8Array(0);
      const layers = Array.from({ length: depth }, (_, i) => ({
        before: none,
        field: i % 2 === 0 ? 1 : 5,
        after: none,
      }));
      at(graphs, 0).fields.push(wire.bytes(1, nestBytes(none, layers)));
      return `nest-deep: ${depth} levels of node/attribute fields`;
    }
    case 'delete-field': {
      const s = choose(allSites(root));
      if (s === null) return null;
      const f = fieldAt(s);
      s.parent.fields.splice(s.index, 1);
      return `delete-field ${where(s)} (wire ${f.wire})`;
    }
    case 'duplicate-field': {
      const s = choose(allSites(root));
      if (s === null) return null;
      const copies = 1 + (m.choice % 3) * (m.extra % 2 === 0 ? 1 : 500);
      const f = fieldAt(s);
      for (let i = 0; i < copies; i++) s.parent.fields.splice(s.index + 1, 0, f);
      return `duplicate-field ${where(s)} x${copies}`;
    }
    case 'unknown-field': {
      const msgs = allSites(root).filter((s) => 'message' in fieldAt(s));
      const target = msgs.length === 0 ? root : (fieldAt(pick(msgs, m.site)) as { message: WireMessage }).message;
      const fieldNo = pick([2 ** 29 - 1, 1000, 19, 100, 16, 3, 4], m.choice);
      const w = m.extra % 4;
      const f: WireField =
        w === 0
          ? wire.varint(fieldNo, TWO(63))
          : w === 1
            ? { field: fieldNo, wire: 1, bytes: new Uint8Array(8).fill(0xff) }
            : w === 2
              ? wire.bytes(
                  fieldNo,
                  Uint8Array.from({ length: 64 }, () => Math.floor(rand() * 256)),
                )
              : wire.float(fieldNo, NaN);
      target.fields.splice(m.site % (target.fields.length + 1), 0, f);
      return `unknown-field ${fieldNo} (wire ${f.wire}) in ${target.kind ?? '?'}`;
    }
    case 'random-bytes': {
      const s = choose(sitesWhere(root, (f) => f.wire === 2 && !('message' in f)));
      if (s === null) return null;
      const f = fieldAt(s) as { field: number; wire: 2; bytes: Uint8Array };
      const bytes = f.bytes.length === 0 ? new Uint8Array(1 + (m.choice % 16)) : f.bytes.slice();
      const flips = 1 + (m.choice % 8);
      for (let i = 0; i < flips; i++) bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256);
      setField(s, { ...f, bytes });
      return `random-bytes ${where(s)}: ${flips} bytes of ${bytes.length}`;
    }
    case 'attribute':
      return mutateAttribute(root, m, rand);
    case 'dims': {
      const dims = sitesWhere(
        root,
        (f, kind) =>
          (kind === 'Dimension' && f.field === 1) ||
          (kind === 'Tensor' && f.field === 1) ||
          (kind === 'SparseTensor' && f.field === 3),
      );
      const s = choose(dims);
      if (s === null) return null;
      const f = fieldAt(s);
      const v = pick(EXTREME_INTS, m.choice);
      if (f.wire === 2 && !('message' in f)) {
        // Packed dims: replace one element.
        const values = decodePacked(f.bytes);
        values[m.extra % Math.max(1, values.length)] = v;
        setField(s, { ...f, bytes: concatBytes(values.map((x) => encodeVarint(x))) });
      } else setField(s, wire.varint(f.field, v));
      return `dims ${where(s)}: ${BigInt.asIntN(64, v)}`;
    }
    case 'huge-rank': {
      const shapes = messagesOf(root, 'Shape');
      const tensors = messagesOf(root, 'Tensor');
      const rank = pick([9, 64, 65, 1000, 100_000], m.choice);
      const value = pick([1n, 2n, 0n, 3n], m.extra);
      if (m.extra % 2 === 0 && shapes.length > 0) {
        const sh = pick(shapes, m.site);
        sh.fields = Array.from({ length: rank }, () => wire.message(1, 'Dimension', [wire.varint(1, value)]));
        return `huge-rank: a value shape of rank ${rank}, dims ${value}`;
      }
      if (tensors.length === 0) return null;
      const t = pick(tensors, m.site);
      t.fields = t.fields.filter((f) => f.field !== 1 && f.field !== 9);
      t.fields.push(wire.bytes(1, concatBytes(new Array<Uint8Array>(rank).fill(encodeVarint(value)))));
      return `huge-rank: a tensor of rank ${rank}, dims ${value}`;
    }
    case 'op-type': {
      const s = choose(sitesWhere(root, (f, kind) => kind === 'Node' && (f.field === 4 || f.field === 7)));
      if (s === null) return null;
      const f = fieldAt(s);
      const text = f.field === 4 ? pick(OP_TYPES, m.choice) : pick(DOMAINS, m.choice);
      setField(s, wire.string(f.field, text));
      return `op-type ${where(s)}: ${JSON.stringify(text)}`;
    }
    case 'hostile-name': {
      const s = choose(sitesWhere(root, isNameField));
      if (s === null) return null;
      const f = fieldAt(s);
      const bytes =
        m.choice % (HOSTILE_NAMES.length + 1) === HOSTILE_NAMES.length
          ? INVALID_UTF8
          : utf8(pick(HOSTILE_NAMES, m.choice));
      setField(s, wire.bytes(f.field, bytes));
      return `hostile-name ${where(s)}: ${JSON.stringify(new TextDecoder().decode(bytes).slice(0, 40))}`;
    }
    case 'rewire': {
      // A node input or output renamed to another name of the model: cycles, self-loops, duplicate producers.
      const s = choose(
        sitesWhere(
          root,
          (f, kind) => kind === 'Node' && (f.field === 1 || f.field === 2) && f.wire === 2 && !('message' in f),
        ),
      );
      const names = sitesWhere(root, isNameField).map((x) => (fieldAt(x) as { bytes: Uint8Array }).bytes);
      if (s === null || names.length === 0) return null;
      const f = fieldAt(s);
      const to = pick(names, m.choice);
      setField(s, wire.bytes(f.field, to));
      return `rewire ${where(s)}: -> ${JSON.stringify(new TextDecoder().decode(to).slice(0, 40))}`;
    }
    case 'elem-type': {
      const s = choose(
        sitesWhere(root, (f, kind) => (kind === 'Tensor' && f.field === 2) || (kind === 'TensorType' && f.field === 1)),
      );
      if (s === null) return null;
      const v = pick(ELEM_TYPES, m.choice);
      setField(s, wire.varint(fieldAt(s).field, v));
      return `elem-type ${where(s)}: ${BigInt.asIntN(64, v)}`;
    }
    case 'opset': {
      const s = choose(sitesWhere(root, (_f, kind) => kind === 'OpsetId'));
      if (s === null) return null;
      const f = fieldAt(s);
      if (f.field === 2) {
        const v = pick(OPSET_VERSIONS, m.choice);
        setField(s, wire.varint(2, v));
        return `opset version ${where(s)}: ${BigInt.asIntN(64, v)}`;
      }
      const d = pick(DOMAINS, m.choice);
      setField(s, wire.string(f.field, d));
      return `opset domain ${where(s)}: ${JSON.stringify(d)}`;
    }
    case 'ir-version': {
      const v = pick(IR_VERSIONS, m.choice);
      root.fields = root.fields.filter((f) => f.field !== 1);
      root.fields.unshift(wire.varint(1, v));
      return `ir-version: ${BigInt.asIntN(64, v)}`;
    }
    default:
      return null;
  }
}

function firstName(root: WireMessage, kind: 'ValueInfo'): string | null {
  for (const m of messagesOf(root, kind)) {
    const f = m.fields.find((x) => x.field === 1 && x.wire === 2 && !('message' in x));
    if (f !== undefined && 'bytes' in f) return new TextDecoder().decode(f.bytes);
  }
  return null;
}

function decodePacked(bytes: Uint8Array): bigint[] {
  const out: bigint[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      const b = bytes[pos++] ?? 0;
      v |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if (b < 0x80 || pos >= bytes.length) break;
    }
    out.push(v);
  }
  return out;
}

/** AttributeProto mutations: extreme ints and floats, wrong types, odd lists, strings and tensors. */
function mutateAttribute(root: WireMessage, m: MutationSpec, rand: () => number): string | null {
  const attrs = messagesOf(root, 'Attribute');
  if (attrs.length === 0) return null;
  const a = pick(attrs, m.site);
  const name = a.fields.find((f) => f.field === 1);
  const label = name !== undefined && 'bytes' in name ? new TextDecoder().decode(name.bytes) : '?';
  const variant = m.extra % 8;
  const replace = (field: number, f: WireField): void => {
    a.fields = a.fields.filter((x) => x.field !== field);
    a.fields.push(f);
  };
  switch (variant) {
    case 0: {
      const v = pick(EXTREME_INTS, m.choice);
      replace(3, wire.varint(3, v));
      return `attribute ${label}: i = ${BigInt.asIntN(64, v)}`;
    }
    case 1: {
      const v = pick(EXTREME_FLOATS, m.choice);
      replace(2, wire.float(2, v));
      return `attribute ${label}: f = ${v}`;
    }
    case 2: {
      const n = pick([0, 1, 2, 3, 5, 64, 10_000], m.choice);
      const values = Array.from({ length: n }, () => pick(EXTREME_INTS, Math.floor(rand() * 1000)));
      replace(8, wire.bytes(8, concatBytes(values.map((v) => encodeVarint(v)))));
      return `attribute ${label}: ints of ${n} extreme values`;
    }
    case 3: {
      const n = pick([0, 1, 3, 1000], m.choice);
      const b = new Uint8Array(n * 4);
      const dv = new DataView(b.buffer);
      for (let i = 0; i < n; i++) dv.setFloat32(i * 4, pick(EXTREME_FLOATS, Math.floor(rand() * 100)), true);
      replace(7, wire.bytes(7, b));
      return `attribute ${label}: floats of ${n} extreme values`;
    }
    case 4: {
      // The declared type disagrees with the value present (or is not a type at all).
      const t = pick([0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n, 10n, 11n, 12n, 13n, 14n, 15n, 99n, -1n], m.choice);
      replace(20, wire.varint(20, t));
      return `attribute ${label}: type = ${BigInt.asIntN(64, t)}`;
    }
    case 5: {
      const s = pick(HOSTILE_NAMES, m.choice);
      replace(4, wire.string(4, s));
      return `attribute ${label}: s = ${JSON.stringify(s.slice(0, 40))}`;
    }
    case 6: {
      const dims = Array.from({ length: m.choice % 5 }, () => pick(EXTREME_INTS, Math.floor(rand() * 100)));
      const dtype = pick(ELEM_TYPES, Math.floor(rand() * 100));
      const raw = new Uint8Array(Math.floor(rand() * 33));
      replace(
        5,
        wire.message(5, 'Tensor', [...dims.map((d) => wire.varint(1, d)), wire.varint(2, dtype), wire.bytes(9, raw)]),
      );
      return `attribute ${label}: t dims [${dims.map((d) => BigInt.asIntN(64, d)).join(',')}] dtype ${BigInt.asIntN(64, dtype)} raw ${raw.length} bytes`;
    }
    default: {
      // The attribute's name: a duplicate of another, empty, or hostile.
      const other = pick(attrs, m.site + 1).fields.find((f) => f.field === 1);
      const to =
        m.choice % 2 === 0 && other !== undefined && 'bytes' in other
          ? other.bytes
          : utf8(pick(HOSTILE_NAMES, m.choice));
      replace(1, wire.bytes(1, to));
      return `attribute ${label}: renamed ${JSON.stringify(new TextDecoder().decode(to).slice(0, 40))}`;
    }
  }
}

/** Byte offsets [start, end) of each field's encoding in the serialized tree. */
function fieldSpans(root: WireMessage): Map<WireField, { start: number; bodyStart: number; end: number }> {
  const spans = new Map<WireField, { start: number; bodyStart: number; end: number }>();
  const walk = (m: WireMessage, base: number): void => {
    let pos = base;
    for (const f of m.fields) {
      const len = serializeFieldLength(f);
      const headLen = len.head;
      spans.set(f, { start: pos, bodyStart: pos + headLen, end: pos + headLen + len.body });
      if (f.wire === 2 && 'message' in f) walk(f.message, pos + headLen);
      pos += headLen + len.body;
    }
  };
  walk(root, 0);
  return spans;
}

function serializeFieldLength(f: WireField): { head: number; body: number } {
  const tag = f.tagBytes?.length ?? encodeVarint(BigInt(f.field) * 8n + BigInt(f.wire)).length;
  if (f.wire === 0) return { head: tag, body: f.valueBytes?.length ?? encodeVarint(f.value).length };
  if (f.wire === 1 || f.wire === 5) return { head: tag, body: f.bytes.length };
  const body = 'message' in f ? serializeMessage(f.message).length : f.bytes.length;
  return { head: tag + ((f as { lengthBytes?: Uint8Array }).lengthBytes?.length ?? encodeVarint(body).length), body };
}

/** Truncation: cuts the serialized model inside a chosen field (a packed repeated field for 'truncate-packed'). */
function truncate(root: WireMessage, m: MutationSpec): { bytes: Uint8Array; step: string } | null {
  const bytes = serializeMessage(root);
  const packed = (f: WireField, kind: string | null): boolean =>
    f.wire === 2 &&
    !('message' in f) &&
    ((kind === 'Tensor' && [1, 4, 5, 7, 9, 10, 11].includes(f.field)) ||
      (kind === 'Attribute' && (f.field === 7 || f.field === 8)) ||
      (kind === 'SparseTensor' && f.field === 3));
  const sites = m.kind === 'truncate-packed' ? sitesWhere(root, packed) : allSites(root);
  if (sites.length === 0) return null;
  const s = pick(sites, m.site);
  const span = fieldSpans(root).get(fieldAt(s));
  if (span === undefined) return null;
  // Inside the body when there is one (a cut mid-element of a packed field), else inside the header.
  const lo = m.kind === 'truncate-packed' && span.end > span.bodyStart ? span.bodyStart : span.start;
  const cut = lo + (m.choice % Math.max(1, span.end - lo));
  return { bytes: bytes.slice(0, cut), step: `${m.kind} ${where(s)} at byte ${cut} of ${bytes.length}` };
}

/** Builds a case from a seed and mutation specs (deterministic: the same specs give the same bytes). */
export function buildCase(
  seeds: readonly ParsedSeed[],
  seedIndex: number,
  mutations: readonly MutationSpec[],
): FuzzCase {
  const seed = pick(seeds, seedIndex);
  const root = cloneMessage(seed.tree);
  const steps: string[] = [];
  const kinds: MutationKind[] = [];
  let cut: Uint8Array | null = null;
  for (const m of mutations) {
    const rand = mulberry32(m.extra * 7919 + m.choice);
    if (m.kind === 'truncate' || m.kind === 'truncate-packed') {
      // Truncation ends the file, so it is applied last (once).
      if (cut !== null) continue;
      const t = truncate(root, m);
      if (t === null) continue;
      cut = t.bytes;
      steps.push(t.step);
      kinds.push(m.kind);
      continue;
    }
    if (cut !== null) continue;
    const step = applyTreeMutation(root, m, rand);
    if (step === null) continue;
    steps.push(step);
    kinds.push(m.kind);
  }
  const bytes = cut ?? serializeMessage(root);
  return { seed: seed.name, kinds, steps, bytes, original: seed.bytes };
}

/** A seed with its parsed tree (parsed once). */
export interface ParsedSeed extends Seed {
  readonly tree: WireMessage;
}

/** Parses seeds; a seed whose tree does not serialize back to its exact bytes is a bug in the tree code. */
export function parseSeeds(seeds: readonly Seed[]): ParsedSeed[] {
  return seeds.map((seed) => {
    // A plain copy: protobufjs hands out Node Buffers, whose slice() is a view, not a copy, so a
    // mutation of a parsed field would write into the seed.
    const s = { ...seed, bytes: new Uint8Array(seed.bytes) };
    const tree = parseMessage(s.bytes, 'Model');
    if (tree === null) throw new Error(`seed ${s.name} does not parse as a protobuf message`);
    const again = serializeMessage(tree);
    if (again.length !== s.bytes.length || again.some((b, i) => b !== s.bytes[i]))
      throw new Error(`seed ${s.name} does not round-trip`);
    return { ...s, tree };
  });
}

/** Protobuf-level mutation kinds (the wire format, lengths, varints, nesting). */
export const WIRE_KINDS: readonly MutationKind[] = [
  'wire-type',
  'huge-length',
  'varint-overflow',
  'truncate',
  'truncate-packed',
  'nest-deep',
  'delete-field',
  'duplicate-field',
  'unknown-field',
  'random-bytes',
];
/** ONNX-level mutation kinds (attributes, dims, op types, names, versions). */
export const ONNX_KINDS: readonly MutationKind[] = MUTATION_KINDS.filter((k) => !WIRE_KINDS.includes(k));

/** One mutation of one of `kinds`. */
export function mutationArb(kinds: readonly MutationKind[] = MUTATION_KINDS): fc.Arbitrary<MutationSpec> {
  return fc.record({
    kind: fc.constantFrom(...kinds),
    site: fc.nat({ max: 1 << 20 }),
    choice: fc.nat({ max: 1 << 16 }),
    extra: fc.nat({ max: 1 << 16 }),
  });
}

/** A fuzz case: a seed and one to three mutations of `kinds`, printed as its steps when a property fails. */
export function fuzzCaseArb(
  seeds: readonly ParsedSeed[],
  kinds: readonly MutationKind[] = MUTATION_KINDS,
): fc.Arbitrary<FuzzCase> {
  return fc
    .record({
      seed: fc.nat({ max: seeds.length - 1 }),
      mutations: fc.array(mutationArb(kinds), { minLength: 1, maxLength: 3 }),
    })
    .map(({ seed, mutations }) => {
      const c = buildCase(seeds, seed, mutations);
      return Object.assign(c, {
        [fc.toStringMethod]: () =>
          `{seed ${c.seed}: ${c.steps.length === 0 ? 'unmutated' : c.steps.join('; ')} (${c.bytes.length} bytes)}`,
      });
    });
}
