import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The public API is a deliberate list: what src/index.ts exports, as values (checked against the built
 * dist/index.js a consumer imports; `npm run build` first) and as types (read with the TypeScript
 * compiler). Adding or removing an export means changing this list on purpose, and the README with it.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DIST = join(ROOT, 'dist/index.js');

const VALUES = [
  'ConfigError',
  'EfflintError',
  'InvalidModelError',
  'OpSpecError',
  'ProfilerError',
  'RULES',
  'UsageError',
  'analyze',
  'buildZooModel',
  'defineRule',
  'diff',
  'efflintVersion',
  'formatAnalysis',
  'formatDiff',
  'formatLint',
  'formatProfile',
  'getZooEntry',
  'lint',
  'listZoo',
  'loadConfig',
  'loadModel',
  'profile',
  'report',
];

const TYPES = [
  'Analysis',
  'AnalysisFormat',
  'AnalyzeOptions',
  'AnyRule',
  'ConfigObject',
  'DType',
  'DeviceProfile',
  'DiffFormat',
  'DiffFormatOptions',
  'DiffOptions',
  'DiffResult',
  'DiffThresholds',
  'DiffVerdict',
  'Dim',
  'Finding',
  'FormatOptions',
  'Graph',
  'LayerReport',
  'LintFormat',
  'LintFormatOptions',
  'LintOptions',
  'LintResult',
  'LintSummary',
  'LoadConfigOptions',
  'LoadModelOptions',
  'Model',
  'ModelDiff',
  'ModelSource',
  'Node',
  'ProfileFormatOptions',
  'ProfileLayer',
  'ProfileOptions',
  'ProfileResult',
  'ReportOptions',
  'ResolvedConfig',
  'Rule',
  'RuleContext',
  'RuleDefinition',
  'RuleMeta',
  'RuleSettingInput',
  'RuntimeName',
  'Severity',
  'TensorRef',
  'TensorSummary',
  'Totals',
  'ZooBuildOptions',
  'ZooEntry',
];

interface ExportInfo {
  readonly name: string;
  readonly value: boolean;
  readonly documented: boolean;
}

/** src/index.ts's exports as the compiler sees them: value or type-only, and whether the declaration carries TSDoc. */
function sourceExports(): ExportInfo[] {
  const program = ts.createProgram([join(ROOT, 'src/index.ts')], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(join(ROOT, 'src/index.ts'))!)!;
  return checker.getExportsOfModule(moduleSymbol).map((s) => {
    const target = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
    return {
      name: s.name,
      value: (target.flags & ts.SymbolFlags.Value) !== 0,
      documented: ts.displayPartsToString(target.getDocumentationComment(checker)).trim() !== '',
    };
  });
}

const EXPORTS = sourceExports();

describe('the public API (src/index.ts, dist/index.js)', () => {
  it('exports exactly these values, and the built package exports the same', async () => {
    expect(
      EXPORTS.filter((e) => e.value)
        .map((e) => e.name)
        .sort(),
    ).toEqual(VALUES);
    expect(existsSync(DIST), 'dist/ is missing: run npm run build').toBe(true);
    const built = (await import(pathToFileURL(DIST).href)) as Record<string, unknown>;
    expect(Object.keys(built).sort()).toEqual(VALUES);
  });

  it('exports exactly these types', () => {
    expect(
      EXPORTS.filter((e) => !e.value)
        .map((e) => e.name)
        .sort(),
    ).toEqual(TYPES);
    // The declarations a TypeScript consumer compiles against come from the same file.
    const dts = readFileSync(join(ROOT, 'dist/index.d.ts'), 'utf8');
    for (const name of [...VALUES, ...TYPES]) expect(dts, name).toMatch(new RegExp(`\\b${name}\\b`));
  });

  it('leaves internals and the CLI out (the bin imports the CLI module itself)', () => {
    const names = new Set(EXPORTS.map((e) => e.name));
    for (const internal of [
      'main',
      'spearman',
      'joinKernels',
      'parseTrtLayerName',
      'loadModelFile',
      'loadModelBytes',
      'analyzeFile',
      'analyzeModel',
      'lintAnalysis',
      'profileModel',
      'LINT_FORMATS',
      'compareModels',
      'buildReportData',
    ]) {
      expect(names.has(internal), internal).toBe(false);
    }
    const bin = readFileSync(join(ROOT, 'bin/efflint.js'), 'utf8');
    expect([...bin.matchAll(/from '([^']+)'/g)].map((m) => m[1])).toEqual(['../dist/cli/io.js', '../dist/cli/main.js']);
  });

  it('every export carries TSDoc', () => {
    expect(EXPORTS.filter((e) => !e.documented).map((e) => e.name)).toEqual([]);
  });
});
