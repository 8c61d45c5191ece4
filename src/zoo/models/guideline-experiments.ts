import { at } from '../../util/at.js';
import type { GraphBuilder, TensorHandle } from '../builder.js';
import { defineZooModel } from '../define-model.js';
import type { ZooEntry } from '../types.js';

/**
 * The controlled experiments behind the four guidelines of ShuffleNet V2 (SNV2 §2, Tables 1-4):
 * bare stacks of convolutions on a 56x56 input, each block repeated 10 times. No
 * BatchNormalization and no conv bias (the paper times the conv stacks themselves; a bias is
 * itself an element-wise "AddBias" op under G4). Batch sizes are not stated for Tables 1-4; the
 * GPU figures imply batch 1 (see docs/zoo.md).
 */
const SOURCE =
  'Ma et al., "ShuffleNet V2: Practical Guidelines for Efficient CNN Architecture Design", ECCV 2018 (arXiv:1807.11164), §2 and Tables 1-4; wiring of unstated details documented in docs/zoo.md';

const RESOLUTION = 56;
const REPEATS = 10;
const GPU_SETUP = 'GTX 1080Ti, cuDNN 7.0 (benchmark mode), batch not stated, 56x56';
const ARM_SETUP = 'Snapdragon 810, single thread, Neon, batch not stated, 56x56';
const MULTIPLIERS = [1, 2, 4] as const;

function pointwise(b: GraphBuilder, x: TensorHandle, name: string, outChannels: number, group = 1): TensorHandle {
  return b.conv(x, { name, outChannels, kernel: 1, group });
}

function experiment(
  name: string,
  family: string,
  description: string,
  inputChannels: number,
  paperMeasurements: Record<string, number | string>,
  body: (b: GraphBuilder, input: TensorHandle) => TensorHandle,
): ZooEntry {
  return defineZooModel({
    name,
    family,
    description,
    source: SOURCE,
    inputChannels,
    resolution: RESOLUTION,
    paperMeasurements,
    outputName: 'output',
    body,
  });
}

// G1: equal channel width minimises MAC. Block = 1x1 c1->c2, then 1x1 c2->c1.

interface G1Row {
  readonly ratio: string;
  readonly gpu: readonly [number, number];
  readonly gpuSpeed: readonly [number, number, number];
  readonly arm: readonly [number, number];
  readonly armSpeed: readonly [number, number, number];
}

const G1_ROWS: readonly G1Row[] = [
  { ratio: '1:1', gpu: [128, 128], gpuSpeed: [1480, 723, 232], arm: [32, 32], armSpeed: [76.2, 21.7, 5.3] },
  { ratio: '1:2', gpu: [90, 180], gpuSpeed: [1296, 586, 206], arm: [22, 44], armSpeed: [72.9, 20.5, 5.1] },
  { ratio: '1:6', gpu: [52, 312], gpuSpeed: [876, 489, 189], arm: [13, 78], armSpeed: [69.1, 17.9, 4.6] },
  { ratio: '1:12', gpu: [36, 432], gpuSpeed: [748, 392, 163], arm: [9, 108], armSpeed: [57.6, 15.1, 4.4] },
];

function g1Models(): ZooEntry[] {
  const out: ZooEntry[] = [];
  for (const row of G1_ROWS) {
    for (const device of ['gpu', 'arm'] as const) {
      MULTIPLIERS.forEach((m, mi) => {
        const [paperC1, paperC2] = device === 'gpu' ? row.gpu : row.arm;
        const [c1, c2] = [paperC1 * m, paperC2 * m];
        const speed = at(device === 'gpu' ? row.gpuSpeed : row.armSpeed, mi);
        const measurements: Record<string, number | string> =
          device === 'gpu'
            ? { 'snv2.table1.gpu.batches_per_s': speed, 'snv2.table1.gpu.setup': GPU_SETUP }
            : { 'snv2.table1.arm.images_per_s': speed, 'snv2.table1.arm.setup': ARM_SETUP };
        measurements['snv2.table1.row'] = `c1:c2 = ${row.ratio}`;
        measurements['snv2.table1.column'] = `${device.toUpperCase()} x${m}`;
        out.push(
          experiment(
            `exp_g1_${row.ratio.replace(':', 'to')}_${device}_x${m}`,
            'experiment_g1',
            `G1 (SNV2 Table 1, ${device.toUpperCase()} channels x${m}): 10 blocks of 1x1 conv ${c1}->${c2} then ${c2}->${c1}, 56x56.`,
            c1,
            measurements,
            (b, input) => {
              let x = input;
              for (let i = 1; i <= REPEATS; i++) {
                x = pointwise(b, x, `block${i}.conv1`, c2);
                x = pointwise(b, x, `block${i}.conv2`, c1);
              }
              return x;
            },
          ),
        );
      });
    }
  }
  return out;
}

