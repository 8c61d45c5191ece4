import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The layers of DESIGN.md, lowest first. A module may import from its own layer or a lower one;
 * layers of equal rank are siblings and may not import each other (rules and profile both sit on
 * the analyzers, the zoo builds ONNX bytes next to the model reader). src/errors.ts and
 * src/version.ts sit at the bottom with src/util so every layer can import them. The facade
 * (api.ts, index.ts, load-model.ts) may import anything but the CLI, and only the CLI imports it.
 *
 * Type-only imports count: `import type` from a higher layer still couples the lower module to the
 * higher one's shapes (a change up there breaks the build down here), and the fix is the same as
 * for a value import: move the type down to the layer that owns it.
 */
const LAYERS: readonly { readonly name: string; readonly rank: number; readonly owns: (path: string) => boolean }[] = [
  { name: 'util', rank: 0, owns: (p) => p.startsWith('src/util/') || p === 'src/errors.ts' || p === 'src/version.ts' },
  { name: 'model', rank: 1, owns: (p) => p.startsWith('src/model/') },
  { name: 'zoo', rank: 1, owns: (p) => p.startsWith('src/zoo/') },
  { name: 'analyzers', rank: 2, owns: (p) => p.startsWith('src/analyzers/') },
  { name: 'rules', rank: 3, owns: (p) => p.startsWith('src/rules/') },
  { name: 'profile', rank: 3, owns: (p) => p.startsWith('src/profile/') },
  { name: 'diff', rank: 4, owns: (p) => p.startsWith('src/diff/') },
  { name: 'config', rank: 5, owns: (p) => p.startsWith('src/config/') },
  { name: 'report', rank: 6, owns: (p) => p.startsWith('src/report/') },
  { name: 'facade', rank: 7, owns: (p) => p === 'src/api.ts' || p === 'src/index.ts' || p === 'src/load-model.ts' },
  { name: 'cli', rank: 8, owns: (p) => p.startsWith('src/cli/') },
];

type Layer = (typeof LAYERS)[number];

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Repository-relative path with forward slashes. */
function repoPath(absolute: string): string {
  return relative(ROOT, absolute).split(sep).join('/');
}

function layerOf(path: string): Layer | undefined {
  return LAYERS.find((l) => l.owns(path));
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) out.push(...sourceFiles(full));
    else if (entry.endsWith('.ts') && !entry.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

/**
 * Every module specifier a file names: `import ... from`, `import '...'`, `export ... from`,
 * `import x = require('...')`, `import('...')` with a literal, and `import('...')` in type positions.
 * Parsed with the TypeScript compiler, so multi-line imports and comments cannot hide one.
 */
export function moduleSpecifiers(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const found: string[] = [];
  const literal = (node: ts.Node | undefined): void => {
    if (node && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node))) found.push(node.text);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) literal(node.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference))
      literal(node.moduleReference.expression);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword)
      literal(node.arguments[0]);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) literal(node.argument.literal);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The source file a relative specifier names (`./x.js` -> `x.ts`, a folder -> its index.ts), or null. */
function resolveRelative(fromFile: string, specifier: string): string | null {
  const target = resolve(dirname(fromFile), specifier);
  const candidates = [
    target.replace(/\.js$/, '.ts'),
    target.replace(/\.mjs$/, '.mts'),
    target,
    `${target}.ts`,
    join(target, 'index.ts'),
  ];
  return candidates.find((c) => existsSync(c) && statSync(c).isFile()) ?? null;
}

interface ImportEdge {
  readonly from: string;
  readonly to: string;
}

let walked: { edges: ImportEdge[]; unresolved: string[]; unmapped: string[] } | undefined;

