import { at, mapGet } from '../util/at.js';
import { quoteName } from '../util/escape.js';
import type { Graph, Node } from './ir.js';

/**
 * The ai.onnx opset versions a model may import. Opset 1 is the first (onnx/docs/Versioning.md);
 * ONNX has released about two opsets a year (17 in 2022, 21 in 2024, 23 in 2025), so 30 leaves
 * years of headroom while refusing values no release wrote (0, negatives, 2^62). onnxruntime
 * refuses all of those too, and any opset newer than the ONNX it was built with.
 */
export const AI_ONNX_OPSETS = { min: 1, max: 30 } as const;

/**
 * Checks the structure onnxruntime checks when it loads a model (onnxruntime/core/graph/graph.cc,
 * `Graph::Graph`, `BuildConnections`, `PerformTopologicalSortAndCheckIsAcyclic`), so that the
 * static commands refuse what the runtime refuses instead of analysing a graph no runtime runs:
 * - the ai.onnx opset is in AI_ONNX_OPSETS;
 * - every tensor name has one definition: no two node outputs, and no node output that is also a
 *   graph input or initializer ("Duplicate definition of name"), and in a subgraph no node output
 *   that redefines a name of an enclosing graph (onnxruntime: "single static assignment");
 * - the nodes form no cycle, counting a subgraph's use of an outer name as a use by the node that
 *   owns the subgraph (a node that consumes its own output is the smallest cycle);
 * - every graph output is produced inside its graph, by a node, an input or an initializer (a
 *   subgraph may not return an outer value directly).
 * Inputs that nothing defines are left to the analysis (it reports them as unknown), as are
 * model-local functions.
 *
 * @returns the first problem as one line, or null when the model is well-formed.
 */
export function validateModelStructure(graph: Graph, opsets: ReadonlyMap<string, number>): string | null {
  const opset = opsets.get('');
  if (
    opset !== undefined &&
    (!Number.isSafeInteger(opset) || opset < AI_ONNX_OPSETS.min || opset > AI_ONNX_OPSETS.max)
  ) {
    // 2^62 prints exactly, not as 4611686018427388000.
    const shown = Number.isSafeInteger(opset) || !Number.isInteger(opset) ? String(opset) : BigInt(opset).toString();
    return `ai.onnx opset ${shown} is not a valid opset version (${AI_ONNX_OPSETS.min} to ${AI_ONNX_OPSETS.max})`;
  }
  try {
    checkGraph(graph, null, '', 0);
    return null;
  } catch (err) {
    if (err instanceof StructureProblem) return err.message;
    throw err;
  }
}

class StructureProblem extends Error {}

/** What defines a name: a node of the graph (its index, >= 0) or one of these. */
const GRAPH_INPUT = -1;
const INITIALIZER = -2;
const SPARSE_INITIALIZER = -3;

/** Names defined by a graph and its enclosing graphs, innermost first. */
interface Scope {
  readonly graph: Graph;
  readonly defined: ReadonlyMap<string, number>;
  readonly parent: Scope | null;
}

function describeDefinition(graph: Graph, what: number): string {
  if (what === GRAPH_INPUT) return 'a graph input';
  if (what === INITIALIZER) return 'an initializer';
  if (what === SPARSE_INITIALIZER) return 'a sparse initializer';
  return nodeLabel(at(graph.nodes, what));
}

function definedOutside(scope: Scope | null, name: string): string | undefined {
  for (let s = scope; s !== null; s = s.parent) {
    const what = s.defined.get(name);
    if (what !== undefined) return describeDefinition(s.graph, what);
  }
  return undefined;
}

const nodeLabel = (node: Node): string => `node ${quoteName(node.name)}`;

/**
 * Checks one graph and, through the nodes' graph attributes, its subgraphs. `where` names the
 * subgraph in messages ('' for the main graph), `depth` counts the enclosing graphs.
 * @returns the names the graph uses but does not define (resolved by the enclosing graphs).
 */