// G2: group convolution increases MAC. 10 pointwise group convs c->c with g groups.

interface G2Row {
  readonly groups: number;
  readonly gpuC: number;
  readonly gpuSpeed: readonly [number, number, number];
  readonly cpuC: number;
  readonly cpuSpeed: readonly [number, number, number];
}

const G2_ROWS: readonly G2Row[] = [
  { groups: 1, gpuC: 128, gpuSpeed: [2451, 1289, 437], cpuC: 64, cpuSpeed: [40.0, 10.2, 2.3] },
  { groups: 2, gpuC: 180, gpuSpeed: [1725, 873, 341], cpuC: 90, cpuSpeed: [35.0, 9.5, 2.2] },
  { groups: 4, gpuC: 256, gpuSpeed: [1026, 644, 338], cpuC: 128, cpuSpeed: [32.9, 8.7, 2.1] },
  { groups: 8, gpuC: 360, gpuSpeed: [634, 445, 230], cpuC: 180, cpuSpeed: [27.8, 7.5, 1.8] },
];

/**
 * Channels actually built. The paper's CPU column gives c = 180 for g = 8, which 8 groups cannot
 * divide; then the multiple of g whose FLOPs (hw·c²/g) come closest to the g = 1 row's (hw·c1²)
 * is used: 184 (+3.3%; 176 would be -5.5%). Every other cell divides as printed.
 */
export function g2BuiltChannels(paperChannels: number, groups: number, denseChannels: number): number {
  if (paperChannels % groups === 0) return paperChannels;
  const flops = (c: number) => (c * c) / groups;
  const target = denseChannels * denseChannels;
  const lo = Math.floor(paperChannels / groups) * groups;
  const hi = lo + groups;
  return Math.abs(flops(hi) - target) < Math.abs(flops(lo) - target) ? hi : lo;
}

function g2Models(): ZooEntry[] {
  const out: ZooEntry[] = [];
  for (const row of G2_ROWS) {
    for (const device of ['gpu', 'cpu'] as const) {
      MULTIPLIERS.forEach((m, mi) => {
        const paperC = (device === 'gpu' ? row.gpuC : row.cpuC) * m;
        const dense = at(G2_ROWS, 0);
        const denseC = (device === 'gpu' ? dense.gpuC : dense.cpuC) * m;
        const c = g2BuiltChannels(paperC, row.groups, denseC);
        const speed = at(device === 'gpu' ? row.gpuSpeed : row.cpuSpeed, mi);
        const measurements: Record<string, number | string> =
          device === 'gpu'
            ? { 'snv2.table2.gpu.batches_per_s': speed, 'snv2.table2.gpu.setup': GPU_SETUP }
            : { 'snv2.table2.arm.images_per_s': speed, 'snv2.table2.arm.setup': ARM_SETUP };
        measurements['snv2.table2.row'] = `g = ${row.groups}`;
        measurements['snv2.table2.column'] = `${device.toUpperCase()} x${m}`;
        measurements['snv2.table2.channels'] =
          paperC === c ? String(c) : `${paperC} in the paper; built with ${c} (divisible by g)`;
        const suffix = (device === 'cpu' ? '_cpu' : '') + (m === 1 ? '' : `_x${m}`);
        out.push(
          experiment(
            `exp_g2_g${row.groups}${suffix}`,
            'experiment_g2',
            `G2 (SNV2 Table 2, ${device.toUpperCase()} channels x${m}): 10 pointwise group convs ${c}->${c}, g=${row.groups}, 56x56.`,
            c,
            measurements,
            (b, input) => {
              let x = input;
              for (let i = 1; i <= REPEATS; i++) x = pointwise(b, x, `layer${i}.conv`, c, row.groups);
              return x;
            },
          ),
        );
      });
    }
  }
  return out;
}

