import { mapGet } from '../util/at.js';
import { quoteName } from '../util/escape.js';
import {
  BYTES_PER_ELEMENT,
  dtypeFromCode,
  type AttributeValue,
  type Dim,
  type DType,
  type FunctionDef,
  type Graph,
  type Node,
  type SparseTensorRef,
  type TensorLocation,
  type TensorPayloadField,
  type TensorRef,
  type ValueInfo,
  type ValueKind,
} from './ir.js';
import { ProtoReader, WIRE_I32, WIRE_I64, WIRE_LEN, WIRE_VARINT } from './proto-reader.js';

/*
 * Field numbers below are those of onnx/onnx.proto (IR version 11). Fields the IR does not need
 * (doc strings, training info, quantization annotations, per-node metadata) are skipped unread.
 */

/** TensorProto payload fields by field number (onnx.proto TensorProto). */
const PAYLOAD_FIELDS: ReadonlyMap<number, TensorPayloadField> = new Map([
  [4, 'float_data'],
  [5, 'int32_data'],
  [6, 'string_data'],
  [7, 'int64_data'],
  [9, 'raw_data'],
  [10, 'double_data'],
  [11, 'uint64_data'],
]);

/** Wire type of one unpacked element of each typed payload field (packed form is always LEN). */
const PAYLOAD_ELEMENT_WIRE: ReadonlyMap<number, number> = new Map([
  [4, WIRE_I32],
  [5, WIRE_VARINT],
  [7, WIRE_VARINT],
  [10, WIRE_I64],
  [11, WIRE_VARINT],
]);

/** TensorProto.DataLocation.EXTERNAL. */
const DATA_LOCATION_EXTERNAL = 1;

/** AttributeProto.AttributeType codes. */
const ATTR = {
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
  SPARSE_TENSOR: 11,
  SPARSE_TENSORS: 12,
  TYPE_PROTO: 13,
  TYPE_PROTOS: 14,
} as const;

/**
 * String attributes longer than this are not read (EPContext nodes embed whole compiled engines
 * in `ep_cache_context`); the attribute keeps an empty value and a warning says so.
 */
export const MAX_STRING_ATTRIBUTE_BYTES = 1024 * 1024;

/**
 * Attribute lists (ints, floats) with more elements than this are not read: no operator needs more
 * than a few thousand (pads, axes, sizes), and a 300 MB packed list would need gigabytes as JS numbers.
 * The attribute is left out and a warning says so.
 */
export const MAX_ATTRIBUTE_LIST_ELEMENTS = 1 << 20;

/** At most this many warnings are kept; the rest are counted in one final line. */
const MAX_WARNINGS = 50;

const EMPTY_ATTRIBUTES: ReadonlyMap<string, AttributeValue> = new Map();

/** A tensor whose typed payload is split over several occurrences of its field (unpacked encoding). */
export interface ScatteredPayload {
  /** Absolute [start, end) of the TensorProto message body. */
  readonly messageStart: number;
  readonly messageEnd: number;
  readonly fieldNumber: number;
}

/** ModelProto as far as the IR needs it; `graph` is null when the message has none. */
export interface DecodedModel {
  readonly irVersion: number;
  readonly opsets: Map<string, number>;
  readonly producerName: string;
  readonly producerVersion: string;
  readonly graph: Graph | null;
  readonly functions: FunctionDef[];
  readonly metadata: Map<string, string>;
}

interface TypeInfo {
  readonly kind: ValueKind | undefined;
  readonly dtype: DType | null;
  readonly shape: readonly Dim[] | null;
}

const NO_TYPE: TypeInfo = { kind: undefined, dtype: null, shape: null };

/** 'ai.onnx' and '' both name the default operator set (onnx.proto OperatorSetIdProto). */
export function normalizeDomain(domain: string): string {
  return domain === 'ai.onnx' ? '' : domain;
}

/**
 * Decodes ONNX protobuf messages into the IR with a ProtoReader. Tensor payload fields are
 * located (absolute offset and length) and skipped, never read.
 */
