import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { InvalidModelError } from '../errors.js';
import { at } from '../util/at.js';
import { quoteName } from '../util/escape.js';
import type { FunctionDef, Graph, Model, TensorRef } from './ir.js';

/**
 * What is wrong with an external-data reference (TensorProto.external_data), in the order they
 * are checked:
 * - `absolute`: the location is an absolute path;
 * - `outside`: the location, normalised, climbs out of the model's folder (`../x`);
 * - `symlink`: it stays inside by name, but a symbolic link on the way leads outside;
 * - `missing`: no such file;
 * - `not-a-file`: a FIFO, a device, a socket or a folder (reading a FIFO or /dev/zero never ends);
 * - `past-end`: offset + length reach past the end of the file.
 * Much as the ONNX checker refuses locations (onnx/checker.cc, `resolve_external_data_location`:
 * absolute, `..`, missing, not a regular file); the range check is efflint's own.
 */
export type ExternalDataProblemKind = 'absolute' | 'outside' | 'symlink' | 'missing' | 'not-a-file' | 'past-end';

/** One external-data tensor that must not be read. */
export interface ExternalDataProblem {
  readonly kind: ExternalDataProblemKind;
  /** The tensor's name. */
  readonly tensor: string;
  /** external_data `location` as written in the model. */
  readonly location: string;
  /** What was found, e.g. `a FIFO`, `leads to "/etc/hostname"`, `needs bytes 0 to 4096, the file has 0`. */
  readonly detail: string;
}

/** Every tensor stored as external data: initializers and tensor attributes, in subgraphs and functions too. */
export function externalTensors(graph: Graph, functions: readonly FunctionDef[] = []): TensorRef[] {
  const found: TensorRef[] = [];
  const graphs: Graph[] = [graph];
  const visitNodes = (nodes: Graph['nodes']): void => {
    for (const node of nodes) {
      for (const attr of node.attributes.values()) {
        if (attr.type === 'tensor') add(attr.value);
        else if (attr.type === 'tensors') attr.value.forEach(add);
        else if (attr.type === 'graph') graphs.push(attr.value);
        else if (attr.type === 'graphs') graphs.push(...attr.value);
      }
    }
  };
  function add(t: TensorRef): void {
    if (t.location.kind === 'external') found.push(t);
  }
  // Iterative, graphs in the order met: subgraphs nest as deep as the model says.
  for (let i = 0; i < graphs.length; i++) {
    const g = at(graphs, i);
    for (const t of g.initializers.values()) add(t);
    visitNodes(g.nodes);
  }
  for (const f of functions) visitNodes(f.nodes);
  return found;
}

/** What the file system says about one location, looked up once per distinct location. */
type FileVerdict =
  | { readonly kind: ExternalDataProblemKind; readonly detail: string }
  | { readonly kind: 'file'; readonly size: number };

/**
 * Classifies external-data references against the model's folder without reading a byte: names
 * are checked lexically, then with lstat/realpath/stat (which never open a file, so a FIFO cannot
 * block). Sizes come from stat, so a sparse 3 GB weights file costs the same as a small one.
 *
 * @param baseDir the model file's folder, which locations are relative to.
 */
export function checkExternalData(tensors: readonly TensorRef[], baseDir: string): ExternalDataProblem[] {
  const problems: ExternalDataProblem[] = [];
  const verdicts = new Map<string, FileVerdict>();
  let realBase: string | null | undefined;
  for (const t of tensors) {
    if (t.location.kind !== 'external') continue;
    const { file: location, offset } = t.location;
    let verdict = verdicts.get(location);
    if (verdict === undefined) {
      realBase ??= realpathOrNull(baseDir);
      verdict = inspect(location, baseDir, realBase);
      verdicts.set(location, verdict);
    }
    if (verdict.kind !== 'file') {
      problems.push({ kind: verdict.kind, tensor: t.name, location, detail: verdict.detail });
      continue;
    }
    const length = t.location.length ?? t.byteLength;
    if (offset + length > verdict.size) {
      problems.push({
        kind: 'past-end',
        tensor: t.name,
        location,
        detail: `needs bytes ${offset} to ${offset + length}, the file has ${verdict.size}`,
      });
    }
  }
  return problems;
}

