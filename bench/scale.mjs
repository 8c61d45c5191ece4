#!/usr/bin/env node
/**
 * Benchmark: how efflint scales with file size, node count and function calls, against python onnx,
 * and whether the library leaks across repeated `analyze` calls (the library's analyzeFile).
 *
 * Usage (from the repository root, after `npm ci && npm run build`):
 *   node bench/scale.mjs [--repeats 3] [--small-mb 100] [--large-mb 1024] [--nodes 10000,100000]
 *                        [--calls 10000] [--gc-calls 1000] [--gc-model zoo:shufflenet_v2_x1_0]
 *                        [--timeout 300] [--no-peer] [--onnx-tool DIR] [--out DIR] [--keep]
 *
 * Writes its models into a temporary folder (removed at the end unless --keep), all with real bytes:
 *  - two single-file models with one graph (16 Gemm+Relu layers, inline float32 weights) whose
 *    weights weigh --small-mb and --large-mb MiB, streamed to disk in 8 MiB chunks;
 *  - a chain model per --nodes count (blocks of Conv 1x1, Relu, depthwise Conv 3x3, residual Add on
 *    an 8x8x8 map);
 *  - a model calling one model-local function (Relu, Add) --calls times.
 * Then, in one run, every case once per repetition, round-robin (A B C ... A B C ...), each in a
 * fresh child process: `node bin/efflint.js analyze|lint`, `/usr/bin/python3 -c "onnx.load(p)"` and
 * `onnx.load` + `onnx.shape_inference.infer_shapes` (Debian python3-onnx). Wall time is the
 * median over repetitions; peak RSS is the child's maximum resident set (`/usr/bin/time -f %M`, else a
 * python wrapper reading RUSAGE_CHILDREN). Ratios are printed with each repetition's own ratio, since
 * the machine may be shared and neighbouring runs see the same load. A command still running after
 * --timeout seconds is stopped (coreutils `timeout`) and shown as "> N s"; ratios with it are bounds.
 *
 * Finally a child `node --expose-gc` imports dist/index.js and calls `analyze` --gc-calls times
 * on one zoo model file, with a full GC before reading heapUsed after 100 calls and after the last.
 *
 * --onnx-tool DIR: also time onnx-tool (github.com/ThanatosShinji/onnx-tool, a checkout in DIR, run
 * with PYTHONPATH=DIR): `onnx_tool.model_profile(path)` on the chain and size models.
 */
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statfsSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  encodeFunction,
  encodeNode,
  encodeValueInfo,
  modelFunction,
  node as nodeProto,
  tensorValueInfo,
} from '../dist/zoo/onnx-writer.js';

const { values } = parseArgs({
  options: {
    repeats: { type: 'string', default: '3' },
    'small-mb': { type: 'string', default: '100' },
    'large-mb': { type: 'string', default: '1024' },
    nodes: { type: 'string', default: '10000,100000' },
    calls: { type: 'string', default: '10000' },
    'gc-calls': { type: 'string', default: '1000' },
    'gc-model': { type: 'string', default: 'zoo:shufflenet_v2_x1_0' },
    timeout: { type: 'string', default: '300' },
    'no-peer': { type: 'boolean', default: false },
    'onnx-tool': { type: 'string' },
    out: { type: 'string' },
    keep: { type: 'boolean', default: false },
    'heap-child': { type: 'string' },
  },
});

const PYTHON = '/usr/bin/python3';
const EFFLINT = resolve('bin/efflint.js');

if (values['heap-child'] !== undefined) {
  await heapChild(values['heap-child'], Number(values['gc-calls']));
  process.exit(0);
}

/*
 * ---------- protobuf writing ----------
 * Records (nodes, value infos, the function) come from efflint's ONNX writer (dist/zoo/onnx-writer.js);
 * the model and graph around them are framed here by hand, because the writer encodes a whole
 * ModelProto in memory and these models stream their weights to disk.
 */