export class OnnxDecoder {
  readonly warnings: string[] = [];
  /** Tensors whose payload needs a re-parse of the whole message to read (rare unpacked encoding). */
  readonly scattered = new WeakMap<TensorLocation, ScatteredPayload>();
  /** External-data file (as written) -> number of tensors stored in it. */
  readonly externalFiles = new Map<string, number>();
  private droppedWarnings = 0;
  private unknownDims = 0;
  /** Name of the ValueInfoProto being decoded, for messages about its shape. */
  private valueName = '';
  /*
   * Repeated fields are collected on shared stacks and copied out at their exact length: an array
   * grown by push keeps ~17 slots, which for a graph of 100k nodes is most of the IR's memory. A
   * nested message (a subgraph inside an attribute) pushes above its parent's entries and truncates
   * back before returning, so the parent's entries stay contiguous.
   */
  private readonly inputStack: string[] = [];
  private readonly outputStack: string[] = [];
  private readonly numberStack: number[] = [];
  private readonly dimScratch: Dim[] = [];

  constructor(private readonly r: ProtoReader) {}

  /** Decodes the whole source as one ModelProto. */
  model(): DecodedModel {
    const r = this.r;
    let irVersion = 0;
    let producerName = '';
    let producerVersion = '';
    let graph: Graph | null = null;
    const opsets = new Map<string, number>();
    const functions: FunctionDef[] = [];
    const metadata = new Map<string, string>();
    while (r.pos < r.end) {
      switch (r.tag()) {
        case 1:
          r.expect(WIRE_VARINT, 'ModelProto.ir_version');
          irVersion = r.int64();
          break;
        case 2:
          r.expect(WIRE_LEN, 'ModelProto.producer_name');
          producerName = r.string();
          break;
        case 3:
          r.expect(WIRE_LEN, 'ModelProto.producer_version');
          producerVersion = r.string();
          break;
        case 7:
          r.expect(WIRE_LEN, 'ModelProto.graph');
          graph = this.graph();
          break;
        case 8:
          r.expect(WIRE_LEN, 'ModelProto.opset_import');
          this.opset(opsets);
          break;
        case 14:
          r.expect(WIRE_LEN, 'ModelProto.metadata_props');
          this.entry(metadata);
          break;
        case 25:
          r.expect(WIRE_LEN, 'ModelProto.functions');
          functions.push(this.function());
          break;
        default:
          r.skip();
      }
    }
    return { irVersion, opsets, producerName, producerVersion, graph, functions, metadata };
  }

  /** Records a warning (bounded: a broken model must not produce megabytes of them). */
  warn(message: string): void {
    if (this.warnings.length < MAX_WARNINGS) this.warnings.push(message);
    else this.droppedWarnings++;
  }

  /** The warnings, with a final count of those dropped. */
  allWarnings(): string[] {
    if (this.droppedWarnings === 0) return this.warnings;
    return [...this.warnings, `... and ${this.droppedWarnings} more warnings`];
  }

  private graph(): Graph {
    const r = this.r;
    const saved = r.beginMessage();
    let name = '';
    const nodes: Node[] = [];
    const declaredInputs: ValueInfo[] = [];
    const outputs: ValueInfo[] = [];
    const valueInfo: ValueInfo[] = [];
    const initializers = new Map<string, TensorRef>();
    const sparseInitializers = new Map<string, SparseTensorRef>();
    while (r.pos < r.end) {
      switch (r.tag()) {
        case 1:
          r.expect(WIRE_LEN, 'GraphProto.node');
          nodes.push(this.node(nodes.length));
          break;
        case 2:
          r.expect(WIRE_LEN, 'GraphProto.name');
          name = r.string();
          break;
        case 5: {
          r.expect(WIRE_LEN, 'GraphProto.initializer');
          const t = this.tensor();
          initializers.set(t.name, t);
          break;
        }
        case 11:
          r.expect(WIRE_LEN, 'GraphProto.input');
          declaredInputs.push(this.valueInfo());
          break;
        case 12:
          r.expect(WIRE_LEN, 'GraphProto.output');
          outputs.push(this.valueInfo());
          break;
        case 13:
          r.expect(WIRE_LEN, 'GraphProto.value_info');
          valueInfo.push(this.valueInfo());
          break;
        case 15: {
          r.expect(WIRE_LEN, 'GraphProto.sparse_initializer');
          const s = this.sparseTensor();
          sparseInitializers.set(s.name, s);
          break;
        }
        default:
          r.skip();
      }
    }
    r.endMessage(saved);
    // IR < 4 required every initializer to be a graph input too; the IR lists true inputs only.
    const inputs =
      initializers.size === 0 && sparseInitializers.size === 0
        ? declaredInputs
        : declaredInputs.filter((v) => !initializers.has(v.name) && !sparseInitializers.has(v.name));
    return { name, nodes, inputs, outputs, valueInfo, initializers, sparseInitializers };
  }