// G3: fragmentation reduces parallelism. Blocks of 1 to 4 1x1 convs, in series or in parallel.

type Structure = '1frag' | '2frag_series' | '4frag_series' | '2frag_parallel' | '4frag_parallel';

const G3_ROWS: readonly { structure: Structure; label: string; gpu: readonly number[]; cpu: readonly number[] }[] = [
  { structure: '1frag', label: '1-fragment', gpu: [2446, 1274, 434], cpu: [40.2, 10.1, 2.3] },
  { structure: '2frag_series', label: '2-fragment-series', gpu: [1790, 909, 336], cpu: [38.6, 10.1, 2.2] },
  { structure: '4frag_series', label: '4-fragment-series', gpu: [752, 745, 349], cpu: [38.4, 10.1, 2.3] },
  { structure: '2frag_parallel', label: '2-fragment-parallel', gpu: [1537, 803, 320], cpu: [33.4, 9.1, 2.2] },
  { structure: '4frag_parallel', label: '4-fragment-parallel', gpu: [691, 572, 292], cpu: [35.0, 8.4, 2.1] },
];
const G3_GPU_C = [128, 256, 512];
const G3_CPU_C = [64, 128, 256];

/**
 * Channel count of a k-fragment series block so that its FLOPs (k·hw·c_k²) match the
 * 1-fragment block (hw·c²): c_k = round(c / sqrt(k)). 128 -> 91 (2 frag, +1.1%), 64 (4 frag).
 */
export function seriesChannels(c: number, fragments: number): number {
  return Math.round(c / Math.sqrt(fragments));
}

function g3Block(b: GraphBuilder, x: TensorHandle, prefix: string, structure: Structure): TensorHandle {
  switch (structure) {
    case '1frag':
      return pointwise(b, x, `${prefix}.conv`, x.channels);
    case '2frag_series':
    case '4frag_series': {
      const k = structure === '2frag_series' ? 2 : 4;
      let y = x;
      for (let j = 1; j <= k; j++) y = pointwise(b, y, `${prefix}.conv${j}`, x.channels);
      return y;
    }
    case '2frag_parallel':
    case '4frag_parallel': {
      // Every branch reads the block input and makes c/k channels; Concat restores c channels.
      const k = structure === '2frag_parallel' ? 2 : 4;
      const branches: TensorHandle[] = [];
      for (let j = 1; j <= k; j++) branches.push(pointwise(b, x, `${prefix}.branch${j}.conv`, x.channels / k));
      return b.concat(branches, `${prefix}.concat`);
    }
  }
}

function g3Models(): ZooEntry[] {
  const out: ZooEntry[] = [];
  for (const row of G3_ROWS) {
    // The paper's GPU c=128 column first (it also equals the CPU c=128 column), then the others.
    for (const c of [128, 64, 256, 512]) {
      const width = row.structure.endsWith('series') ? seriesChannels(c, row.structure === '2frag_series' ? 2 : 4) : c;
      const measurements: Record<string, number | string> = { 'snv2.table3.row': row.label };
      const gi = G3_GPU_C.indexOf(c);
      if (gi >= 0) {
        measurements['snv2.table3.gpu.column'] = `c=${c}`;
        measurements['snv2.table3.gpu.batches_per_s'] = at(row.gpu, gi);
        measurements['snv2.table3.gpu.setup'] = GPU_SETUP;
      }
      const ci = G3_CPU_C.indexOf(c);
      if (ci >= 0) {
        measurements['snv2.table3.arm.column'] = `c=${c}`;
        measurements['snv2.table3.arm.images_per_s'] = at(row.cpu, ci);
        measurements['snv2.table3.arm.setup'] = ARM_SETUP;
      }
      out.push(
        experiment(
          `exp_g3_${row.structure}${c === 128 ? '' : `_c${c}`}`,
          'experiment_g3',
          `G3 (SNV2 Table 3, c=${c}): 10 blocks, ${row.label} of 1x1 convs (block width ${width}), 56x56.`,
          width,
          measurements,
          (b, input) => {
            let x = input;
            for (let i = 1; i <= REPEATS; i++) x = g3Block(b, x, `block${i}`, row.structure);
            return x;
          },
        ),
      );
    }
  }
  return out;
}