/** Little-endian base-128 varint; negative numbers as 64-bit two's complement (protobuf int64). */
function varint(value) {
  let v = BigInt.asUintN(64, BigInt(value));
  const bytes = [];
  while (v >= 0x80n) {
    bytes.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  bytes.push(Number(v));
  return Buffer.from(bytes);
}

/**
 * A message is an array of pieces: Buffers, or `{ size, raw: true }` placeholders for tensor payloads
 * that are generated while the file is written (so a 1 GiB model never sits in memory).
 */
const sizeOf = (pieces) => pieces.reduce((s, p) => s + (Buffer.isBuffer(p) ? p.length : p.size), 0);
const tag = (field, wire) => varint((field << 3) | wire);
const len = (field, pieces) => [tag(field, 2), varint(sizeOf(pieces)), ...pieces];
const str = (field, s) => len(field, [Buffer.from(s, 'utf8')]);
const int = (field, v) => [tag(field, 0), varint(v)];
const ints = (field, vs) => len(field, [Buffer.concat(vs.map(varint))]);
/** A record the writer encoded, as field `field` of the message being framed. */
const record = (field, bytes) => len(field, [Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)]);

/** NodeProto as GraphProto.node (field 1); `attrs` as the writer's attribute record. */
function node(op, inputs, outputs, name, attrs = {}, domain = '') {
  return record(1, encodeNode(nodeProto(op, inputs, outputs, attrs, { name, ...(domain ? { domain } : {}) })));
}
/** TensorProto FLOAT with raw_data of prod(dims) float32 values, generated when written. */
function initializer(name, dims) {
  const bytes = dims.reduce((a, b) => a * b, 1) * 4;
  return len(5, [
    ...ints(1, dims),
    ...int(2, 1),
    ...str(8, name),
    tag(9, 2),
    varint(bytes),
    { size: bytes, raw: true },
  ]);
}
/** ValueInfoProto of a float tensor as GraphProto.input (11) or .output (12); dims are numbers or symbolic names. */
function valueInfo(field, name, dims) {
  return record(field, encodeValueInfo(tensorValueInfo(name, dims)));
}
function model(graphPieces, { functions = [], opsets = [['', 13]] } = {}) {
  return [
    ...int(1, 8), // ir_version 8: model-local functions
    ...str(2, 'efflint-bench-scale'),
    ...len(7, graphPieces),
    ...opsets.flatMap(([domain, version]) => len(8, [...str(1, domain), ...int(2, version)])),
    ...functions.flat(),
  ];
}

/** Pseudo-random float32 weights (xorshift32, uniform in [-0.05, 0.05]), one 8 MiB block reused. */
const RAW_BLOCK = (() => {
  const f = new Float32Array(2 * 1024 * 1024);
  let s = 0x9e3779b9;
  for (let i = 0; i < f.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    f[i] = ((s >>> 0) / 0xffffffff - 0.5) * 0.1;
  }
  return Buffer.from(f.buffer);
})();

/** Writes the pieces to `path`, batching small buffers and streaming tensor payloads. */
function writeModel(path, pieces) {
  const fd = openSync(path, 'w');
  let pending = [];
  let pendingBytes = 0;
  const flush = () => {
    if (pendingBytes > 0) writeSync(fd, Buffer.concat(pending, pendingBytes));
    pending = [];
    pendingBytes = 0;
  };
  try {
    for (const p of pieces) {
      if (Buffer.isBuffer(p)) {
        pending.push(p);
        pendingBytes += p.length;
        if (pendingBytes >= 1 << 20) flush();
        continue;
      }
      flush();
      for (let left = p.size; left > 0; left -= RAW_BLOCK.length) {
        const n = Math.min(left, RAW_BLOCK.length);
        writeSync(fd, RAW_BLOCK, 0, n);
      }
    }
    flush();
  } finally {
    closeSync(fd);
  }
  return statSync(path).size;
}

/* ---------- the models ---------- */