  private node(index: number): Node {
    const r = this.r;
    const saved = r.beginMessage();
    const inputs = this.inputStack;
    const outputs = this.outputStack;
    const inputsBase = inputs.length;
    const outputsBase = outputs.length;
    let name = '';
    let opType = '';
    let domain = '';
    let attributes: Map<string, AttributeValue> | null = null;
    while (r.pos < r.end) {
      switch (r.tag()) {
        case 1:
          r.expect(WIRE_LEN, 'NodeProto.input');
          inputs.push(r.string());
          break;
        case 2:
          r.expect(WIRE_LEN, 'NodeProto.output');
          outputs.push(r.string());
          break;
        case 3:
          r.expect(WIRE_LEN, 'NodeProto.name');
          name = r.string();
          break;
        case 4:
          r.expect(WIRE_LEN, 'NodeProto.op_type');
          opType = r.string();
          break;
        case 5: {
          r.expect(WIRE_LEN, 'NodeProto.attribute');
          attributes ??= new Map();
          this.attribute(attributes, name || opType);
          break;
        }
        case 7:
          r.expect(WIRE_LEN, 'NodeProto.domain');
          domain = r.string();
          break;
        default:
          r.skip();
      }
    }
    r.endMessage(saved);
    return {
      // onnxruntime names unnamed nodes `<op_type>_<index>` (graph.cc, Graph::Graph).
      name: name === '' ? `${opType}_${index}` : name,
      opType,
      domain: normalizeDomain(domain),
      inputs: takeFrom(inputs, inputsBase),
      outputs: takeFrom(outputs, outputsBase),
      attributes: attributes ?? EMPTY_ATTRIBUTES,
      index,
    };
  }

