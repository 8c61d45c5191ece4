import type { AttributeValue, Graph, Node, TensorRef } from '../model/ir.js';
import type { Attrs } from './types.js';

/** Typed attribute access over a node; wrong-typed attributes fall back to the default. */
export function createAttrs(node: Pick<Node, 'attributes'>): Attrs {
  const get = (name: string): AttributeValue | undefined => node.attributes.get(name);
  return {
    has: (name) => node.attributes.has(name),
    raw: get,
    int(name, fallback) {
      const a = get(name);
      return a?.type === 'int' ? a.value : fallback;
    },
    intOr(name) {
      const a = get(name);
      return a?.type === 'int' ? a.value : undefined;
    },
    float(name, fallback) {
      const a = get(name);
      if (a?.type === 'float') return a.value;
      if (a?.type === 'int') return a.value;
      return fallback;
    },
    string(name, fallback) {
      const a = get(name);
      return a?.type === 'string' ? a.value : fallback;
    },
    ints(name) {
      const a = get(name);
      if (a?.type === 'ints') return a.value;
      if (a?.type === 'int') return [a.value];
      return undefined;
    },
    floats(name) {
      const a = get(name);
      if (a?.type === 'floats') return a.value;
      if (a?.type === 'float') return [a.value];
      return undefined;
    },
    tensor(name): TensorRef | undefined {
      const a = get(name);
      return a?.type === 'tensor' ? a.value : undefined;
    },
    graph(name): Graph | undefined {
      const a = get(name);
      return a?.type === 'graph' ? a.value : undefined;
    },
  };
}
