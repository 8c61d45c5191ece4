import type { LayerReport } from '../analyzers/analyze.js';
import { roofline } from '../analyzers/roofline.js';
import type { Block } from '../analyzers/structure.js';
import { graphStructures, isKernel } from '../analyzers/structure.js';
import { at } from '../util/at.js';
import { defineRule } from './define-rule.js';

/** Options of G3 (defaults in the rule meta). */
export type G3Options = {
  readonly minBranches: number;
  readonly minFragments: number;
  readonly minChainOps: number;
  readonly tinyOpFlops: number;
};

type BlockData = {
  readonly entry: string;
  readonly exit: string;
  readonly branches: number;
  readonly ops: number;
  readonly fragments: number;
  readonly flopsPerOp: number;
};

/** G3's message ids and the data each message's template needs. */
export type G3Messages = {
  readonly parallelBranches: BlockData;
  readonly fragmentedBlock: BlockData;
  readonly tinyOpChain: {
    readonly ops: number;
    readonly first: string;
    readonly last: string;
    readonly flopsPerOp: number;
    readonly tiny: string;
  };
};

/**
 * ShuffleNet V2 G3: "network fragmentation reduces degree of parallelism". Blocks are the parts of
 * the graph between single-tensor cut points (src/analyzers/structure.ts); a block with many parallel
 * branches or many conv/pool operators, or a long run of tiny kernels, pays kernel launches and
 * synchronisation that its FLOPs do not show.
 */
export const g3 = defineRule<G3Options, G3Messages>({
  meta: {
    id: 'G3',
    name: 'fragmented-block',
    category: 'guideline',
    description:
      'Blocks with many parallel branches or many small operators, and long chains of tiny ops, reduce parallelism and add kernel launches (ShuffleNet V2 G3).',
    defaultSeverity: 'warn',
    options: {
      minBranches: {
        type: 'integer',
        default: 4,
        minimum: 2,
        description:
          "Flag a block with at least this many parallel entry-to-exit paths (the paper's 4-fragment-parallel block has 4; a ShuffleNet V2 unit has 2).",
      },
      minFragments: {
        type: 'integer',
        default: 8,
        minimum: 2,
        description:
          "Flag a block with parallel branches and at least this many conv/Gemm/pooling operators (NASNet-A has 13, ResNet 2-3, an EfficientNet MBConv with SE 6). A sequential block is never fragmented: the paper's series fragments ran as fast as one conv on ARM.",
      },
      minChainOps: {
        type: 'integer',
        default: 6,
        minimum: 2,
        description: 'Flag a chain of at least this many consecutive tiny kernels.',
      },
      tinyOpFlops: {
        type: 'number',
        default: 100000,
        minimum: 0,
        description:
          'A kernel below this many FLOPs is tiny. With --device-profile, a kernel is tiny when its roofline time is below the per-op launch overhead instead.',
      },
    },
    messages: {
      parallelBranches:
        '{{branches}} parallel branches, {{ops}} kernels ({{fragments}} conv/pool) up to {{exit}}, {{flopsPerOp}} FLOPs/kernel',
      fragmentedBlock:
        '{{fragments}} conv/pool ops in {{branches}} branches up to {{exit}}, {{flopsPerOp}} FLOPs/kernel',
      tinyOpChain: 'chain of {{ops}} tiny kernels to {{last}} ({{flopsPerOp}} FLOPs/kernel; tiny = {{tiny}})',
    },
    fix: 'merge the branches into fewer, wider ops (one conv with more channels instead of parallel thin convs; grouped or concatenated weights)',
    fixes: {
      tinyOpChain:
        'fuse the chain into one op (a fused activation/normalisation op, or let the runtime fuse it by exporting the standard op instead of its decomposition)',
    },
    confirmation: { parallelBranches: 'merged-block', fragmentedBlock: 'merged-block' },
  },
  check(context) {
    const { minBranches, minFragments, minChainOps, tinyOpFlops } = context.options;
    const layers = context.analysis.layers;
    const profile = context.deviceProfile;

    const blockData = (b: Block, scope: string): BlockData => {
      const ops = b.kernels;
      return {
        entry: b.entry ?? (scope ? '(body inputs)' : '(model inputs)'),
        exit: b.exit ?? (scope ? '(body outputs)' : '(model outputs)'),
        branches: b.branches,
        ops,
        fragments: b.fragments,
        flopsPerOp: ops ? Math.round(b.flops / ops) : 0,
      };
    };
    const isTiny = (l: LayerReport): boolean => {
      if (profile && l.flops !== null && l.memBytes !== null)
        return roofline(l.flops, l.memBytes, profile).bound === 'overhead';
      return (l.flops ?? 0) < tinyOpFlops;
    };
    const tiny = profile
      ? `roofline time below the ${profile.perOpOverheadUs} us launch overhead of ${profile.name}`
      : `below ${tinyOpFlops.toLocaleString('en-US')} FLOPs`;
    const flush = (run: LayerReport[]): void => {
      if (run.length < minChainOps) return;
      // minChainOps >= 2 (its schema minimum), so the run has a first and a last layer.
      const first = at(run, 0);
      const last = at(run, run.length - 1);
      const flops = run.reduce((s, l) => s + (l.flops ?? 0), 0);
      context.report({
        node: first,
        messageId: 'tinyOpChain',
        data: { ops: run.length, first: first.name, last: last.name, flopsPerOp: Math.round(flops / run.length), tiny },
        metrics: { ops: run.length, flops },
        excessUs: context.time.overheadUs(run.length - 1),
      });
    };
    // Each body is a graph of its own: its blocks and chains never cross into the graph around it.
    for (const { scope, dataflow, blocks, chains } of graphStructures(context.structure)) {
      for (const b of blocks) {
        const members = b.layers.map((i) => at(layers, i));
        const first = members.find(isKernel) ?? members[0] ?? null;
        const metrics = { branches: b.branches, ops: b.kernels, fragments: b.fragments, flops: b.flops };
        // The excess: the launches beyond one merged branch (a single wide op per stage of the block).
        const excessUs = context.time.overheadUs(b.kernels - Math.ceil(b.kernels / Math.max(1, b.branches)));
        if (b.branches >= minBranches) {
          context.report({ node: first, messageId: 'parallelBranches', data: blockData(b, scope), metrics, excessUs });
        } else if (b.branches >= 2 && b.fragments >= minFragments) {
          context.report({ node: first, messageId: 'fragmentedBlock', data: blockData(b, scope), metrics, excessUs });
        }
      }

      for (const chain of chains) {
        let run: LayerReport[] = [];
        for (const i of chain.layers) {
          const l = at(dataflow.layers, i);
          if (!isKernel(l) || context.plan.fusions.has(i)) continue; // fused layers launch nothing
          if (isTiny(l)) {
            run.push(l);
          } else {
            flush(run);
            run = [];
          }
        }
        flush(run);
      }
    }
  },
});