  /** Decodes one AttributeProto into `into` (a wrong or missing typed value drops it with a warning). */
  private attribute(into: Map<string, AttributeValue>, owner: string): void {
    const r = this.r;
    const saved = r.beginMessage();
    let name = '';
    let refAttrName = '';
    let type = 0;
    let f: number | undefined;
    let i: number | undefined;
    let s: string | undefined;
    let sDropped = 0;
    let t: TensorRef | undefined;
    let g: Graph | undefined;
    let sparse: SparseTensorRef | undefined;
    let tp: ValueInfo | undefined;
    let floats: number[] | undefined;
    let listDropped = 0;
    let hasInts = false;
    const intsBase = this.numberStack.length;
    let strings: string[] | undefined;
    let tensors: TensorRef[] | undefined;
    let graphs: Graph[] | undefined;
    let sparses: SparseTensorRef[] | undefined;
    let tps: ValueInfo[] | undefined;
    while (r.pos < r.end) {
      switch (r.tag()) {
        case 1:
          r.expect(WIRE_LEN, 'AttributeProto.name');
          name = r.string();
          break;
        case 2:
          r.expect(WIRE_I32, 'AttributeProto.f');
          f = r.float32();
          break;
        case 3:
          r.expect(WIRE_VARINT, 'AttributeProto.i');
          i = r.int64();
          break;
        case 4: {
          r.expect(WIRE_LEN, 'AttributeProto.s');
          const n = r.length();
          if (n > MAX_STRING_ATTRIBUTE_BYTES) {
            r.advance(n);
            s = '';
            sDropped = n;
          } else {
            s = r.stringOfLength(n);
            sDropped = 0;
          }
          break;
        }
        case 5:
          r.expect(WIRE_LEN, 'AttributeProto.t');
          t = this.tensor();
          break;
        case 6:
          r.expect(WIRE_LEN, 'AttributeProto.g');
          g = this.graph();
          break;
        case 7:
          listDropped += this.float32s((floats ??= []), 'AttributeProto.floats', MAX_ATTRIBUTE_LIST_ELEMENTS);
          break;
        case 8:
          hasInts = true;
          listDropped += this.int64s(this.numberStack, 'AttributeProto.ints', MAX_ATTRIBUTE_LIST_ELEMENTS + intsBase);
          break;
        case 9:
          r.expect(WIRE_LEN, 'AttributeProto.strings');
          (strings ??= []).push(r.string());
          break;
        case 10:
          r.expect(WIRE_LEN, 'AttributeProto.tensors');
          (tensors ??= []).push(this.tensor());
          break;
        case 11:
          r.expect(WIRE_LEN, 'AttributeProto.graphs');
          (graphs ??= []).push(this.graph());
          break;
        case 14:
          r.expect(WIRE_LEN, 'AttributeProto.tp');
          tp = this.valueInfoOfType('');
          break;
        case 15:
          r.expect(WIRE_LEN, 'AttributeProto.type_protos');
          (tps ??= []).push(this.valueInfoOfType(''));
          break;
        case 20:
          r.expect(WIRE_VARINT, 'AttributeProto.type');
          type = r.int32();
          break;
        case 21:
          r.expect(WIRE_LEN, 'AttributeProto.ref_attr_name');
          refAttrName = r.string();
          break;
        case 22:
          r.expect(WIRE_LEN, 'AttributeProto.sparse_tensor');
          sparse = this.sparseTensor();
          break;
        case 23:
          r.expect(WIRE_LEN, 'AttributeProto.sparse_tensors');
          (sparses ??= []).push(this.sparseTensor());
          break;
        default:
          r.skip();
      }
    }
    r.endMessage(saved);
    const ints = hasInts ? takeFrom(this.numberStack, intsBase) : undefined;
    if (listDropped > 0) {
      const total = (ints?.length ?? 0) + (floats?.length ?? 0) + listDropped;
      this.warn(
        `attribute ${quoteName(name)} of node ${quoteName(owner)}: list of ${total} elements (more than ${MAX_ATTRIBUTE_LIST_ELEMENTS}) not read; the attribute is left out`,
      );
      return;
    }

    if (refAttrName !== '') {
      // A function-body attribute that takes the caller's attribute of that name (IR 4+).
      into.set(name, { type: 'ref', refAttrName });
      return;
    }
    if (type === 0) {
      // IR < 2 models carry no `type`: infer it from the field that is set.
      type =
        floats !== undefined
          ? ATTR.FLOATS
          : ints !== undefined
            ? ATTR.INTS
            : strings !== undefined
              ? ATTR.STRINGS
              : tensors !== undefined
                ? ATTR.TENSORS
                : graphs !== undefined
                  ? ATTR.GRAPHS
                  : sparses !== undefined
                    ? ATTR.SPARSE_TENSORS
                    : tps !== undefined
                      ? ATTR.TYPE_PROTOS
                      : g !== undefined
                        ? ATTR.GRAPH
                        : t !== undefined
                          ? ATTR.TENSOR
                          : sparse !== undefined
                            ? ATTR.SPARSE_TENSOR
                            : tp !== undefined
                              ? ATTR.TYPE_PROTO
                              : s !== undefined
                                ? ATTR.STRING
                                : f !== undefined
                                  ? ATTR.FLOAT
                                  : i !== undefined
                                    ? ATTR.INT
                                    : 0;
    }
    let value: AttributeValue | undefined;
    switch (type) {
      case ATTR.FLOAT:
        value = { type: 'float', value: f ?? 0 };
        break;
      case ATTR.INT:
        value = { type: 'int', value: i ?? 0 };
        break;
      case ATTR.STRING:
        if (sDropped > 0) {
          this.warn(`attribute ${quoteName(name)} of node ${quoteName(owner)}: ${sDropped}-byte string not read`);
        }
        value = { type: 'string', value: s ?? '' };
        break;
      case ATTR.TENSOR:
        if (t !== undefined) value = { type: 'tensor', value: t };
        break;
      case ATTR.GRAPH:
        if (g !== undefined) value = { type: 'graph', value: g };
        break;
      case ATTR.FLOATS:
        value = { type: 'floats', value: floats ?? [] };
        break;
      case ATTR.INTS:
        value = { type: 'ints', value: ints ?? [] };
        break;
      case ATTR.STRINGS:
        value = { type: 'strings', value: strings ?? [] };
        break;
      case ATTR.TENSORS:
        value = { type: 'tensors', value: tensors ?? [] };
        break;
      case ATTR.GRAPHS:
        value = { type: 'graphs', value: graphs ?? [] };
        break;
      case ATTR.SPARSE_TENSOR:
        if (sparse !== undefined) value = { type: 'sparse_tensor', value: sparse };
        break;
      case ATTR.SPARSE_TENSORS:
        value = { type: 'sparse_tensors', value: sparses ?? [] };
        break;
      case ATTR.TYPE_PROTO:
        if (tp !== undefined) value = { type: 'type_proto', value: tp };
        break;
      case ATTR.TYPE_PROTOS:
        value = { type: 'type_protos', value: tps ?? [] };
        break;
    }
    if (value === undefined) {
      this.warn(
        `attribute ${quoteName(name)} of node ${quoteName(owner)} has type ${type} but no value of that type; ignored`,
      );
      return;
    }
    into.set(name, value);
  }