function checkGraph(graph: Graph, outer: Scope | null, where: string, depth: number): Set<string> {
  const fail = (message: string): never => {
    const context = where === '' ? '' : ` (in ${where}${depth > 1 ? `, ${depth} subgraph levels deep` : ''})`;
    throw new StructureProblem(`invalid graph: ${message}${context}`);
  };
  const nodes = graph.nodes;
  const defined = new Map<string, number>();
  for (const input of graph.inputs) {
    if (defined.has(input.name)) fail(`graph input ${quoteName(input.name)} is declared twice`);
    defined.set(input.name, GRAPH_INPUT);
  }
  for (const name of graph.initializers.keys()) defined.set(name, INITIALIZER);
  for (const name of graph.sparseInitializers.keys()) defined.set(name, SPARSE_INITIALIZER);
  for (const [i, node] of nodes.entries()) {
    for (const out of node.outputs) {
      if (out === '') continue;
      const before = defined.get(out);
      if (before === i) fail(`${nodeLabel(node)} names its output ${quoteName(out)} twice`);
      if (before !== undefined)
        fail(
          `tensor ${quoteName(out)} is defined twice: by ${nodeLabel(node)} and by ${describeDefinition(graph, before)}`,
        );
      const enclosing = outer === null ? undefined : definedOutside(outer, out);
      if (enclosing !== undefined)
        fail(`${nodeLabel(node)} redefines ${quoteName(out)}, already defined by ${enclosing} in an enclosing graph`);
      defined.set(out, i);
    }
  }

  const scope: Scope = { graph, defined, parent: outer };
  const free = new Set<string>();
  // Data-flow edges between this graph's nodes (from -> to), a subgraph's use of an outer name
  // counting as a use by the node that owns the subgraph.
  const edgeFrom: number[] = [];
  const edgeTo: number[] = [];
  const use = (name: string, i: number): void => {
    if (name === '') return;
    const from = defined.get(name);
    if (from === undefined) {
      free.add(name);
    } else if (from >= 0) {
      if (from === i) fail(`${nodeLabel(at(nodes, i))} consumes its own output ${quoteName(name)}`);
      edgeFrom.push(from);
      edgeTo.push(i);
    }
  };
  for (const [i, node] of nodes.entries()) {
    for (const name of node.inputs) use(name, i);
    for (const [attrName, attr] of node.attributes) {
      const subgraphs = attr.type === 'graph' ? [attr.value] : attr.type === 'graphs' ? attr.value : [];
      for (const sub of subgraphs) {
        for (const name of checkGraph(sub, scope, `subgraph ${quoteName(attrName)} of ${nodeLabel(node)}`, depth + 1))
          use(name, i);
      }
    }
  }
  checkAcyclic(nodes, edgeFrom, edgeTo, fail);

  for (const output of graph.outputs) {
    if (defined.has(output.name)) continue;
    if (outer !== null && definedOutside(outer, output.name) !== undefined) {
      fail(
        `subgraph output ${quoteName(output.name)} is a value of an enclosing graph returned directly (onnxruntime needs an Identity node for it)`,
      );
    }
    fail(`graph output ${quoteName(output.name)} is not produced by any node, input or initializer`);
  }
  return free;
}

/**
 * Kahn's topological sort over flat edge lists (iterative, compact: graphs have 10^5 nodes). Nodes
 * left over lie on or behind a cycle; walking predecessors among them must revisit a node, and the
 * walk from there is the cycle.
 */
function checkAcyclic(
  nodes: readonly Node[],
  edgeFrom: readonly number[],
  edgeTo: readonly number[],
  fail: (message: string) => never,
): void {
  const n = nodes.length;
  const m = edgeFrom.length;
  const indegree = new Int32Array(n);
  // successors of node i: succ[succStart[i] .. succStart[i + 1])
  const succStart = new Int32Array(n + 1);
  for (let e = 0; e < m; e++) {
    const from = at(edgeFrom, e);
    const to = at(edgeTo, e);
    indegree[to] = at(indegree, to) + 1;
    succStart[from + 1] = at(succStart, from + 1) + 1;
  }
  for (let i = 0; i < n; i++) succStart[i + 1] = at(succStart, i + 1) + at(succStart, i);
  const succ = new Int32Array(m);
  const fill = succStart.slice(0, n);
  for (let e = 0; e < m; e++) {
    const from = at(edgeFrom, e);
    const slot = at(fill, from);
    succ[slot] = at(edgeTo, e);
    fill[from] = slot + 1;
  }

  const ready: number[] = [];
  for (let i = 0; i < n; i++) if (indegree[i] === 0) ready.push(i);
  let sorted = 0;
  for (let i = ready.pop(); i !== undefined; i = ready.pop()) {
    sorted++;
    const last = at(succStart, i + 1);
    for (let k = at(succStart, i); k < last; k++) {
      const to = at(succ, k);
      const left = at(indegree, to) - 1;
      indegree[to] = left;
      if (left === 0) ready.push(to);
    }
  }
  if (sorted === n) return;

  // A leftover node's predecessor among the leftovers (one exists, or its indegree would be 0).
  const leftoverPred = new Int32Array(n).fill(-1);
  for (let e = 0; e < m; e++) {
    const from = at(edgeFrom, e);
    const to = at(edgeTo, e);
    if (at(indegree, from) > 0 && at(indegree, to) > 0) leftoverPred[to] = from;
  }
  let current = indegree.findIndex((d) => d > 0);
  const seenAt = new Map<number, number>();
  const walk: number[] = [];
  while (!seenAt.has(current)) {
    seenAt.set(current, walk.length);
    walk.push(current);
    current = at(leftoverPred, current);
  }
  // The walk follows predecessors (each node's successor in the data flow comes before it), so the
  // cycle in data-flow order, from the node the walk came back to, is the rest of the loop reversed.
  const loop = walk.slice(mapGet(seenAt, current));
  const first = at(loop, 0);
  const cycle = [first, ...loop.slice(1).reverse()];
  const name = (i: number): string => quoteName(at(nodes, i).name);
  const shown = cycle.length > 6 ? [...cycle.slice(0, 5).map(name), `... (${cycle.length} nodes)`] : cycle.map(name);
  fail(`the nodes form a cycle: ${[...shown, name(first)].join(' -> ')}`);
}