/** 16 Gemm(transB)+Relu layers of width W; W chosen so the weights weigh about `mib` MiB. */
function sizeModel(mib) {
  const layers = 16;
  const width = Math.round(Math.sqrt((mib * 2 ** 20) / (4 * layers)) / 16) * 16;
  const nodes = [];
  const inits = [];
  let x = 'input';
  for (let i = 0; i < layers; i++) {
    inits.push(initializer(`w${i}`, [width, width]), initializer(`b${i}`, [width]));
    nodes.push(node('Gemm', [x, `w${i}`, `b${i}`], [`g${i}`], `layer${i}.gemm`, { transB: 1 }));
    nodes.push(node('Relu', [`g${i}`], [`r${i}`], `layer${i}.relu`));
    x = `r${i}`;
  }
  return model([
    ...nodes.flat(),
    ...str(2, 'scale'),
    ...inits.flat(),
    ...valueInfo(11, 'input', ['N', width]),
    ...valueInfo(12, x, ['N', width]),
  ]);
}

/** Blocks of Conv 1x1 -> Relu -> depthwise Conv 3x3 -> Add(block input), `count` nodes in all. */
function chainModel(count) {
  const c = 8;
  const nodes = [];
  const inits = [];
  let x = 'input';
  for (let i = 0; nodes.length < count; i++) {
    const block = [
      () => {
        inits.push(initializer(`pw${i}`, [c, c, 1, 1]));
        return [node('Conv', [x, `pw${i}`], [`pw${i}.out`], `block${i}.pw`), `pw${i}.out`];
      },
      () => [node('Relu', [`pw${i}.out`], [`relu${i}.out`], `block${i}.relu`), `relu${i}.out`],
      () => {
        inits.push(initializer(`dw${i}`, [c, 1, 3, 3]));
        const attrs = { group: c, pads: [1, 1, 1, 1] };
        return [node('Conv', [`relu${i}.out`, `dw${i}`], [`dw${i}.out`], `block${i}.dw`, attrs), `dw${i}.out`];
      },
      () => [node('Add', [`dw${i}.out`, x], [`add${i}.out`], `block${i}.add`), `add${i}.out`],
    ];
    let out = x;
    for (const make of block) {
      if (nodes.length === count) break;
      const [pieces, name] = make();
      nodes.push(pieces);
      out = name;
    }
    x = out;
  }
  return model([
    ...nodes.flat(),
    ...str(2, 'chain'),
    ...inits.flat(),
    ...valueInfo(11, 'input', [1, c, 8, 8]),
    ...valueInfo(12, x, [1, c, 8, 8]),
  ]);
}

/**
 * `calls` chained calls of one model-local function local.Block(X, W, S, B, M, V) =
 * Add(Relu(BatchNormalization(Conv(X, W, group 4))), X): a group convolution (G2) and a foldable
 * BatchNormalization (E101) in every call; the weights are main-graph initializers shared by all calls.
 * The calls are named `block\n<i>`: unique names whose first line, which Netron matches nodes by, is
 * one, so every call's findings land on one Netron target (the `-f netron` name de-duplication case).
 */