  /** TensorProto: dims, dtype, name and the payload's location; the payload itself is skipped. */
  private tensor(): TensorRef {
    const r = this.r;
    const messageStart = r.pos;
    const saved = r.beginMessage();
    const bodyStart = r.pos;
    const bodyEnd = r.end;
    const dimsBase = this.numberStack.length;
    let dataType = 0;
    let name = '';
    let dataLocation = 0;
    let segmented = false;
    let payloadField = 0;
    let payloadStart = 0;
    let payloadEnd = 0;
    let payloadPieces = 0;
    const external = new Map<string, string>();
    while (r.pos < r.end) {
      const field = r.tag();
      switch (field) {
        case 1:
          this.int64s(this.numberStack, 'TensorProto.dims');
          break;
        case 2:
          r.expect(WIRE_VARINT, 'TensorProto.data_type');
          dataType = r.int32();
          break;
        case 3:
          segmented = true;
          r.skip();
          break;
        case 8:
          r.expect(WIRE_LEN, 'TensorProto.name');
          name = r.string();
          break;
        case 13: {
          r.expect(WIRE_LEN, 'TensorProto.external_data');
          this.entry(external);
          break;
        }
        case 14:
          r.expect(WIRE_VARINT, 'TensorProto.data_location');
          dataLocation = r.int32();
          break;
        case 4:
        case 5:
        case 6:
        case 7:
        case 9:
        case 10:
        case 11: {
          let start: number;
          let end: number;
          if (r.wireType === WIRE_LEN) {
            const n = r.length();
            start = r.pos;
            r.advance(n);
            end = r.pos;
          } else {
            // string_data (6) and raw_data (9) hold bytes: no unpacked form, always LEN.
            const elementWire = PAYLOAD_ELEMENT_WIRE.get(field);
            if (elementWire === undefined || r.wireType !== elementWire) {
              r.expect(elementWire ?? WIRE_LEN, `TensorProto.${mapGet(PAYLOAD_FIELDS, field)}`);
            }
            start = r.pos;
            r.skip();
            end = r.pos;
          }
          if (field === payloadField && field !== 9) {
            // A repeated field continues (unpacked elements, or several packed runs).
            payloadEnd = end;
            payloadPieces++;
          } else if (payloadField === 0 || field === 9) {
            // raw_data takes precedence over typed fields; a repeated raw_data replaces the last.
            payloadField = field;
            payloadStart = start;
            payloadEnd = end;
            payloadPieces = 1;
          }
          break;
        }
        default:
          r.skip();
      }
    }
    r.endMessage(saved);
    const dims = takeFrom(this.numberStack, dimsBase);

    const elements = this.checkedElementCount(dims, 'tensor', name, messageStart);
    const dtype = dtypeFromCode(dataType);
    if (dataType < 0 || dataType >= 24) this.warn(`${tensorLabel('tensor', name)} has unknown data type ${dataType}`);
    if (segmented)
      this.warn(`${tensorLabel('tensor', name)} is segmented (TensorProto.segment); its size is taken from dims`);
    let byteLength =
      dtype === 'string'
        ? payloadField === 0
          ? 0
          : payloadEnd - payloadStart
        : Math.ceil(elements * BYTES_PER_ELEMENT[dtype]);
    if (!Number.isSafeInteger(byteLength))
      r.fail(`${tensorLabel('tensor', name)} has an absurd size (${elements} elements)`, messageStart);

    let location: TensorLocation;
    if (dataLocation === DATA_LOCATION_EXTERNAL) {
      const extFile = external.get('location');
      const extOffset = external.get('offset');
      const extLength = external.get('length');
      if (extFile === undefined || extFile === '') {
        return this.r.fail(
          `${tensorLabel('tensor', name)} has data_location EXTERNAL but no external_data location`,
          messageStart,
        );
      }
      const offset =
        extOffset === undefined
          ? 0
          : this.parseExternalNumber(extOffset, 'offset', tensorLabel('tensor', name), messageStart);
      const length =
        extLength === undefined
          ? null
          : this.parseExternalNumber(extLength, 'length', tensorLabel('tensor', name), messageStart);
      if (length !== null && dtype !== 'string' && length !== byteLength) {
        this.warn(
          `${tensorLabel('tensor', name)}: external_data length ${length} differs from ${byteLength} bytes implied by dims and dtype`,
        );
      }
      this.externalFiles.set(extFile, (this.externalFiles.get(extFile) ?? 0) + 1);
      location = { kind: 'external', file: extFile, offset, length };
    } else if (payloadField !== 0) {
      const field = mapGet(PAYLOAD_FIELDS, payloadField);
      const length = payloadEnd - payloadStart;
      location = { kind: 'inline', field, offset: payloadStart, length };
      if (payloadField === 9 && dtype !== 'string' && dtype !== 'undefined' && length !== byteLength) {
        this.warn(`${tensorLabel('tensor', name)}: raw_data has ${length} bytes, dims and dtype imply ${byteLength}`);
      }
      if (payloadPieces > 1 && payloadField !== 6) {
        this.scattered.set(location, { messageStart: bodyStart, messageEnd: bodyEnd, fieldNumber: payloadField });
      }
    } else {
      location = { kind: 'empty' };
    }
    if (dtype === 'undefined') byteLength = 0;
    return { name, dtype, dims, byteLength, location };
  }

