import { quoteName, quoteUserInput as nameText } from '../util/escape.js';
import { at } from '../util/at.js';
import { InvalidModelError, OpSpecError } from '../errors.js';
import type { AttributeValue, Dim, FunctionDef, Graph, Model, Node, TensorRef } from '../model/ir.js';
import { isFloatDType, isIntegerDType } from '../model/ir.js';
import { createAttrs } from './attrs.js';
import { MAX_FOLD_ELEMENTS } from './fold.js';
import { lookupOp, resolveOp } from './registry.js';
import { isStaticShape, numel, safeElementCount } from './shape-utils.js';
import type { OpContext, OpCost, OpDef, SubgraphOutcome, TensorInfo } from './types.js';
import { UNKNOWN_TENSOR } from './types.js';

/** Float tensors up to this size are read too (Resize scales, Clip bounds); weights never are. */
const MAX_FOLDED_FLOAT_ELEMENTS = 16;
/**
 * Nesting limit for subgraphs and function calls (a recursive function must not hang). Each level costs a handful of
 * stack frames, so this stays far from the JS stack limit; the decoder's own cap on message nesting stops deeper files.
 */
const MAX_NESTING = 256;

export interface InferOptions {
  /** Shapes for graph inputs by name; they replace symbolic and fixed dims alike. */
  readonly inputShapes?: Readonly<Record<string, readonly number[]>>;
  /**
   * Values of small integer graph inputs (a shape, axes or sizes fed at run time), by name. They let
   * shape inference fold what depends on them; the tensors stay non-constant for cost purposes.
   */
  readonly inputValues?: Readonly<Record<string, readonly number[]>>;
  /**
   * Fill what inference cannot know (unknown shapes, run-time dims) from the shapes the producer
   * declared in value_info and graph outputs. Default true; false measures inference alone.
   */
  readonly useDeclaredShapes?: boolean;
}

/** One node after inference: what it saw, what it produced, and its op's cost record. */
export interface InferredNode {
  readonly node: Node;
  /** '' for the main graph, else `<node>/<graph name>` path of the subgraph or function body. */
  readonly scope: string;
  readonly inputs: readonly (TensorInfo | null)[];
  readonly outputs: readonly TensorInfo[];
  /** Undefined when no op definition or model-local function exists (cost unknown). */
  readonly def: OpDef | undefined;
  /** Null when the op has no cost rule. */
  readonly cost: OpCost | null;
  /**
   * True when onnxruntime computes the node at session creation: every input is constant, and for an If (the only
   * node with a body that folds) also everything its taken branch reads from the outer scope.
   */
  readonly folded: boolean;
  /** Set for model-local function calls, whose body nodes are listed separately. */
  readonly expandedFunction?: string;
  /**
   * How many times the node runs per run of the model: 1 in the main graph and in If branches, the trip count inside
   * a Loop or Scan body (multiplied through nested bodies); null when a trip count is only known at run time.
   */
  readonly runs: number | null;
}

/** A subgraph or function body that was inferred: what rules need to see it as a graph of its own. */
export interface InferredBody {
  /** The `scope` of its nodes (layers). */
  readonly scope: string;
  /** The scope of the node that owns it. */
  readonly parentScope: string;
  /** Name (layer name) of the owning If/Loop/Scan node or function call. */
  readonly owner: string;
  /**
   * Formal inputs: a Loop body's iteration number, condition and carried values, a Scan body's states and slices;
   * an If branch has none.
   */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
}

export interface InferredGraph {
  readonly inputs: readonly { name: string; info: TensorInfo }[];
  readonly outputs: readonly { name: string; info: TensorInfo }[];
  /** Main-graph nodes in topological order, subgraph and function-body nodes after their owner. */
  readonly nodes: readonly InferredNode[];
  /** Bodies whose nodes are in `nodes`, each after its owner's body (outer bodies first). */
  readonly bodies: readonly InferredBody[];
  readonly warnings: readonly string[];
}

/** Ends the warning for a node whose inference failed: `node "n" (Op): <reason>; its cost is unknown`. */
export const UNKNOWN_COST_SUFFIX = '; its cost is unknown';