function functionModel(calls) {
  const c = 16;
  const params = ['W', 'S', 'B', 'M', 'V'];
  const body = modelFunction({
    name: 'Block',
    domain: 'local',
    inputs: ['X', ...params],
    outputs: ['Y'],
    nodes: [
      nodeProto('Conv', ['X', 'W'], ['conv'], { group: 4, pads: [1, 1, 1, 1] }, { name: 'conv' }),
      nodeProto('BatchNormalization', ['conv', 'S', 'B', 'M', 'V'], ['bn'], {}, { name: 'bn' }),
      nodeProto('Relu', ['bn'], ['relu'], {}, { name: 'relu' }),
      nodeProto('Add', ['relu', 'X'], ['Y'], {}, { name: 'add' }),
    ],
    opsets: [{ domain: '', version: 13 }],
  });
  const inits = [initializer('W', [c, c / 4, 3, 3]), ...['S', 'B', 'M', 'V'].map((n) => initializer(n, [c]))];
  const nodes = [];
  let x = 'input';
  for (let i = 0; i < calls; i++) {
    nodes.push(node('Block', [x, ...params], [`call${i}.out`], `block\n${i}`, {}, 'local'));
    x = `call${i}.out`;
  }
  return model(
    [
      ...nodes.flat(),
      ...str(2, 'calls'),
      ...inits.flat(),
      ...valueInfo(11, 'input', [1, c, 8, 8]),
      ...valueInfo(12, x, [1, c, 8, 8]),
    ],
    {
      functions: [record(25, encodeFunction(body))],
      opsets: [
        ['', 13],
        ['local', 1],
      ],
    },
  );
}

/* ---------- measuring ---------- */

const HAS_TIME = existsSync('/usr/bin/time');
const RUSAGE_WRAPPER =
  'import resource,subprocess,sys;r=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL);' +
  'print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)';

/**
 * Runs a command in a fresh process under `timeout`: wall seconds, peak RSS (MiB) of that process,
 * exit code, and whether it was stopped at `limit` seconds.
 */
function measure(command, env, rssFile, limit) {
  const argv = ['timeout', '--kill-after=10', String(limit), ...command];
  const t0 = performance.now();
  let code;
  let rssKib;
  let stderr;
  if (HAS_TIME) {
    const r = spawnSync('/usr/bin/time', ['-f', '%M', '-o', rssFile, ...argv], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env,
      maxBuffer: 64 << 20,
    });
    code = r.status;
    stderr = String(r.stderr);
    const lines = readFileSync(rssFile, 'utf8').trim().split('\n');
    rssKib = Number(lines[lines.length - 1]);
  } else {
    const r = spawnSync(PYTHON, ['-c', RUSAGE_WRAPPER, ...argv], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
      maxBuffer: 64 << 20,
    });
    const [c, kib] = String(r.stdout).trim().split(/\s+/).map(Number);
    code = r.status === 0 ? c : r.status;
    stderr = String(r.stderr);
    rssKib = kib;
  }
  const seconds = (performance.now() - t0) / 1000;
  const timedOut = code === 124 || code === 137;
  return { seconds: timedOut ? Math.max(seconds, limit) : seconds, rssMib: rssKib / 1024, code, stderr, timedOut };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmtS = (s) => `${s.toFixed(3)} s`;
const fmtMib = (m) => `${Math.round(m).toLocaleString('en-US')} MiB`;
const fmtX = (x) => `${x.toFixed(2)}x`;

async function heapChild(modelPath, calls) {
  const { analyze } = await import(resolve('dist/index.js'));
  if (typeof global.gc !== 'function') throw new Error('run the heap child with node --expose-gc');
  const samples = [];
  const sample = (n) => {
    global.gc();
    global.gc();
    const m = process.memoryUsage();
    samples.push({
      calls: n,
      heapUsedMib: m.heapUsed / 2 ** 20,
      rssMib: m.rss / 2 ** 20,
      seconds: (performance.now() - t0) / 1000,
    });
  };
  let layers = 0;
  const t0 = performance.now();
  for (let i = 1; i <= calls; i++) {
    layers = analyze(modelPath).layers.length;
    if (i === 1 || i === 100 || i === calls) sample(i);
  }
  process.stdout.write(JSON.stringify({ layers, samples, maxRssMib: process.resourceUsage().maxRSS / 1024 }) + '\n');
}

/* ---------- the run ---------- */

const repeats = Number(values.repeats);
const nodeCounts = values.nodes.split(',').map(Number);
let smallMib = Number(values['small-mb']);
let largeMib = Number(values['large-mb']);
const dir = values.out
  ? (mkdirSync(values.out, { recursive: true }), values.out)
  : mkdtempSync(join(tmpdir(), 'efflint-scale-'));