  private sparseTensor(): SparseTensorRef {
    const r = this.r;
    const messageStart = r.pos;
    const saved = r.beginMessage();
    let values: TensorRef | undefined;
    const dimsBase = this.numberStack.length;
    while (r.pos < r.end) {
      switch (r.tag()) {
        case 1:
          r.expect(WIRE_LEN, 'SparseTensorProto.values');
          values = this.tensor();
          break;
        case 2:
          // indices: located like any tensor, then dropped (the IR needs only the count).
          r.expect(WIRE_LEN, 'SparseTensorProto.indices');
          this.tensor();
          break;
        case 3:
          this.int64s(this.numberStack, 'SparseTensorProto.dims');
          break;
        default:
          r.skip();
      }
    }
    r.endMessage(saved);
    const dims = takeFrom(this.numberStack, dimsBase);
    const name = values?.name ?? '';
    this.checkedElementCount(dims, 'sparse tensor', name, messageStart);
    return { name, dtype: values?.dtype ?? 'undefined', dims, nnz: values?.dims[0] ?? 0 };
  }

  private valueInfo(): ValueInfo {
    const r = this.r;
    const saved = r.beginMessage();
    let name = '';
    let type = NO_TYPE;
    while (r.pos < r.end) {
      switch (r.tag()) {
        case 1:
          r.expect(WIRE_LEN, 'ValueInfoProto.name');
          name = r.string();
          this.valueName = name;
          break;
        case 2:
          r.expect(WIRE_LEN, 'ValueInfoProto.type');
          type = this.typeProto();
          break;
        default:
          r.skip();
      }
    }
    r.endMessage(saved);
    this.valueName = '';
    return toValueInfo(name, type);
  }

  /** A bare TypeProto (attribute `tp`) as a nameless ValueInfo. */
  private valueInfoOfType(name: string): ValueInfo {
    return toValueInfo(name, this.typeProto());
  }

  private typeProto(): TypeInfo {
    const r = this.r;
    const saved = r.beginMessage();
    let info = NO_TYPE;
    while (r.pos < r.end) {
      switch (r.tag()) {
        case 1:
          r.expect(WIRE_LEN, 'TypeProto.tensor_type');
          info = this.tensorType('tensor');
          break;
        case 4:
          r.expect(WIRE_LEN, 'TypeProto.sequence_type');
          info = this.wrapperType('sequence', 1);
          break;
        case 5:
          r.expect(WIRE_LEN, 'TypeProto.map_type');
          info = this.wrapperType('map', 2);
          break;
        case 7:
          r.skip();
          info = { kind: 'opaque', dtype: null, shape: null };
          break;
        case 8:
          r.expect(WIRE_LEN, 'TypeProto.sparse_tensor_type');
          info = this.tensorType('sparse_tensor');
          break;
        case 9:
          r.expect(WIRE_LEN, 'TypeProto.optional_type');
          info = this.wrapperType('optional', 1);
          break;
        default:
          r.skip();
      }
    }
    r.endMessage(saved);
    return info;
  }