function inspect(location: string, baseDir: string, realBase: string | null): FileVerdict {
  if (nodePath.isAbsolute(location)) return { kind: 'absolute', detail: 'an absolute path' };
  const relative = nodePath.normalize(location);
  if (relative === '..' || relative.startsWith(`..${nodePath.sep}`))
    return { kind: 'outside', detail: 'climbs out with ..' };
  const path = nodePath.join(baseDir, relative);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return {
      kind: 'missing',
      detail:
        code === 'ENOENT' || code === 'ENOTDIR'
          ? `not found in ${baseDir}`
          : `cannot be looked up (${code ?? 'error'})`,
    };
  }
  const real = realpathOrNull(path);
  if (real !== null && realBase !== null && !isInside(real, realBase))
    return { kind: 'symlink', detail: `leads to ${quoteName(real)}` };
  if (!stat.isFile()) return { kind: 'not-a-file', detail: describeFileType(stat) };
  return { kind: 'file', size: stat.size };
}

function realpathOrNull(path: string): string | null {
  try {
    return fs.realpathSync(path);
  } catch {
    return null;
  }
}

function isInside(path: string, folder: string): boolean {
  const rel = nodePath.relative(folder, path);
  return rel !== '..' && !rel.startsWith(`..${nodePath.sep}`) && !nodePath.isAbsolute(rel);
}

function describeFileType(stat: fs.Stats): string {
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isDirectory()) return 'a folder';
  if (stat.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** Per kind: what one tensor does, what several do. */
const SUMMARY: Readonly<Record<ExternalDataProblemKind, readonly [string, string]>> = {
  absolute: ['uses an absolute path', 'use an absolute path'],
  outside: ["points outside the model's folder", "point outside the model's folder"],
  symlink: [
    "reaches outside the model's folder through a symbolic link",
    "reach outside the model's folder through a symbolic link",
  ],
  missing: ['names a file that does not exist', 'name a file that does not exist'],
  'not-a-file': ['names something that is not a regular file', 'name something that is not a regular file'],
  'past-end': ['reaches past the end of its file', 'reach past the end of their file'],
};

/**
 * One line per kind of problem, e.g. `2 external-data tensors point outside the model's folder
 * (first: "../../etc/passwd", tensor "W")`. Locations are quoted: they come from the file.
 */
export function summariseExternalDataProblems(problems: readonly ExternalDataProblem[]): string[] {
  const byKind = new Map<ExternalDataProblemKind, ExternalDataProblem[]>();
  for (const p of problems) {
    const list = byKind.get(p.kind);
    if (list === undefined) byKind.set(p.kind, [p]);
    else list.push(p);
  }
  return [...byKind].map(([kind, list]) => {
    const first = at(list, 0);
    const [one, several] = SUMMARY[kind];
    const what =
      list.length === 1 ? `1 external-data tensor ${one}` : `${list.length} external-data tensors ${several}`;
    const detail = kind === 'outside' || kind === 'absolute' ? '' : `, ${first.detail}`;
    return `${what} (first: ${quoteName(first.location)}${detail}, tensor ${quoteName(first.tensor)})`;
  });
}

/**
 * Refuses a model file whose external data onnxruntime must not read: a location outside the
 * model's folder (`..`, absolute, a symbolic link), a missing file, a FIFO or device (a read that
 * never ends), or a range past the file's end. The measuring paths call it before onnxruntime opens
 * the model; the static commands only warn (they never read external data).
 *
 * @throws InvalidModelError, one line naming the model and each kind of problem.
 */
export function refuseUnsafeExternalData(label: string, model: Model, baseDir: string): void {
  const problems = summariseExternalDataProblems(
    checkExternalData(externalTensors(model.graph, model.functions), baseDir),
  );
  if (problems.length === 0) return;
  throw new InvalidModelError(`${label}: not run, its external data is unsafe to read: ${problems.join('; ')}`);
}