/** Every relative import of every .ts file under src/, resolved to the file it names (walked once per run). */
function srcImports(): { edges: ImportEdge[]; unresolved: string[]; unmapped: string[] } {
  if (walked) return walked;
  const edges: ImportEdge[] = [];
  const unresolved: string[] = [];
  const files = sourceFiles(join(ROOT, 'src'));
  for (const file of files) {
    for (const specifier of moduleSpecifiers(file, readFileSync(file, 'utf8'))) {
      if (!specifier.startsWith('.')) continue;
      const target = resolveRelative(file, specifier);
      if (target === null) unresolved.push(`${repoPath(file)} -> ${specifier}`);
      else edges.push({ from: repoPath(file), to: repoPath(target) });
    }
  }
  const unmapped = files.map(repoPath).filter((p) => layerOf(p) === undefined);
  walked = { edges, unresolved, unmapped };
  return walked;
}

/** `file -> target (layer A imports higher layer B)` for every import that goes the wrong way. */
function violations(edges: readonly ImportEdge[]): string[] {
  const out: string[] = [];
  for (const { from, to } of edges) {
    if (!to.startsWith('src/')) continue;
    const a = layerOf(from);
    const b = layerOf(to);
    if (!a || !b || a === b) continue;
    if (b.rank > a.rank) out.push(`${from} -> ${to} (layer ${a.name} imports higher layer ${b.name})`);
    else if (b.rank === a.rank) out.push(`${from} -> ${to} (layer ${a.name} imports sibling layer ${b.name})`);
  }
  return out;
}

describe('layers (DESIGN.md: util -> model -> analyzers -> rules | profile -> diff -> config -> report -> cli)', () => {
  it('finds every kind of module specifier', () => {
    const text = [
      "import a from './a.js';",
      "import type { B } from './b.js';",
      "import {\n  c,\n  // a comment\n  d,\n} from '../c.js';",
      "import './side-effect.js';",
      "export * from './e.js';",
      "export type { F } from './f.js';",
      "const g = await import('./g.js');",
      "type H = import('./h.js').H;",
      "import i = require('./i.js');",
      "// import z from './commented-out.js';",
      'const s = \'import y from "./in-a-string.js"\';',
      'const dynamic = await import(name);',
    ].join('\n');
    expect(moduleSpecifiers('x.ts', text)).toEqual([
      './a.js',
      './b.js',
      '../c.js',
      './side-effect.js',
      './e.js',
      './f.js',
      './g.js',
      './h.js',
      './i.js',
    ]);
  });

  it('ranks the layers as DESIGN.md draws them', () => {
    const rank = (p: string): string => {
      const l = layerOf(p);
      return l ? `${l.name}:${l.rank}` : 'none';
    };
    expect(
      [
        'src/util/glob.ts',
        'src/errors.ts',
        'src/version.ts',
        'src/model/ir.ts',
        'src/zoo/index.ts',
        'src/analyzers/analyze.ts',
        'src/rules/g1.ts',
        'src/profile/profile.ts',
        'src/diff/compare.ts',
        'src/config/schema.ts',
        'src/report/sarif.ts',
        'src/api.ts',
        'src/load-model.ts',
        'src/cli/main.ts',
      ].map(rank),
    ).toEqual([
      'util:0',
      'util:0',
      'util:0',
      'model:1',
      'zoo:1',
      'analyzers:2',
      'rules:3',
      'profile:3',
      'diff:4',
      'config:5',
      'report:6',
      'facade:7',
      'facade:7',
      'cli:8',
    ]);
    expect(violations([{ from: 'src/rules/x.ts', to: 'src/profile/y.ts' }])).toEqual([
      'src/rules/x.ts -> src/profile/y.ts (layer rules imports sibling layer profile)',
    ]);
    expect(
      violations([
        { from: 'src/model/x.ts', to: 'src/util/y.ts' },
        { from: 'src/cli/x.ts', to: 'src/api.ts' },
      ]),
    ).toEqual([]);
  });

  it('places every source file in a layer and resolves every relative import', () => {
    const { edges, unresolved, unmapped } = srcImports();
    expect(unmapped).toEqual([]);
    expect(unresolved).toEqual([]);
    // The walk really saw the tree: the CLI entry point imports its commands.
    expect(edges.some((e) => e.from === 'src/cli/main.ts' && e.to.startsWith('src/cli/commands/'))).toBe(true);
  });

  it('no file imports from a higher or sibling layer', () => {
    expect(violations(srcImports().edges)).toEqual([]);
  });
});