  /** TypeProto.Tensor / TypeProto.SparseTensor: elem_type = 1, shape = 2. */
  private tensorType(kind: ValueKind): TypeInfo {
    const r = this.r;
    const saved = r.beginMessage();
    let dtype: DType | null = null;
    let shape: Dim[] | null = null;
    while (r.pos < r.end) {
      switch (r.tag()) {
        case 1: {
          r.expect(WIRE_VARINT, 'TypeProto.Tensor.elem_type');
          const code = r.int32();
          dtype = code === 0 ? null : dtypeFromCode(code);
          break;
        }
        case 2:
          r.expect(WIRE_LEN, 'TypeProto.Tensor.shape');
          shape = this.shape();
          break;
        default:
          r.skip();
      }
    }
    r.endMessage(saved);
    return { kind, dtype, shape };
  }

  /** Sequence / Optional (elem_type = 1) and Map (value_type = 2): the inner TypeProto's tensor. */
  private wrapperType(kind: ValueKind, innerField: number): TypeInfo {
    const r = this.r;
    const saved = r.beginMessage();
    let inner = NO_TYPE;
    while (r.pos < r.end) {
      if (r.tag() === innerField) {
        r.expect(WIRE_LEN, `TypeProto.${kind} element type`);
        inner = this.typeProto();
      } else r.skip();
    }
    r.endMessage(saved);
    return { kind, dtype: inner.dtype, shape: inner.shape };
  }

  /** TensorShapeProto: dim = 1 (Dimension: dim_value = 1, dim_param = 2). */
  private shape(): Dim[] {
    const r = this.r;
    const saved = r.beginMessage();
    const dims = this.dimScratch;
    dims.length = 0;
    while (r.pos < r.end) {
      if (r.tag() !== 1) {
        r.skip();
        continue;
      }
      r.expect(WIRE_LEN, 'TensorShapeProto.dim');
      const savedDim = r.beginMessage();
      let dim: Dim | null = null;
      while (r.pos < r.end) {
        const f = r.tag();
        if (f === 1) {
          r.expect(WIRE_VARINT, 'Dimension.dim_value');
          const at = r.pos;
          dim = this.checkedDim(
            r.int64(),
            this.valueName === '' ? 'a shape' : `the shape of ${quoteName(this.valueName)}`,
            at,
          );
        } else if (f === 2) {
          r.expect(WIRE_LEN, 'Dimension.dim_param');
          const p = r.string();
          dim = p === '' ? null : p;
        } else r.skip();
      }
      r.endMessage(savedDim);
      dims.push(dim ?? `unk__${this.unknownDims++}`);
    }
    r.endMessage(saved);
    return takeFrom(dims, 0);
  }

  private opset(into: Map<string, number>): void {
    const r = this.r;
    const saved = r.beginMessage();
    let domain = '';
    let version = 0;
    while (r.pos < r.end) {
      switch (r.tag()) {
        case 1:
          r.expect(WIRE_LEN, 'OperatorSetIdProto.domain');
          domain = r.string();
          break;
        case 2:
          r.expect(WIRE_VARINT, 'OperatorSetIdProto.version');
          version = r.int64();
          break;
        default:
          r.skip();
      }
    }
    r.endMessage(saved);
    into.set(normalizeDomain(domain), version);
  }

  private entry(into: Map<string, string>): void {
    const r = this.r;
    const saved = r.beginMessage();
    let key = '';
    let value = '';
    while (r.pos < r.end) {
      const f = r.tag();
      if (f === 1 || f === 2) {
        r.expect(WIRE_LEN, 'StringStringEntryProto');
        if (f === 1) key = r.string();
        else value = r.string();
      } else r.skip();
    }
    r.endMessage(saved);
    into.set(key, value);
  }

  private function(): FunctionDef {
    const r = this.r;
    const saved = r.beginMessage();
    let name = '';
    let domain = '';
    const inputs: string[] = [];
    const outputs: string[] = [];
    const attributeNames: string[] = [];
    const nodes: Node[] = [];
    const opsets = new Map<string, number>();
    while (r.pos < r.end) {
      switch (r.tag()) {
        case 1:
          r.expect(WIRE_LEN, 'FunctionProto.name');
          name = r.string();
          break;
        case 4:
          r.expect(WIRE_LEN, 'FunctionProto.input');
          inputs.push(r.string());
          break;
        case 5:
          r.expect(WIRE_LEN, 'FunctionProto.output');
          outputs.push(r.string());
          break;
        case 6:
          r.expect(WIRE_LEN, 'FunctionProto.attribute');
          attributeNames.push(r.string());
          break;
        case 7:
          r.expect(WIRE_LEN, 'FunctionProto.node');
          nodes.push(this.node(nodes.length));
          break;
        case 9:
          r.expect(WIRE_LEN, 'FunctionProto.opset_import');
          this.opset(opsets);
          break;
        case 10:
          r.expect(WIRE_LEN, 'FunctionProto.domain');
          domain = r.string();
          break;
        case 11: {
          // attribute_proto (IR 9): attributes with defaults; the IR keeps their names.
          r.expect(WIRE_LEN, 'FunctionProto.attribute_proto');
          const attrs = new Map<string, AttributeValue>();
          this.attribute(attrs, name);
          for (const key of attrs.keys()) attributeNames.push(key);
          break;
        }
        default:
          r.skip();
      }
    }
    r.endMessage(saved);
    return { name, domain: normalizeDomain(domain), inputs, outputs, attributeNames, nodes, opsets };
  }

