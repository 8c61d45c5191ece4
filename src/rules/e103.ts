import type { LayerReport } from '../analyzers/analyze.js';
import { graphStructures } from '../analyzers/structure.js';
import { at } from '../util/at.js';
import { defineRule } from './define-rule.js';

/** Options of E103 (defaults in the rule meta). */
export type E103Options = Record<string, never>;

/** E103's message ids and the data each message's template needs. */
export type E103Messages = {
  readonly channelShuffle: {
    readonly first: string;
    readonly last: string;
    readonly groups: number;
    readonly channels: number;
    readonly memAccess: number;
  };
  readonly dataOnlyRoundTrip: {
    readonly first: string;
    readonly last: string;
    readonly shape: string;
    readonly memAccess: number;
  };
  readonly consecutiveTransposes: {
    readonly first: string;
    readonly last: string;
    readonly between: number;
    readonly cancels: string;
    readonly memAccess: number;
  };
};

const METADATA_OPS = new Set(['Reshape', 'Identity', 'Squeeze', 'Unsqueeze', 'Flatten']);

function staticShape(s: readonly (number | string)[] | null | undefined): number[] | null {
  return s?.every((d) => typeof d === 'number') ? (s as number[]) : null;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function permOf(t: LayerReport, rank: number): number[] {
  const p = t.attributes.perm;
  return Array.isArray(p) ? [...(p as number[])] : Array.from({ length: rank }, (_, i) => rank - 1 - i);
}

/** [N, C, *s] -> [N, g, C/g, *s], perm swapping axes 1 and 2, -> [N, C, *s]: ShuffleNet's channel shuffle. */
function shuffleGroups(input: number[], split: number[], perm: number[], output: number[]): number | null {
  if (input.length < 2 || split.length !== input.length + 1 || !sameShape(input, output)) return null;
  const groups = at(split, 1);
  if (
    at(split, 0) !== at(input, 0) ||
    groups * at(split, 2) !== at(input, 1) ||
    !sameShape(split.slice(3), input.slice(2))
  )
    return null;
  const expected = split.map((_, i) => (i === 1 ? 2 : i === 2 ? 1 : i));
  return sameShape(perm, expected) ? groups : null;
}

/**
 * Reshape/Transpose sequences that only move data: a Reshape -> Transpose -> Reshape that returns to
 * the input shape (named when it is the channel shuffle of ShuffleNet), and two Transposes with only
 * free views between them (which compose into one, or cancel).
 */
export const e103 = defineRule<E103Options, E103Messages>({
  meta: {
    id: 'E103',
    name: 'transpose-reshape-pair',
    category: 'extra',
    description:
      'Reshape/Transpose sequences that only move data: channel shuffles, shape round trips, and Transposes that compose or cancel.',
    defaultSeverity: 'info',
    options: {},
    messages: {
      channelShuffle:
        'channel shuffle ({{groups}} groups of {{channels}}): a {{memAccess}}-element copy that computes nothing',
      dataOnlyRoundTrip: 'Reshape->Transpose->Reshape back to {{shape}}: a {{memAccess}}-element permutation copy',
      consecutiveTransposes:
        'Transposes {{first}} and {{last}} compose into one{{cancels}}: {{memAccess}} elements copied',
    },
    fix: "merge the permutation into a neighbour: fold a fixed channel permutation into the adjacent conv's weights, or combine shuffle, concat and split into one op as ShuffleNet V2 does",
    fixes: {
      consecutiveTransposes:
        'replace the two Transposes by one with the composed perm (or remove both when they cancel)',
    },
  },
  check(context) {
    // Each body is a graph of its own: a pattern never spans a body and the graph around it.
    for (const { dataflow: flow } of graphStructures(context.structure)) {
      const layers = flow.layers;
      const onlyProducer = (n: number): number | undefined => {
        const ins = flow.dataInputsOf(n);
        return ins.length === 1 ? flow.producerOf(at(ins, 0)) : undefined;
      };
      const soleReader = (n: number): number | undefined => {
        const outs = flow.dataOutputsOf(n);
        if (outs.length !== 1) return undefined;
        const out = at(outs, 0);
        if (flow.isGraphOutput(out)) return undefined;
        const readers = flow.consumersOf(out);
        return readers.length === 1 ? readers[0] : undefined;
      };
      for (const t of flow.nodes) {
        const tl = at(layers, t);
        if (tl.opType !== 'Transpose') continue;
        const memAccess = tl.memAccess ?? 0;

        const before = onlyProducer(t);
        const after = soleReader(t);
        if (
          before !== undefined &&
          after !== undefined &&
          at(layers, before).opType === 'Reshape' &&
          at(layers, after).opType === 'Reshape' &&
          soleReader(before) === t
        ) {
          const r1 = at(layers, before);
          const r2 = at(layers, after);
          const input = staticShape(r1.inputShapes[0]);
          const split = staticShape(r1.outputShapes[0]);
          const output = staticShape(r2.outputShapes[0]);
          if (input && split && output && sameShape(input, output)) {
            const groups = shuffleGroups(input, split, permOf(tl, split.length), output);
            if (groups !== null) {
              context.report({
                node: tl,
                messageId: 'channelShuffle',
                data: { first: r1.name, last: r2.name, groups, channels: at(input, 1) / groups, memAccess },
                metrics: { groups, memAccess },
                excessUs: context.time.layerUs(t),
              });
            } else {
              context.report({
                node: tl,
                messageId: 'dataOnlyRoundTrip',
                data: { first: r1.name, last: r2.name, shape: input.join('x'), memAccess },
                metrics: { memAccess },
                excessUs: context.time.layerUs(t),
              });
            }
            continue;
          }
        }

        // Transpose -> (free views) -> Transpose
        let cur = t;
        let between = 0;
        let reshaped = false;
        for (;;) {
          const next = soleReader(cur);
          if (next === undefined) break;
          const nl = at(layers, next);
          if (nl.opType === 'Transpose') {
            const rank = staticShape(tl.outputShapes[0])?.length ?? permOf(tl, 0).length;
            const p1 = permOf(tl, rank);
            const p2 = permOf(nl, rank);
            const composed = p2.map((i) => p1[i]);
            const identity = !reshaped && composed.every((v, i) => v === i);
            context.report({
              node: tl,
              messageId: 'consecutiveTransposes',
              data: {
                first: tl.name,
                last: nl.name,
                between,
                cancels: identity ? ' (they cancel)' : '',
                memAccess: memAccess + (nl.memAccess ?? 0),
              },
              metrics: { memAccess: memAccess + (nl.memAccess ?? 0), between },
              // Composed: one copy saved; cancelling: both.
              excessUs: identity ? context.time.layerUs(t) + context.time.layerUs(next) : context.time.layerUs(t),
            });
            break;
          }
          if (!METADATA_OPS.has(nl.opType)) break;
          if (nl.opType !== 'Identity') reshaped = true;
          between += 1;
          cur = next;
        }
      }
    }
  },
});
