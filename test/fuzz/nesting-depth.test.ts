import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeModel } from '../../src/analyzers/analyze.js';
import { InvalidModelError } from '../../src/errors.js';
import type { AttributeValue, Graph } from '../../src/model/ir.js';
import { loadModelBytes } from '../../src/model/load.js';
import { MAX_MESSAGE_DEPTH } from '../../src/model/proto-reader.js';
import { runCli } from '../helpers/cli.js';
import { nestedIfs } from './arbitraries.js';
import { concatBytes, encodeVarint, serializeMessage, wire } from './wire-tree.js';

/*
 * Subgraph nesting: each level of If -> then_branch is three protobuf messages (NodeProto,
 * AttributeProto, GraphProto), so the decoder's message-depth cap decides how many levels load.
 * Real control-flow exports reach 64 levels; a crafted file 100,000 levels deep must fail on one
 * line, not overflow the stack.
 */
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'efflint-nesting-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A model whose graph takes a bool `c` and holds `levels` nested Ifs, each branch an Identity of `c`. */
function nestedModel(levels: number): Uint8Array {
  const input = wire.message(11, 'ValueInfo', [
    wire.string(1, 'c'),
    wire.message(2, 'Type', [wire.message(1, 'TensorType', [wire.varint(1, 9)])]),
  ]);
  const graph = serializeMessage({
    kind: 'Graph',
    fields: [
      wire.bytes(1, nestedIfs(levels, 'c', 'c')),
      wire.string(2, 'main'),
      input,
      wire.message(12, 'ValueInfo', [wire.string(1, `nest_y${levels}_`)]),
    ],
  });
  const head = serializeMessage({
    kind: 'Model',
    fields: [wire.varint(1, 8), wire.message(8, 'OpsetId', [wire.varint(2, 17)])],
  });
  return concatBytes([head, encodeVarint(7 * 8 + 2), encodeVarint(graph.length), graph]);
}

/** Levels of If below `graph` along then_branch. */
function depthOf(graph: Graph): number {
  let depth = 0;
  for (let g: Graph | undefined = graph; g !== undefined; depth++) {
    const then: AttributeValue | undefined = g.nodes.find((n) => n.opType === 'If')?.attributes.get('then_branch');
    g = then?.type === 'graph' ? then.value : undefined;
  }
  return depth - 1;
}

function loadError(bytes: Uint8Array): unknown {
  try {
    loadModelBytes(bytes, { path: 'deep.onnx' });
  } catch (err) {
    return err;
  }
  return null;
}

describe('nested subgraphs', () => {
  it('64 nested Ifs load and analyse: both branches of all 64 counted (64 Ifs + 64 Identities + 1 leaf Identity)', () => {
    const model = loadModelBytes(nestedModel(64), { path: 'deep64.onnx' });
    expect(depthOf(model.graph)).toBe(64);
    const analysis = analyzeModel(model);
    // Per level: the If, the Identity after it in its graph (not at the top), the else-branch Identity; plus the innermost then-branch Identity.
    expect(analysis.layers.filter((l) => l.opType === 'If')).toHaveLength(64);
    expect(analysis.layers.filter((l) => l.opType === 'Identity')).toHaveLength(63 + 64 + 1);
  });

  it(`the cap: ${MAX_MESSAGE_DEPTH} messages admit 170 levels (3 per level, model and main graph 2); 171 fail on one line`, () => {
    expect(MAX_MESSAGE_DEPTH).toBe(512);
    expect(depthOf(loadModelBytes(nestedModel(170), { path: 'deep170.onnx' }).graph)).toBe(170);
    const err = loadError(nestedModel(171));
    expect(err).toBeInstanceOf(InvalidModelError);
    expect((err as Error).message).toMatch(/^deep\.onnx: messages nested deeper than 512 levels \(at byte \d+\)$/);
  });

  it('100,000 nested Ifs: one line from the loader and from the CLI (exit 2), no stack overflow', () => {
    const bytes = nestedModel(100_000);
    expect(bytes.length).toBeGreaterThan(100_000 * 100);
    const err = loadError(bytes);
    expect(err).toBeInstanceOf(InvalidModelError);
    expect((err as Error).message).toMatch(/^deep\.onnx: messages nested deeper than 512 levels \(at byte \d+\)$/);

    const file = path.join(tmp, 'deep100k.onnx');
    fs.writeFileSync(file, bytes);
    const r = runCli(['analyze', file]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      new RegExp(
        `^efflint: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: messages nested deeper than 512 levels \\(at byte \\d+\\)\\n$`,
      ),
    );
  });
});