  /**
   * Repeated int64, packed or not (ONNX writers differ: protobuf-C++ leaves dims unpacked). Elements
   * that would take `into` past `maxLength` are read but not stored; returns how many were skipped.
   */
  private int64s(into: number[], what: string, maxLength = Infinity): number {
    const r = this.r;
    let skipped = 0;
    if (r.wireType === WIRE_LEN) {
      const saved = r.beginPacked();
      while (r.pos < r.end) {
        const v = r.int64();
        if (into.length < maxLength) into.push(v);
        else skipped++;
      }
      r.endPacked(saved);
      return skipped;
    }
    r.expect(WIRE_VARINT, what);
    const v = r.int64();
    if (into.length >= maxLength) return 1;
    into.push(v);
    return 0;
  }

  /** Repeated float, packed or not; as int64s, elements past `maxLength` are skipped and counted. */
  private float32s(into: number[], what: string, maxLength = Infinity): number {
    const r = this.r;
    if (r.wireType === WIRE_LEN) {
      const saved = r.beginPacked();
      if ((r.end - r.pos) % 4 !== 0) r.fail(`${what}: packed length is not a multiple of 4`);
      const count = (r.end - r.pos) / 4;
      if (into.length + count > maxLength) {
        r.advance(r.end - r.pos);
        r.endPacked(saved);
        return count;
      }
      while (r.pos < r.end) into.push(r.float32());
      r.endPacked(saved);
      return 0;
    }
    r.expect(WIRE_I32, what);
    const v = r.float32();
    if (into.length >= maxLength) return 1;
    into.push(v);
    return 0;
  }

  private checkedDim(v: number, what: string, at: number): number {
    if (v < 0) this.r.fail(`negative dimension ${v} in ${what}`, at);
    if (!Number.isSafeInteger(v)) this.r.fail(`dimension ${v} in ${what} is beyond 2^53`, at);
    return v;
  }

  /** Checks tensor dims (non-negative, below 2^53) and returns their product, itself below 2^53. */
  private checkedElementCount(dims: readonly number[], kind: string, name: string, at: number): number {
    let n = 1;
    for (const d of dims) {
      if (!(d >= 0 && Number.isSafeInteger(d))) this.checkedDim(d, `the dims of ${tensorLabel(kind, name)}`, at);
      n *= d;
    }
    if (!Number.isSafeInteger(n))
      this.r.fail(`${tensorLabel(kind, name)} has an absurd element count (dims ${dims.join('x')})`, at);
    return n;
  }

  private parseExternalNumber(text: string, key: string, what: string, at: number): number {
    const v = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(v)) this.r.fail(`${what} has an invalid external_data ${key} ${quoteName(text)}`, at);
    return v;
  }
}

/** Copies stack[base..] out at its exact length and truncates the stack back to base. */
function takeFrom<T>(stack: T[], base: number): T[] {
  const out = stack.slice(base);
  stack.length = base;
  return out;
}

/** `tensor "w"`, or `a tensor` when unnamed: built only when a message needs it. */
function tensorLabel(kind: string, name: string): string {
  return name === '' ? `a ${kind}` : `${kind} ${quoteName(name)}`;
}

function toValueInfo(name: string, type: TypeInfo): ValueInfo {
  if (type.kind === undefined) return { name, dtype: null, shape: null };
  if (type.kind === 'tensor') return { name, dtype: type.dtype, shape: type.shape, kind: 'tensor' };
  if (type.kind === 'opaque') return { name, dtype: null, shape: null, kind: 'opaque' };
  return { name, dtype: null, shape: null, kind: type.kind, element: { dtype: type.dtype, shape: type.shape } };
}