/**
 * A graph that is broken as a whole (a cycle, a name no node, initializer or input produces, bodies nested too
 * deep): no layer can stand in for it, so the model is invalid wherever it happens.
 */
class GraphStructureError extends InvalidModelError {}

/**
 * A node whose inputs contradict its op's spec, raised only while a body the runtime may never run is inferred
 * (tryInferSubgraph): there the failure makes the whole body unknown instead of the one node.
 */
class NodeInferenceError extends InvalidModelError {
  constructor(
    path: string,
    /** The failure without the model path: `node 'n' (Op): ...`. */
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${path}: ${detail}`, options);
  }
}

/**
 * Why a node cannot be inferred when the node itself is wrong: an op definition's OpSpecError or an attribute
 * reader's InvalidModelError, first line. Undefined for anything else, which must propagate: a broken graph
 * (GraphStructureError), a body failure on its way to its tryInferSubgraph (NodeInferenceError), or an
 * exception that is not an EfflintError at all (TypeError, a stack overflow...), which is a bug in efflint.
 */
function nodeFailureReason(err: unknown): string | undefined {
  if (err instanceof GraphStructureError || err instanceof NodeInferenceError) return undefined;
  if (!(err instanceof OpSpecError || err instanceof InvalidModelError)) return undefined;
  return err.message.split('\n')[0];
}

class Scope {
  private readonly values = new Map<string, TensorInfo>();
  constructor(private readonly parent: Scope | null) {}
  get(name: string): TensorInfo | undefined {
    return this.values.get(name) ?? this.parent?.get(name);
  }
  has(name: string): boolean {
    return this.values.has(name) || (this.parent?.has(name) ?? false);
  }
  set(name: string, info: TensorInfo): void {
    this.values.set(name, info);
  }
}

function shapeText(shape: readonly Dim[] | null): string {
  return shape ? `[${shape.join(',')}]` : '?';
}

/**
 * A static shape whose element count is not a safe integer (above 2^53 - 1), described for an error message (long
 * shapes by rank only, to keep the message one readable line); undefined for every other shape.
 */
function oversizedShape(shape: readonly Dim[] | null): string | undefined {
  if (!isStaticShape(shape) || safeElementCount(shape) !== null) return undefined;
  const product = shape.reduce((a, d) => a * d, 1);
  const text = shape.length <= 8 ? `the shape ${shapeText(shape)}` : `a rank-${shape.length} shape`;
  return `${text} with ${Number.isFinite(product) ? product.toExponential(2) : 'over 1e308'} elements (more than 2^53)`;
}

/**
 * Names a graph reads from its enclosing scopes (used by If/Loop/Scan bodies): these are implicit
 * inputs of the owning node and must be ordered before it.
 */
function freeNames(graph: Graph): Set<string> {
  const defined = new Set<string>([
    ...graph.inputs.map((v) => v.name),
    ...graph.initializers.keys(),
    ...graph.sparseInitializers.keys(),
  ]);
  for (const n of graph.nodes) for (const o of n.outputs) defined.add(o);
  const free = new Set<string>();
  for (const n of graph.nodes) {
    for (const i of n.inputs) if (i && !defined.has(i)) free.add(i);
    for (const sub of subgraphsOf(n)) for (const f of freeNames(sub)) if (!defined.has(f)) free.add(f);
  }
  for (const o of graph.outputs) if (!defined.has(o.name)) free.add(o.name);
  return free;
}

function subgraphsOf(node: Node): Graph[] {
  const out: Graph[] = [];
  for (const a of node.attributes.values()) {
    if (a.type === 'graph') out.push(a.value);
    else if (a.type === 'graphs') out.push(...a.value);
  }
  return out;
}

/** Path segments of the standard body attributes: `If_0/then/Conv_3`, `Loop_1/body/Add_2`. */
const BODY_LABELS: Readonly<Record<string, string>> = { then_branch: 'then', else_branch: 'else' };

/**
 * The path segment of a subgraph: `then` and `else` for an If's branches, otherwise the attribute that holds it
 * (`body`, `graphs[1]`); unique within its node.
 */
function subgraphLabel(owner: Node, graph: Graph): string {
  for (const [name, a] of owner.attributes) {
    if (a.type === 'graph' && a.value === graph) return BODY_LABELS[name] ?? name;
    if (a.type === 'graphs') {
      const i = a.value.indexOf(graph);
      if (i >= 0) return `${name}[${i}]`;
    }
  }
  return graph.name || 'body';
}

/** Dims a tensor can have: whole, non-negative, and not more than 2^53 elements in all. */
function validShape(shape: readonly Dim[] | null): boolean {
  if (shape === null) return true;
  if (shape.some((d) => typeof d === 'number' && (!Number.isInteger(d) || d < 0))) return false;
  return oversizedShape(shape) === undefined;
}

function isBatchLike(dim: Dim, axis: number): boolean {
  return typeof dim === 'string' && axis === 0;
}

/**
 * Shape inference over a whole model: topological order, constant folding of shape sub-graphs,
 * subgraphs (If/Loop/Scan) and model-local functions. Throws InvalidModelError for graphs that
 * cannot be valid (cycles, dangling inputs, bodies nested too deep, inputs beyond 2^53 elements); a node that breaks
 * its op's spec becomes an unknown-cost layer with a warning. Any other exception is a bug and propagates.
 */
export class ModelInferencer {
  private readonly warnings: string[] = [];
  private readonly results: InferredNode[] = [];
  private readonly bodies: InferredBody[] = [];
  private readonly functions = new Map<string, FunctionDef>();
  private depth = 0;
  /**
   * How many tryInferSubgraph calls are under way: inside one, a node that fails aborts its body (NodeInferenceError,
   * caught there) instead of becoming one unknown-cost layer.
   */
  private tentative = 0;

  constructor(
    private readonly model: Model,
    private readonly options: InferOptions = {},
  ) {
    for (const f of model.functions) this.functions.set(`${f.domain}::${f.name}`, f);
  }

  run(): InferredGraph {
    const graph = this.model.graph;
    const scope = new Scope(null);
    const boundInputs: { name: string; info: TensorInfo }[] = [];
    const given = this.options.inputShapes ?? {};
    for (const name of Object.keys(given)) {
      if (!graph.inputs.some((i) => i.name === name)) {
        const names = graph.inputs.map((i) => i.name).join(', ');
        throw new InvalidModelError(
          `${this.model.path}: --input names ${quoteName(name)}, but the graph inputs are: ${names}`,
        );
      }
    }
    for (const input of graph.inputs) {
      let shape: readonly Dim[] | null = input.shape;
      const bound = given[input.name];
      if (bound) {
        if (shape && shape.length !== bound.length) {
          throw new InvalidModelError(
            `${this.model.path}: --input ${input.name} has rank ${bound.length}, the model declares ${shapeText(shape)}`,
          );
        }
        shape = bound;
      } else if (shape) {
        shape = shape.map((d, axis) => {
          if (isBatchLike(d, axis)) {
            this.warnings.push(
              `input ${quoteName(input.name)}: symbolic dim ${quoteName(String(d))} bound to 1 (batch); use --input ${nameText(input.name)}=... to choose`,
            );
            return 1;
          }
          return d;
        });
        const symbolic = shape.filter((d): d is string => typeof d === 'string');
        if (symbolic.length > 0) {
          this.warnings.push(
            `input ${quoteName(input.name)} keeps symbolic dims ${symbolic.map((d) => quoteName(d)).join(', ')}: layers that depend on them have unknown cost; bind them with --input ${nameText(input.name)}=${shape.map((d) => (typeof d === 'number' ? d : 'N')).join('x')}`,
          );
        }
      } else {
        this.warnings.push(
          `input ${quoteName(input.name)} has no shape in the model; use --input ${nameText(input.name)}=...`,
        );
      }
      const oversized = oversizedShape(shape);
      if (oversized) throw new InvalidModelError(`${this.model.path}: input ${quoteName(input.name)} has ${oversized}`);
      if (input.shape && shape && input.shape.some((d, i) => typeof d === 'number' && d !== shape[i]))
        this.inputsAsDeclared = false;
      const value = this.options.inputValues?.[input.name];
      const info: TensorInfo =
        value?.length === numel(shape) ? { dtype: input.dtype, shape, value } : { dtype: input.dtype, shape };
      scope.set(input.name, info);
      boundInputs.push({ name: input.name, info });
    }
    this.bindInitializers(graph, scope);
    this.inferNodes(graph, scope, '', this.model.opsets);
    const outputs = graph.outputs.map((o) => ({ name: o.name, info: scope.get(o.name) ?? UNKNOWN_TENSOR }));
    return { inputs: boundInputs, outputs, nodes: this.results, bodies: this.bodies, warnings: this.warnings };
  }

  private constantInfo(ref: TensorRef): TensorInfo {
    const limit = isIntegerDType(ref.dtype)
      ? MAX_FOLD_ELEMENTS
      : isFloatDType(ref.dtype)
        ? MAX_FOLDED_FLOAT_ELEMENTS
        : 0;
    const count = numel(ref.dims) ?? Infinity;
    const value = count <= limit ? this.model.tensors.read(ref, limit) : null;
    return value
      ? { dtype: ref.dtype, shape: ref.dims, value, isConstant: true }
      : { dtype: ref.dtype, shape: ref.dims, isConstant: true };
  }

  private bindInitializers(graph: Graph, scope: Scope): void {
    for (const ref of graph.initializers.values()) scope.set(ref.name, this.constantInfo(ref));
    for (const sparse of graph.sparseInitializers.values()) {
      scope.set(sparse.name, { dtype: sparse.dtype, shape: sparse.dims, isConstant: true });
    }
  }

  /** Kahn's algorithm; nodes keep their file order where dependencies allow. */
  private topologicalOrder(graph: Graph, scope: Scope): Node[] {
    const producer = new Map<string, number>();
    graph.nodes.forEach((n, i) => {
      for (const o of n.outputs) if (o) producer.set(o, i);
    });
    const deps: Set<number>[] = graph.nodes.map(() => new Set<number>());
    const users: number[][] = graph.nodes.map(() => []);
    graph.nodes.forEach((n, i) => {
      const nodeDeps = at(deps, i);
      const needed = new Set<string>(n.inputs.filter((x) => x !== ''));
      for (const sub of subgraphsOf(n)) for (const f of freeNames(sub)) needed.add(f);
      for (const name of needed) {
        const p = producer.get(name);
        if (p !== undefined && p !== i) {
          if (!nodeDeps.has(p)) {
            nodeDeps.add(p);
            at(users, p).push(i);
          }
        } else if (p === undefined && !scope.has(name)) {
          throw new GraphStructureError(
            `${this.model.path}: node ${quoteName(n.name)} (${nameText(n.opType)}) reads ${quoteName(name)}, which no node, initializer or graph input produces`,
          );
        }
      }
    });
    const remaining = deps.map((d) => d.size);
    // A min-heap on the node index keeps file order wherever dependencies allow, in O(n log n).
    const ready = new MinHeap();
    remaining.forEach((r, i) => r === 0 && ready.push(i));
    const order: Node[] = [];
    while (ready.size > 0) {
      const i = ready.pop();
      order.push(at(graph.nodes, i));
      for (const u of at(users, i)) {
        const left = at(remaining, u) - 1;
        remaining[u] = left;
        if (left === 0) ready.push(u);
      }
    }
    if (order.length < graph.nodes.length) {
      const stuck = graph.nodes.find((_, i) => at(remaining, i) > 0);
      throw new GraphStructureError(
        `${this.model.path}: the graph has a cycle through node ${quoteName(stuck?.name ?? '')} (${nameText(stuck?.opType ?? '')})`,
      );
    }
    return order;
  }

  private inferNodes(graph: Graph, scope: Scope, scopePath: string, opsets: ReadonlyMap<string, number>): void {
    const order = this.topologicalOrder(graph, scope);
    this.labelNodes(order);
    for (const node of order) this.inferNode(node, scope, scopePath, opsets);
  }

  /**
   * The name a node's bodies are scoped under: its name, or `<name>#<k>` for the k-th node of that name in the order
   * its graph is listed (ONNX does not require unique node names; two bodies must never share a scope).
   */
  private readonly labels = new WeakMap<Node, string>();

  private labelNodes(nodes: readonly Node[]): void {
    const seen = new Map<string, number>();
    for (const node of nodes) {
      const k = (seen.get(node.name) ?? 0) + 1;
      seen.set(node.name, k);
      this.labels.set(node, k === 1 ? node.name : `${node.name}#${k}`);
    }
  }

  private label(node: Node): string {
    return this.labels.get(node) ?? node.name;
  }

  /** The scope of a body of `owner`, a node in the graph at `ownerScope` ('' for the main graph). */
  private bodyPath(owner: Node, graph: Graph, ownerScope: string): string {
    return `${ownerScope ? `${ownerScope}/` : ''}${this.label(owner)}/${subgraphLabel(owner, graph)}`;
  }

  private inferNode(node: Node, scope: Scope, scopePath: string, opsets: ReadonlyMap<string, number>): void {
    const inputs = node.inputs.map((name) => (name === '' ? null : (scope.get(name) ?? null)));
    // The node is listed before the bodies it owns, which are inferred while it is.
    const slot = this.results.length;
    const bodySlot = this.bodies.length;
    const warningCount = this.warnings.length;
    // The definition that implements the model's opset: an op newer than the opset is not silently matched.
    const resolved = resolveOp(node.domain, node.opType, opsets.get(node.domain) ?? opsets.get('') ?? 1);
    const def = resolved.kind === 'found' ? resolved.def : undefined;
    const fn = def ? undefined : this.functions.get(`${node.domain}::${node.opType}`);
    const visited = new Set<Graph>();
    const ctx = this.context(node, inputs, opsets, scope, scopePath, visited);
    let outputs: TensorInfo[];
    let cost: OpCost | null = null;
    try {
      if (def) {
        outputs = def.inferShape(ctx);
        cost = def.cost ? def.cost(ctx, outputs) : null;
      } else if (fn) {
        outputs = this.expandFunction(node, fn, inputs, scopePath);
        cost = { flops: 0, memory: 'none', paramInputs: [] };
      } else {
        if (resolved.kind === 'opset-out-of-range') {
          this.warnings.push(
            `node ${quoteName(node.name)} (${nameText(node.opType)}): ${resolved.reason}${UNKNOWN_COST_SUFFIX}`,
          );
        }
        outputs = node.outputs.map(() => UNKNOWN_TENSOR);
      }
      const inferred = outputs;
      outputs = node.outputs.map((name, i) => this.checkOutput(name, inferred[i] ?? UNKNOWN_TENSOR));
    } catch (err) {
      const reason = nodeFailureReason(err);
      if (reason === undefined) throw err;
      const detail = `node ${quoteName(node.name)} (${nameText(node.opType)}): ${reason}`;
      if (this.tentative > 0) throw new NodeInferenceError(this.model.path, detail, { cause: err });
      this.listFailedNode(node, scope, scopePath, inputs, def, { slot, bodySlot, warningCount });
      this.warnings.push(`${detail}${UNKNOWN_COST_SUFFIX}`);
      return;
    }
    const folded = this.isFolded(node, inputs, visited, scope);
    node.outputs.forEach((name, i) => {
      if (!name) return;
      const info = at(outputs, i);
      scope.set(name, folded && !info.isConstant ? { ...info, isConstant: true } : info);
    });
    // Everything listed since `slot` belongs to this node's bodies: each of their nodes runs bodyRuns times per run
    // of this node (nested bodies already carry their own counts).
    const bodyRuns = cost?.bodyRuns;
    if (bodyRuns !== undefined && bodyRuns !== 1) {
      for (let i = slot; i < this.results.length; i++) {
        const r = at(this.results, i);
        this.results[i] = { ...r, runs: r.runs === null || bodyRuns === null ? null : r.runs * bodyRuns };
      }
    }
    this.results.splice(slot, 0, {
      node,
      scope: scopePath,
      inputs,
      outputs,
      def,
      cost,
      folded,
      expandedFunction: fn?.name,
      runs: 1,
    });
    // When the op inferred none of its bodies (an unknown op with graph attributes), the engine visits
    // them so their costs are counted once. An op that inferred some chose them (If with a known
    // condition takes one branch), and the others are not counted.
    if (visited.size === 0) {
      for (const sub of subgraphsOf(node))
        ctx.inferSubgraph(
          sub,
          sub.inputs.map((v) => ({ dtype: v.dtype, shape: v.shape })),
        );
    }
  }

  /**
   * Whether onnxruntime computes the node when the session is created (its ConstantFolding pass, see
   * onnxruntime/core/optimizer/constant_folding.cc). That pass runs a node only when every input is constant and the
   * node owns no subgraph; an If whose condition is constant is first inlined (its taken branch replaces it), so it
   * folds when that branch also reads only constants from the outer scope. Loop, Scan and every other node with a
   * body run at inference time (their body nodes may still fold one by one).
   */
  private isFolded(
    node: Node,
    inputs: readonly (TensorInfo | null)[],
    bodies: ReadonlySet<Graph>,
    scope: Scope,
  ): boolean {
    if (inputs.length === 0 || !inputs.every((t) => t === null || t.isConstant === true)) return false;
    if (subgraphsOf(node).length === 0) return true;
    if (node.opType !== 'If' || node.domain !== '') return false;
    for (const body of bodies) {
      for (const name of freeNames(body)) if (scope.get(name)?.isConstant !== true) return false;
    }
    return true;
  }

  /**
   * A node whose own inference failed (it breaks its op's spec): what it and its bodies had listed and warned is
   * dropped, and it is listed with unknown cost, its outputs with the shapes the model declares for them (else
   * unknown), and its bodies' nodes with unknown shapes and cost. The rest of the graph is inferred as usual.
   */
  private listFailedNode(
    node: Node,
    scope: Scope,
    scopePath: string,
    inputs: readonly (TensorInfo | null)[],
    def: OpDef | undefined,
    listed: { slot: number; bodySlot: number; warningCount: number },
  ): void {
    this.results.length = listed.slot;
    this.bodies.length = listed.bodySlot;
    this.warnings.length = listed.warningCount;
    const outputs = node.outputs.map((name) => {
      const declared = this.withDeclared(name, UNKNOWN_TENSOR);
      return validShape(declared.shape) ? declared : UNKNOWN_TENSOR;
    });
    node.outputs.forEach((name, i) => {
      if (name) scope.set(name, at(outputs, i));
    });
    this.results.push({ node, scope: scopePath, inputs, outputs, def, cost: null, folded: false, runs: 1 });
    for (const sub of subgraphsOf(node)) this.listUninferred(sub, this.bodyPath(node, sub, scopePath));
  }

  /**
   * Negative or fractional dims mean the node contradicts itself, and an output no machine could hold is wrong too
   * (not a number that stops being exact, or becomes Infinity, in totals); the value_info may fill gaps.
   */
  private checkOutput(name: string, info: TensorInfo): TensorInfo {
    if (info.shape?.some((d) => typeof d === 'number' && (!Number.isInteger(d) || d < 0))) {
      throw new OpSpecError(`output ${quoteName(name)} would have the invalid shape ${shapeText(info.shape)}`);
    }
    const filled = this.withDeclared(name, info);
    const oversized = oversizedShape(filled.shape);
    if (oversized) throw new OpSpecError(`output ${quoteName(name)} would have ${oversized}`);
    return filled;
  }

  /** Fills what inference left unknown from the shape the producer declared for `name`. */
  private withDeclared(name: string, info: TensorInfo): TensorInfo {
    const declared = this.options.useDeclaredShapes === false ? undefined : this.declared(name);
    if (!declared) return info;
    if (info.shape === null || info.dtype === null) {
      return { ...info, dtype: info.dtype ?? declared.dtype, shape: info.shape ?? declared.shape };
    }
    // A dim inference left symbolic (it depends on a run-time value) takes the size the producer
    // declared, but only while the inputs are the ones the file declares: after --input changed
    // them, a declared size may belong to the old inputs.
    if (this.inputsAsDeclared && declared.shape?.length === info.shape.length) {
      const filled = info.shape.map((d, i) =>
        typeof d === 'string' && typeof declared.shape?.[i] === 'number' ? declared.shape[i] : d,
      );
      if (filled.some((d, i) => d !== info.shape?.[i])) return { ...info, shape: filled };
    }
    return info;
  }

  /** False once a bound input shape differs from a concrete dim the model declares for it. */
  private inputsAsDeclared = true;

  private declaredInfo: Map<string, { dtype: TensorInfo['dtype']; shape: readonly Dim[] | null }> | null = null;

  /** Shapes the producer wrote into value_info / graph outputs: a fallback, never an override. */
  private declared(name: string): { dtype: TensorInfo['dtype']; shape: readonly Dim[] | null } | undefined {
    if (!this.declaredInfo) {
      this.declaredInfo = new Map();
      const g = this.model.graph;
      for (const v of [...g.valueInfo, ...g.outputs]) this.declaredInfo.set(v.name, { dtype: v.dtype, shape: v.shape });
    }
    return this.declaredInfo.get(name);
  }

  private context(
    node: Node,
    inputs: readonly (TensorInfo | null)[],
    opsets: ReadonlyMap<string, number>,
    scope: Scope,
    scopePath: string,
    visited: Set<Graph>,
  ): OpContext {
    const infer = (graph: Graph, formalInputs: readonly TensorInfo[]): TensorInfo[] => {
      visited.add(graph);
      return this.inferSubgraph(node, graph, formalInputs, scope, scopePath, opsets);
    };
    return {
      node,
      opset: opsets.get(node.domain) ?? opsets.get('') ?? 1,
      inputs,
      attrs: createAttrs(node),
      readTensor: (ref) => this.model.tensors.read(ref, MAX_FOLD_ELEMENTS),
      inferSubgraph: infer,
      tryInferSubgraph: (graph, formalInputs) =>
        this.tryInferSubgraph(this.bodyPath(node, graph, scopePath), graph, () => infer(graph, formalInputs)),
      warn: (message) => this.warnings.push(`node ${quoteName(node.name)} (${nameText(node.opType)}): ${message}`),
    };
  }

  private enter(what: string): void {
    this.depth += 1;
    if (this.depth > MAX_NESTING) {
      throw new GraphStructureError(
        `${this.model.path}: ${what} nests deeper than ${MAX_NESTING} levels (recursive function?)`,
      );
    }
  }

  private inferSubgraph(
    owner: Node,
    graph: Graph,
    formalInputs: readonly TensorInfo[],
    parent: Scope,
    parentPath: string,
    opsets: ReadonlyMap<string, number>,
  ): TensorInfo[] {
    this.enter(`subgraph ${quoteName(graph.name)}`);
    try {
      const path = this.bodyPath(owner, graph, parentPath);
      // A body inferred twice (e.g. a Loop re-run with refined carried shapes) is listed once.
      this.dropResults(path);
      this.bodies.push({
        scope: path,
        parentScope: parentPath,
        owner: owner.name,
        inputs: graph.inputs.map((v) => v.name),
        outputs: graph.outputs.map((v) => v.name),
      });
      const scope = new Scope(parent);
      graph.inputs.forEach((v, i) => {
        const given = formalInputs[i];
        scope.set(v.name, given && (given.shape || !v.shape) ? given : { dtype: v.dtype, shape: v.shape });
      });
      this.bindInitializers(graph, scope);
      this.inferNodes(graph, scope, path, opsets);
      return graph.outputs.map((o) => scope.get(o.name) ?? { dtype: o.dtype, shape: o.shape });
    } finally {
      this.depth -= 1;
    }
  }

  /**
   * Infers a body the runtime may not run with these inputs. When a node inside it contradicts its op's spec, what
   * the body had listed and warned is dropped and every node of it (nested bodies included) is listed with unknown
   * shapes and cost. Broken graphs (cycles, dangling names, nesting too deep) still abort. `infer` infers `graph`,
   * the body at `path`.
   */
  private tryInferSubgraph(path: string, graph: Graph, infer: () => TensorInfo[]): SubgraphOutcome {
    const warningCount = this.warnings.length;
    this.tentative += 1;
    try {
      return { outputs: infer() };
    } catch (err) {
      if (!(err instanceof NodeInferenceError)) throw err;
      this.warnings.length = warningCount;
      this.dropResults(path);
      return { failure: err.detail, layers: this.listUninferred(graph, path) };
    } finally {
      this.tentative -= 1;
    }
  }

  /** Removes the layers listed for a body and the bodies nested in it. */
  private dropResults(path: string): void {
    const inside = (scope: string): boolean => scope === path || scope.startsWith(`${path}/`);
    for (let i = this.results.length - 1; i >= 0; i--) if (inside(at(this.results, i).scope)) this.results.splice(i, 1);
    for (let i = this.bodies.length - 1; i >= 0; i--) if (inside(at(this.bodies, i).scope)) this.bodies.splice(i, 1);
  }

  /** Lists every node of a body that could not be inferred, nested bodies included; returns how many. */
  private listUninferred(graph: Graph, path: string): number {
    let count = 0;
    this.labelNodes(graph.nodes);
    for (const node of graph.nodes) {
      this.results.push({
        node,
        scope: path,
        inputs: node.inputs.map((name) => (name === '' ? null : UNKNOWN_TENSOR)),
        outputs: node.outputs.map(() => UNKNOWN_TENSOR),
        def: lookupOp(node.domain, node.opType),
        cost: null,
        folded: false,
        runs: 1,
      });
      count += 1;
      for (const sub of subgraphsOf(node)) count += this.listUninferred(sub, this.bodyPath(node, sub, path));
    }
    return count;
  }

  /** Inlines a model-local function: its body nodes are inferred and costed like any others. */
  private expandFunction(
    call: Node,
    fn: FunctionDef,
    inputs: readonly (TensorInfo | null)[],
    parentPath: string,
  ): TensorInfo[] {
    this.enter(`function ${quoteName(fn.name)}`);
    try {
      const path = `${parentPath ? `${parentPath}/` : ''}${this.label(call)}/${fn.name}`;
      this.bodies.push({
        scope: path,
        parentScope: parentPath,
        owner: call.name,
        inputs: fn.inputs.filter((_, i) => inputs[i]),
        outputs: fn.outputs,
      });
      const scope = new Scope(null);
      fn.inputs.forEach((name, i) => {
        const info = inputs[i];
        if (info) scope.set(name, info);
      });
      const body: Graph = {
        name: fn.name,
        nodes: fn.nodes.map((n) => substituteRefs(n, call)),
        inputs: fn.inputs.filter((_, i) => inputs[i]).map((name) => ({ name, dtype: null, shape: null })),
        outputs: fn.outputs.map((name) => ({ name, dtype: null, shape: null })),
        valueInfo: [],
        initializers: new Map(),
        sparseInitializers: new Map(),
      };
      const opsets = new Map(this.model.opsets);
      for (const [d, v] of fn.opsets) opsets.set(d, v);
      // A function body sees only its formal inputs, never the caller's scope.
      this.inferNodes(body, scope, path, opsets);
      return fn.outputs.map((name) => scope.get(name) ?? UNKNOWN_TENSOR);
    } finally {
      this.depth -= 1;
    }
  }
}

/** A binary min-heap of node indices. */
class MinHeap {
  private readonly items: number[] = [];

