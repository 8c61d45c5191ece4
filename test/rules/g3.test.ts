import type { Analysis } from '../../src/analyzers/analyze.js';
import type { DeviceProfile } from '../../src/analyzers/roofline.js';
import { g3 } from '../../src/rules/g3.js';
import { at } from '../../src/util/at.js';
import type { T } from './model-builder.js';
import { ModelBuilder } from './model-builder.js';
import { ruleTester } from './rule-tester.js';

/** The paper's G3 block: `k` 1x1 convs side by side from one input, concatenated (Appendix Fig. 1). */
function parallelBlocks(fragments: number, blocks = 1, c = 128): () => Analysis {
  return () => {
    const b = new ModelBuilder();
    const input = b.input('input', [1, c, 56, 56]);
    let x: T = b.relu('stem', input);
    for (let k = 1; k <= blocks; k++) {
      const branches = Array.from({ length: fragments }, (_, i) =>
        b.conv(`block${k}.branch${i + 1}`, x, { cOut: c / fragments }),
      );
      x = fragments > 1 ? b.concat(`block${k}.concat`, branches) : at(branches, 0);
    }
    return b.build([x]);
  };
}

/** ShuffleNet V2 stride-1 unit: channel split, one branch of three convs, concat, channel shuffle. */
function shuffleNetV2Unit(): Analysis {
  const b = new ModelBuilder();
  const x = b.relu('stem', b.input('input', [1, 116, 28, 28]));
  const halves = b.split('unit.split', x, 2);
  const x1 = at(halves, 0);
  const x2 = at(halves, 1);
  let y = b.relu('unit.relu1', b.bn('unit.bn1', b.conv('unit.conv1', x2, { cOut: 58 })));
  y = b.bn('unit.bn2', b.conv('unit.dw', y, { cOut: 58, k: 3, group: 58 }));
  y = b.relu('unit.relu3', b.bn('unit.bn3', b.conv('unit.conv3', y, { cOut: 58 })));
  const cat = b.concat('unit.concat', [x1, y]);
  return b.build([b.channelShuffle('unit.shuffle', cat, 2)]);
}

/** EfficientNet-style residual unit: x*sigmoid(x) diamonds and an SE gate must not count as branches. */
function swishResidual(): Analysis {
  const b = new ModelBuilder();
  const x = b.relu('stem', b.input('input', [1, 32, 28, 28]));
  const swish = (name: string, t: T): T => b.binary(`${name}.mul`, 'Mul', t, b.unary(`${name}.sigmoid`, 'Sigmoid', t));
  let y = swish('expand.silu', b.conv('expand', x, { cOut: 64 }));
  y = swish('dw.silu', b.conv('dw', y, { cOut: 64, k: 3, group: 64 }));
  const gate = b.unary(
    'se.sigmoid',
    'Sigmoid',
    b.conv('se.fc2', swish('se.silu', b.conv('se.fc1', b.globalAvgPool('se.pool', y), { cOut: 8 })), { cOut: 64 }),
  );
  y = b.conv('project', b.binary('se.scale', 'Mul', y, gate), { cOut: 32 });
  return b.build([b.binary('add', 'Add', x, y)]);
}

/** A chain of `n` element-wise ops on a tensor of `elements` elements. */
function chain(n: number, shape: readonly number[] = [1, 8, 4, 4]): () => Analysis {
  return () => {
    const b = new ModelBuilder();
    let x: T = b.conv('head', b.relu('stem', b.input('input', shape)), { cOut: 256, k: 3 });
    for (let i = 1; i <= n; i++) x = b.unary(`op${i}`, i % 2 ? 'Sigmoid' : 'Relu', x);
    return b.build([b.conv('tail', x, { cOut: 8, k: 3 })]);
  };
}

/** A residual unit whose main path has `n` convs. */
function deepResidual(n: number): Analysis {
  const b = new ModelBuilder();
  const x = b.relu('stem', b.input('input', [1, 64, 28, 28]));
  let y: T = x;
  for (let i = 1; i <= n; i++) y = b.conv(`conv${i}`, y, { cOut: 64, k: 3 });
  return b.build([b.binary('add', 'Add', x, y)]);
}

const slowLaunch: DeviceProfile = {
  schemaVersion: 1,
  name: 'test-gpu',
  peakFlopsPerSecond: 1e13,
  bandwidthBytesPerSecond: 1e12,
  perOpOverheadUs: 10,
};

ruleTester(g3, {
  valid: [
    // Table 3: 4-fragment-series ran as fast as 1-fragment on ARM (38.4 vs 40.2 images/s): a
    // sequential block is never "fragmented", however many convs it has.
    { name: 'residual main path with 8 convs in series is not fragmented', analysis: () => deepResidual(8) },
    { name: "1-fragment block (the paper's baseline)", analysis: parallelBlocks(1, 3) },
    { name: '2-fragment-parallel block', analysis: parallelBlocks(2, 3) },
    { name: 'ShuffleNet V2 unit: channel split, one conv branch, concat, shuffle', analysis: shuffleNetV2Unit },
    { name: 'residual unit with swish diamonds and an SE gate', analysis: swishResidual },
    { name: 'five tiny ops in a row (below minChainOps 6)', analysis: chain(5) },
    { name: 'six element-wise ops on a big tensor are not tiny', analysis: chain(6, [1, 64, 56, 56]) },
    { name: 'residual main path with 7 convs (below minFragments 8)', analysis: () => deepResidual(7) },
    { name: 'minBranches 5 allows 4 parallel branches', analysis: parallelBlocks(4), options: { minBranches: 5 } },
  ],
  invalid: [
    {
      name: "4-fragment-parallel block (the paper's slowest structure)",
      analysis: parallelBlocks(4),
      errors: [
        {
          messageId: 'parallelBranches',
          node: 'block1.branch1',
          data: {
            entry: 'stem.out',
            exit: 'block1.concat.out',
            branches: 4,
            ops: 5,
            fragments: 4,
            flopsPerOp: 10_276_045,
          },
        },
      ],
    },
    {
      name: 'one finding per stacked block',
      analysis: parallelBlocks(4, 2),
      errors: [
        { messageId: 'parallelBranches', node: 'block1.branch1', data: { branches: 4 } },
        { messageId: 'parallelBranches', node: 'block2.branch1', data: { entry: 'block1.concat.out', branches: 4 } },
      ],
    },
    {
      name: 'minBranches 2 flags the 2-fragment-parallel block',
      analysis: parallelBlocks(2),
      options: { minBranches: 2 },
      errors: [{ messageId: 'parallelBranches', node: 'block1.branch1', data: { branches: 2 } }],
    },
    {
      // 16x16x16 = 4,096 elements; the analyzer counts Sigmoid 3 FLOPs per element (exp, add, div) and
      // Relu 1: (3*3 + 3*1) * 4,096 / 6 kernels = 8,192 FLOPs per kernel.
      name: 'six tiny ops in a row',
      analysis: chain(6),
      errors: [
        {
          messageId: 'tinyOpChain',
          node: 'op1',
          data: { ops: 6, first: 'op1', last: 'op6', flopsPerOp: 8192, tiny: 'below 100,000 FLOPs' },
        },
      ],
    },
    {
      name: 'with a device profile, tiny means launch-overhead bound',
      analysis: chain(6, [1, 64, 56, 56]),
      deviceProfile: slowLaunch,
      errors: [
        {
          messageId: 'tinyOpChain',
          node: 'op1',
          data: { ops: 7, last: 'tail', tiny: 'roofline time below the 10 us launch overhead of test-gpu' },
        },
      ],
    },
  ],
});
