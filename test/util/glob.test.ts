import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandGlob, globToRegExp, isGlob } from '../../src/util/glob.js';

describe('globToRegExp', () => {
  it.each([
    ['stage2.*', 'stage2.unit1.conv1', { slashes: false }, true],
    ['stage2.*', 'stage3.unit1', { slashes: false }, false],
    ['*/conv?', 'a/b/conv1', { slashes: false }, true],
    ['*.onnx', 'a.onnx', {}, true],
    ['*.onnx', 'dir/a.onnx', {}, false],
    ['**/*.onnx', 'dir/sub/a.onnx', {}, true],
    ['**/*.onnx', 'a.onnx', {}, true],
    ['model(1).onnx', 'model(1).onnx', {}, true],
  ])('%s vs %s', (pattern, text, options, expected) => {
    expect(globToRegExp(pattern, options).test(text)).toBe(expected);
  });
  it('tells globs from paths', () => {
    expect(isGlob('models/*.onnx')).toBe(true);
    expect(isGlob('models/a.onnx')).toBe(false);
  });
});

describe('expandGlob', () => {
  const root = mkdtempSync(join(tmpdir(), 'efflint-glob-'));
  mkdirSync(join(root, 'models', 'sub'), { recursive: true });
  mkdirSync(join(root, 'models', '.hidden'), { recursive: true });
  for (const f of ['models/b.onnx', 'models/a.onnx', 'models/readme.md', 'models/sub/c.onnx', 'models/.hidden/d.onnx'])
    writeFileSync(join(root, f), '');

  it('expands * in one directory, sorted, spelled like the pattern', () => {
    expect(expandGlob('models/*.onnx', root)).toEqual(['models/a.onnx', 'models/b.onnx']);
    expect(expandGlob('./models/*.onnx', root)).toEqual(['models/a.onnx', 'models/b.onnx']);
  });
  it('expands ** recursively, skipping hidden directories', () => {
    expect(expandGlob('models/**/*.onnx', root)).toEqual(['models/a.onnx', 'models/b.onnx', 'models/sub/c.onnx']);
  });
  it('returns nothing when nothing matches', () => {
    expect(expandGlob('models/*.pb', root)).toEqual([]);
    expect(expandGlob('nowhere/*.onnx', root)).toEqual([]);
  });
  it('works with absolute patterns', () => {
    expect(expandGlob(join(root, 'models', '*.onnx'), '/')).toEqual([
      join(root, 'models/a.onnx'),
      join(root, 'models/b.onnx'),
    ]);
  });
});