// G4: element-wise ops are not negligible. ResNet bottleneck with ReLU / shortcut toggled.

const G4_ROWS: readonly { relu: boolean; shortcut: boolean; gpu: readonly number[]; cpu: readonly number[] }[] = [
  { relu: true, shortcut: true, gpu: [2427, 2066, 1436], cpu: [56.7, 16.9, 5.0] },
  { relu: true, shortcut: false, gpu: [2647, 2256, 1735], cpu: [61.9, 18.8, 5.2] },
  { relu: false, shortcut: true, gpu: [2672, 2121, 1458], cpu: [57.3, 18.2, 5.1] },
  { relu: false, shortcut: false, gpu: [2842, 2376, 1782], cpu: [66.3, 20.2, 5.4] },
];
const G4_C = [32, 64, 128];

/**
 * ResNet bottleneck unit with in/out width c and bottleneck c/4: 1x1 c->c/4, 3x3 c/4->c/4,
 * 1x1 c/4->c, ReLU after each (the last after the shortcut Add).
 */
function g4Unit(b: GraphBuilder, x: TensorHandle, prefix: string, relu: boolean, shortcut: boolean): TensorHandle {
  const c = x.channels;
  const act = (t: TensorHandle, i: number) => (relu ? b.relu(t, `${prefix}.relu${i}`) : t);
  let y = act(b.conv(x, { name: `${prefix}.conv1`, outChannels: c / 4, kernel: 1 }), 1);
  y = act(b.conv(y, { name: `${prefix}.conv2`, outChannels: c / 4, kernel: 3 }), 2);
  y = b.conv(y, { name: `${prefix}.conv3`, outChannels: c, kernel: 1 });
  if (shortcut) y = b.add(y, x, `${prefix}.add`);
  return act(y, 3);
}

function g4Models(): ZooEntry[] {
  const out: ZooEntry[] = [];
  for (const row of G4_ROWS) {
    for (const c of [64, 32, 128]) {
      const ci = G4_C.indexOf(c);
      const label = `ReLU ${row.relu ? 'yes' : 'no'}, short-cut ${row.shortcut ? 'yes' : 'no'}`;
      out.push(
        experiment(
          `exp_g4_relu_${row.relu ? 'on' : 'off'}_shortcut_${row.shortcut ? 'on' : 'off'}${c === 64 ? '' : `_c${c}`}`,
          'experiment_g4',
          `G4 (SNV2 Table 4, c=${c}): 10 ResNet bottleneck units ${c}->${c / 4}->${c / 4}->${c} (1x1, 3x3, 1x1), ${label}, 56x56.`,
          c,
          {
            'snv2.table4.row': label,
            'snv2.table4.gpu.column': `c=${c}`,
            'snv2.table4.gpu.batches_per_s': at(row.gpu, ci),
            'snv2.table4.gpu.setup': GPU_SETUP.replace(', 56x56', ', input size not stated (56x56 assumed)'),
            'snv2.table4.arm.column': `c=${c}`,
            'snv2.table4.arm.images_per_s': at(row.cpu, ci),
            'snv2.table4.arm.setup': ARM_SETUP.replace(', 56x56', ', input size not stated (56x56 assumed)'),
          },
          (b, input) => {
            let x = input;
            for (let i = 1; i <= REPEATS; i++) x = g4Unit(b, x, `unit${i}`, row.relu, row.shortcut);
            return x;
          },
        ),
      );
    }
  }
  return out;
}

export const guidelineExperiments: readonly ZooEntry[] = [...g1Models(), ...g2Models(), ...g3Models(), ...g4Models()];