const fsStat = statfsSync(dir);
const freeGib = (fsStat.bavail * fsStat.bsize) / 2 ** 30;
if (freeGib < 5) {
  smallMib = Math.max(1, Math.round(smallMib / 10));
  largeMib = Math.max(10, Math.round(largeMib / 10));
  console.log(
    `only ${freeGib.toFixed(1)} GiB free in ${dir}: size models scaled down to ${smallMib} and ${largeMib} MiB`,
  );
}
const peer = !values['no-peer'] && spawnSync(PYTHON, ['-c', 'import onnx'], { stdio: 'ignore' }).status === 0;
if (!values['no-peer'] && !peer)
  console.log(`${PYTHON} cannot import onnx: the python columns are left out (apt-get install python3-onnx)`);
const onnxToolDir = values['onnx-tool'] ? resolve(values['onnx-tool']) : undefined;

const started = new Date();
const load0 = loadavg();
console.log(`# bench/scale.mjs, ${started.toISOString()}`);
console.log(
  `node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, load average at start ${load0.map((l) => l.toFixed(2)).join(' ')}`,
);
if (peer)
  console.log(`python3-onnx ${String(spawnSync(PYTHON, ['-c', 'import onnx;print(onnx.__version__)']).stdout).trim()}`);

const files = {};
try {
  const write = (key, what, pieces) => {
    const path = join(dir, `${key}.onnx`);
    const t = performance.now();
    const bytes = writeModel(path, pieces);
    files[key] = { path, bytes, what };
    console.log(
      `wrote ${key}.onnx: ${(bytes / 2 ** 20).toFixed(1)} MiB, ${what} (${((performance.now() - t) / 1000).toFixed(1)} s)`,
    );
  };
  write('size-small', '16 Gemm+Relu layers', sizeModel(smallMib));
  write('size-large', '16 Gemm+Relu layers', sizeModel(largeMib));
  for (const n of nodeCounts) write(`chain-${n}`, `${n} nodes`, chainModel(n));
  write('calls', `${values.calls} calls of a local function`, functionModel(Number(values.calls)));
  const gcModel = join(dir, 'gc-model.onnx');
  if (values['gc-model'].startsWith('zoo:')) {
    const { buildZooModel } = await import(resolve('dist/index.js'));
    writeFileSync(gcModel, buildZooModel(values['gc-model'].slice(4)));
  } else {
    writeFileSync(gcModel, readFileSync(values['gc-model']));
  }

  const env = { ...process.env, NO_COLOR: '1' };
  const efflint = (...args) => ({ argv: [process.execPath, EFFLINT, ...args], env, ok: [0, 1] });
  const python = (code, path) => ({ argv: [PYTHON, '-c', code, path], env, ok: [0] });
  const LOAD = 'import sys,onnx;m=onnx.load(sys.argv[1]);print(len(m.graph.node))';
  const INFER =
    'import sys,onnx;m=onnx.load(sys.argv[1]);m=onnx.shape_inference.infer_shapes(m);print(len(m.graph.value_info))';
  const ONNX_TOOL = 'import sys,onnx_tool;onnx_tool.model_profile(sys.argv[1],savenode=None)';
  const cases = [];
  const add = (key, label, command) => cases.push({ key, label, ...command, runs: [] });
  for (const [k, f] of [
    ['small', files['size-small']],
    ['large', files['size-large']],
  ]) {
    add(`analyze-${k}`, `efflint analyze ${k} (${(f.bytes / 2 ** 20).toFixed(0)} MiB)`, efflint('analyze', f.path));
    add(`lint-${k}`, `efflint lint ${k} (${(f.bytes / 2 ** 20).toFixed(0)} MiB)`, efflint('lint', f.path));
    if (peer) {
      add(`load-${k}`, `python onnx.load ${k}`, python(LOAD, f.path));
      add(`infer-${k}`, `python onnx.load + infer_shapes ${k}`, python(INFER, f.path));
    }
    if (onnxToolDir)
      add(`onnxtool-${k}`, `onnx-tool model_profile ${k}`, {
        ...python(ONNX_TOOL, f.path),
        env: { ...env, PYTHONPATH: onnxToolDir },
      });
  }
  for (const n of nodeCounts) {
    const f = files[`chain-${n}`];
    add(`analyze-${n}`, `efflint analyze ${n} nodes`, efflint('analyze', f.path));
    add(`lint-${n}`, `efflint lint ${n} nodes`, efflint('lint', f.path));
    if (peer) {
      add(`load-${n}`, `python onnx.load ${n} nodes`, python(LOAD, f.path));
      add(`infer-${n}`, `python onnx.load + infer_shapes ${n} nodes`, python(INFER, f.path));
    }
    if (onnxToolDir)
      add(`onnxtool-${n}`, `onnx-tool model_profile ${n} nodes`, {
        ...python(ONNX_TOOL, f.path),
        env: { ...env, PYTHONPATH: onnxToolDir },
      });
  }
  add('calls-analyze', `efflint analyze ${values.calls} function calls`, efflint('analyze', files.calls.path));
  add(
    'calls-text',
    `efflint lint -f text ${values.calls} function calls`,
    efflint('lint', '-f', 'text', files.calls.path),
  );
  add(
    'calls-netron',
    `efflint lint -f netron ${values.calls} function calls`,
    efflint('lint', '-f', 'netron', files.calls.path),
  );

  const rssFile = join(dir, 'rss.txt');
  for (let r = 0; r < repeats; r++) {
    for (const c of cases) {
      const m = measure(c.argv, c.env, rssFile, Number(values.timeout));
      if (!m.timedOut && !c.ok.includes(m.code))
        throw new Error(`${c.label}: exit ${m.code}\n${m.stderr.slice(-2000)}`);
      c.runs.push(m);
    }
    console.log(
      `repetition ${r + 1}/${repeats} done, load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
  }

  const byKey = Object.fromEntries(cases.map((c) => [c.key, c]));
  console.log(`\n| case | wall time, median of ${repeats} | runs | peak RSS (max) |`);
  console.log('|---|---|---|---|');
  for (const c of cases) {
    const ts = c.runs.map((m) => (m.timedOut ? `> ${m.seconds.toFixed(0)} (stopped)` : m.seconds.toFixed(3)));
    const med = median(c.runs.map((m) => m.seconds));
    const medText = c.runs.filter((m) => m.timedOut).length * 2 >= c.runs.length ? `> ${med.toFixed(0)} s` : fmtS(med);
    console.log(
      `| ${c.label} | ${medText} | ${ts.join(' / ')} | ${fmtMib(Math.max(...c.runs.map((m) => m.rssMib)))} |`,
    );
  }

  const ratioRows = [];
  /** num/den from medians, and each repetition's own num/den (interleaved runs see the same load). */
  const ratio = (label, num, den, goal = '') => {
    const a = byKey[num];
    const b = byKey[den];
    if (!a || !b) return;
    // A stopped numerator makes the ratio a lower bound, a stopped denominator an upper bound.
    const bound = (num, den) => (num && den ? '? ' : num ? '> ' : den ? '< ' : '');
    const perRun = a.runs.map((m, i) => bound(m.timedOut, b.runs[i].timedOut) + fmtX(m.seconds / b.runs[i].seconds));
    const stopped = (c) => c.runs.filter((m) => m.timedOut).length * 2 >= c.runs.length;
    const med =
      bound(stopped(a), stopped(b)) + fmtX(median(a.runs.map((m) => m.seconds)) / median(b.runs.map((m) => m.seconds)));
    const rss = Math.max(...a.runs.map((m) => m.rssMib)) / Math.max(...b.runs.map((m) => m.rssMib));
    ratioRows.push(`| ${label} | **${med}** | ${perRun.join(' / ')} | ${fmtX(rss)} | ${goal} |`);
  };
  const sizeX = (files['size-large'].bytes / files['size-small'].bytes).toFixed(1);
  ratio(`efflint analyze, large / small file (${sizeX}x the bytes)`, 'analyze-large', 'analyze-small', '<= 1.2x');
  ratio(`efflint lint, large / small file (${sizeX}x the bytes)`, 'lint-large', 'lint-small', '<= 1.2x');
  ratio('python onnx.load / efflint analyze, large file', 'load-large', 'analyze-large');
  ratio('python onnx.load + infer_shapes / efflint analyze, large file', 'infer-large', 'analyze-large');
  ratio('python onnx.load + infer_shapes / efflint analyze, small file', 'infer-small', 'analyze-small');
  ratio('onnx-tool / efflint analyze, large file', 'onnxtool-large', 'analyze-large');
  if (nodeCounts.length >= 2) {
    const [lo, hi] = [Math.min(...nodeCounts), Math.max(...nodeCounts)];
    const goal = `<= ${((12 * hi) / lo / 10).toFixed(0)}x`;
    ratio(`efflint analyze, ${hi} / ${lo} nodes`, `analyze-${hi}`, `analyze-${lo}`, goal);
    ratio(`efflint lint, ${hi} / ${lo} nodes`, `lint-${hi}`, `lint-${lo}`, goal);
    ratio(`python onnx.load + infer_shapes, ${hi} / ${lo} nodes`, `infer-${hi}`, `infer-${lo}`);
    ratio(`python onnx.load + infer_shapes / efflint analyze, ${hi} nodes`, `infer-${hi}`, `analyze-${hi}`);
    ratio(`onnx-tool / efflint analyze, ${hi} nodes`, `onnxtool-${hi}`, `analyze-${hi}`);
  }
  ratio(`efflint lint -f netron / -f text, ${values.calls} function calls`, 'calls-netron', 'calls-text');
  console.log(`\n| ratio | wall time (medians) | per repetition | peak RSS | goal |`);
  console.log('|---|---|---|---|---|');
  for (const row of ratioRows) console.log(row);

  const child = spawnSync(
    process.execPath,
    ['--expose-gc', resolve(process.argv[1]), '--heap-child', gcModel, '--gc-calls', values['gc-calls']],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 16 << 20,
    },
  );
  if (child.status !== 0) throw new Error(`heap child failed (exit ${child.status})`);
  const heap = JSON.parse(String(child.stdout));
  const at = (n) => heap.samples.find((s) => s.calls === n);
  const first = at(1);
  const hundred = at(100);
  const last = heap.samples[heap.samples.length - 1];
  console.log(
    `\nanalyze(${values['gc-model']} file, ${heap.layers} layers) ${last.calls} times in one process (full GC before each sample):`,
  );
  console.log('\n| after call | heapUsed | RSS | elapsed |');
  console.log('|---|---|---|---|');
  for (const s of heap.samples)
    console.log(
      `| ${s.calls} | ${s.heapUsedMib.toFixed(2)} MiB | ${s.rssMib.toFixed(1)} MiB | ${s.seconds.toFixed(1)} s |`,
    );
  console.log(
    `\nheapUsed growth from call 100 to call ${last.calls}: ${(last.heapUsedMib - hundred.heapUsedMib).toFixed(3)} MiB ` +
      `(from call 1: ${(last.heapUsedMib - first.heapUsedMib).toFixed(3)} MiB); peak RSS ${heap.maxRssMib.toFixed(0)} MiB`,
  );
  console.log(
    `\nload average at end ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}; ${((Date.now() - started.getTime()) / 1000).toFixed(0)} s in all`,
  );
} finally {
  if (!values.keep) {
    if (values.out) for (const f of Object.values(files)) rmSync(f.path, { force: true });
    else rmSync(dir, { recursive: true, force: true });
  }
}
