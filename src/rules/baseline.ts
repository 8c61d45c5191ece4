import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import type { Finding, LintResult } from './lint.js';

/** Bumped when the baseline file changes shape. */
export const BASELINE_VERSION = 1;

/**
 * A baseline (`lint --write-baseline FILE`, read by `--baseline FILE`): the findings a team accepted
 * when adopting the gate, keyed by model argument and finding fingerprint (rule, node, cause; never the
 * numbers), so a finding stays baselined while its numbers drift and only new findings fail.
 */
export interface BaselineFile {
  readonly efflintBaseline: typeof BASELINE_VERSION;
  /** Model argument as given -> fingerprints, one entry per finding (repeated when it occurs twice). */
  readonly findings: Readonly<Record<string, readonly string[]>>;
}

/** The baseline of these results: every finding of every model. */
export function baselineOf(results: readonly LintResult[]): BaselineFile {
  const findings: Record<string, string[]> = {};
  for (const r of results) findings[r.model] = r.findings.map((f) => f.fingerprint).sort();
  return { efflintBaseline: BASELINE_VERSION, findings };
}

/** A baseline file's text (pretty JSON, stable order so it diffs well in review). */
export function serializeBaseline(baseline: BaselineFile): string {
  return JSON.stringify(baseline, null, 2) + '\n';
}

/** Reads and checks a baseline file; errors name the file. */
export function readBaselineFile(path: string, cwd: string): BaselineFile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(resolve(cwd, path), 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(`${path}: cannot read baseline (${code ?? (err as Error).message.split('\n')[0]})`, {
      cause: err,
    });
  }
  // Any JSON value: each field is checked before the document is taken as a BaselineFile.
  const doc = raw as { readonly efflintBaseline?: unknown; readonly findings?: unknown } | null;
  const ok =
    doc !== null &&
    typeof doc === 'object' &&
    doc.efflintBaseline === BASELINE_VERSION &&
    typeof doc.findings === 'object' &&
    doc.findings !== null &&
    Object.values(doc.findings).every((v) => Array.isArray(v) && v.every((fp) => typeof fp === 'string'));
  if (!ok)
    throw new ConfigError(
      `${path}: not an efflint baseline (expected {"efflintBaseline": ${BASELINE_VERSION}, "findings": {model: [fingerprint, ...]}})`,
    );
  return doc as BaselineFile;
}

/**
 * Drops findings the baseline lists for this model, one per listed fingerprint (a fingerprint listed
 * once absorbs one finding, so a second copy of it is new). Returns the rest and how many were dropped.
 */
export function applyBaseline(
  model: string,
  findings: readonly Finding[],
  baseline: BaselineFile,
): { findings: Finding[]; baselined: number } {
  const left = new Map<string, number>();
  for (const fp of baseline.findings[model] ?? []) left.set(fp, (left.get(fp) ?? 0) + 1);
  const kept: Finding[] = [];
  let baselined = 0;
  for (const f of findings) {
    const n = left.get(f.fingerprint) ?? 0;
    if (n > 0) {
      left.set(f.fingerprint, n - 1);
      baselined += 1;
    } else {
      kept.push(f);
    }
  }
  return { findings: kept, baselined };
}