  get size(): number {
    return this.items.length;
  }

  push(x: number): void {
    const a = this.items;
    a.push(x);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const above = at(a, parent);
      if (above <= x) break;
      a[i] = above;
      i = parent;
    }
    a[i] = x;
  }

  pop(): number {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (top === undefined || last === undefined) throw new Error('pop from an empty heap');
    if (a.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= a.length) break;
        let c = l;
        let child = at(a, l);
        if (l + 1 < a.length) {
          const right = at(a, l + 1);
          if (right < child) {
            c = l + 1;
            child = right;
          }
        }
        if (child >= last) break;
        a[i] = child;
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}

/** Replaces attributes that reference the caller's attributes (ref_attr_name) by the caller's values. */
function substituteRefs(node: Node, call: Node): Node {
  let changed = false;
  const attributes = new Map<string, AttributeValue>();
  for (const [name, a] of node.attributes) {
    if (a.type === 'ref') {
      changed = true;
      const v = call.attributes.get(a.refAttrName);
      if (v) attributes.set(name, v);
    } else attributes.set(name, a);
  }
  return changed ? { ...node, attributes } : node;
}

/** Runs shape inference over a model. */
export function inferModel(model: Model, options?: InferOptions): InferredGraph {
  return new ModelInferencer(model, options).run();
}
