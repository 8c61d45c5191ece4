#!/usr/bin/env python3
"""Measures an `efflint validate --export DIR` on a GPU and writes DIR/results/<id>.json for
`efflint validate --import DIR`.

Backends, tried in this order with --backend auto:
  onnxruntime  Python onnxruntime (onnxruntime-gpu for CUDA / TensorRT); the CPU provider works in any build.
  torch        PyTorch (+ cuDNN on a GPU) where no onnxruntime with the provider is installed; the ONNX
               files are read with the `onnx` package and run op by op in eager mode (the ops the
               experiments and reference networks use).

The protocol is the one efflint's own engine follows (manifest.json `protocol`): one session (or
module) per variant, all created before timing; warm-up rounds, then blocks of rounds, every round
running each variant once, block b starting at variant b mod n; per run the wall time (device
synchronised before the clock stops) and the process CPU time. Results format: docs/validation-gpu.md.

Usage:
  python3 gpu-runner.py DIR [--provider cuda|tensorrt|cpu] [--backend auto|onnxruntime|torch] [--device N]
                        [--opt-level all|disabled|both] [--blocks N] [--runs N] [--warmup N]
                        [--only ID[,ID...]] [--trace] [--tf32] [--quiet] [--dump-outputs OUT]
Needs Python 3.8+ and numpy; onnxruntime(-gpu), or torch and onnx.
"""

import argparse
import gc
import json
import os
import platform
import shutil
import subprocess
import sys
import time

RUNNER = 'gpu-runner.py 1'
MANIFEST_SCHEMA_VERSION = 1
RESULTS_SCHEMA_VERSION = 1
PROFILED_RUNS = 10
ORT_PROVIDERS = {'cuda': 'CUDAExecutionProvider', 'tensorrt': 'TensorrtExecutionProvider', 'cpu': 'CPUExecutionProvider'}


class RunnerError(Exception):
    """A problem to report in one line (exit 2)."""


def fail(message):
    sys.stderr.write('gpu-runner: %s\n' % message)
    sys.exit(2)


def log(args, message):
    if not args.quiet:
        sys.stderr.write('gpu-runner: %s\n' % message)
        sys.stderr.flush()


def cpu_name():
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or 'unknown'


def nvidia_smi_name(device_id):
    try:
        out = subprocess.run(['nvidia-smi', '--query-gpu=name', '--format=csv,noheader', '-i', str(device_id)],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, universal_newlines=True, timeout=20)
        name = out.stdout.strip().splitlines()
        if out.returncode == 0 and name:
            return name[0]
    except (OSError, subprocess.SubprocessError):
        pass
    return 'CUDA device %d' % device_id


def load_average():
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (OSError, AttributeError):
        return None


def rotation(n, b):
    """Block b (or warm-up round b) runs variants b mod n, b+1 mod n, ..."""
    return [(b + k) % n for k in range(n)]


def make_feeds(np, variant, seed):
    feeds = {}
    for k, spec in enumerate(variant['inputs']):
        if spec['dtype'] != 'float32':
            raise RunnerError('%s: input %s is %s; the experiments have float32 inputs only' % (variant['file'], spec['name'], spec['dtype']))
        rng = np.random.default_rng(seed + k)
        feeds[spec['name']] = rng.uniform(-1.0, 1.0, size=tuple(spec['shape'])).astype(np.float32)
    return feeds


def ramp_feeds(np, variant):
    """Deterministic inputs for --dump-outputs: x[i] = (i mod 251) / 125 - 1, easy to rebuild in any language."""
    feeds = {}
    for spec in variant['inputs']:
        n = 1
        for d in spec['shape']:
            n *= d
        x = (np.arange(n, dtype=np.float64) % 251) / 125.0 - 1.0
        feeds[spec['name']] = x.astype(np.float32).reshape(tuple(spec['shape']))
    return feeds


# ---------------------------------------------------------------------------------------------
# onnxruntime backend


class OrtBackend:
    """Python onnxruntime: one InferenceSession per variant; on a GPU inputs and outputs stay on the device (IOBinding)."""

    name = 'onnxruntime'

    def __init__(self, args, ort, np):
        self.args = args
        self.ort = ort
        self.np = np
        self.provider = args.provider
        self.device_id = args.device
        self.cache = os.path.join(args.dir, 'trt-cache')
        self.tf32 = 'default'

    @staticmethod
    def available(ort, provider):
        return ORT_PROVIDERS[provider] in ort.get_available_providers()

    def opt_levels(self, wanted):
        return wanted

    def _providers(self, use_tf32):
        cuda = {'device_id': str(self.device_id), 'cudnn_conv_algo_search': 'EXHAUSTIVE'}
        if use_tf32 is not None:
            cuda['use_tf32'] = '1' if use_tf32 else '0'
        if self.provider == 'cuda':
            return [('CUDAExecutionProvider', cuda), 'CPUExecutionProvider']
        if self.provider == 'tensorrt':
            os.makedirs(self.cache, exist_ok=True)
            trt = {'device_id': str(self.device_id), 'trt_engine_cache_enable': 'True', 'trt_engine_cache_path': self.cache}
            return [('TensorrtExecutionProvider', trt), ('CUDAExecutionProvider', cuda), 'CPUExecutionProvider']
        return ['CPUExecutionProvider']

    def _options(self, opt_level, profile_prefix=None):
        ort = self.ort
        so = ort.SessionOptions()
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL if opt_level == 'all' else ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        so.intra_op_num_threads = 1
        so.inter_op_num_threads = 1
        so.log_severity_level = 3
        if profile_prefix is not None:
            so.enable_profiling = True
            so.profile_file_prefix = profile_prefix
        return so

    def _session(self, path, opt_level, profile_prefix=None):
        so = self._options(opt_level, profile_prefix)
        # TF32 off unless --tf32: the paper's FP32 convolutions. Builds that do not know the option refuse it: retry without.
        want = None if self.provider == 'cpu' else bool(self.args.tf32)
        try:
            session = self.ort.InferenceSession(path, sess_options=so, providers=self._providers(want))
            if want is not None:
                self.tf32 = 'on' if want else 'off'
        except Exception:
            if want is None:
                raise
            session = self.ort.InferenceSession(path, sess_options=self._options(opt_level, profile_prefix), providers=self._providers(None))
            self.tf32 = 'default'
        got = session.get_providers()
        if not got or got[0] != ORT_PROVIDERS[self.provider]:
            raise RunnerError('%s: onnxruntime gave providers %s, not %s (missing CUDA/cuDNN/TensorRT libraries?)' % (path, got, ORT_PROVIDERS[self.provider]))
        return session

    def load(self, path, opt_level, feeds):
        session = self._session(path, opt_level)
        return self._runner(session, feeds)

    def _runner(self, session, feeds):
        if self.provider == 'cpu':
            def run():
                outputs = session.run(None, feeds)
                del outputs
            run.session = session
            return run
        ort = self.ort
        binding = session.io_binding()
        kept = []
        for name, array in feeds.items():
            value = ort.OrtValue.ortvalue_from_numpy(array, 'cuda', self.device_id)
            kept.append(value)
            binding.bind_ortvalue_input(name, value)
        for output in session.get_outputs():
            binding.bind_output(output.name, 'cuda', self.device_id)

        def run():
            session.run_with_iobinding(binding)
            binding.synchronize_outputs()
        run.session = session
        run.kept = kept
        return run

    def trace(self, path, opt_level, feeds, prefix):
        session = self._session(path, opt_level, profile_prefix=prefix)
        run = self._runner(session, feeds)
        for _ in range(1 + PROFILED_RUNS):
            run()
        return session.end_profiling()

    def outputs(self, path, feeds):
        session = self._session(path, 'all')
        return session.run(None, feeds)[0]

    def device(self):
        ort = self.ort
        version = ort.__version__
        try:
            from onnxruntime.capi import build_and_package_info as info  # GPU builds record their CUDA / cuDNN
            extra = []
            if getattr(info, 'cuda_version', None):
                extra.append('CUDA %s' % info.cuda_version)
            if getattr(info, 'cudnn_version', None):
                extra.append('cuDNN %s' % info.cudnn_version)
            if extra and self.provider != 'cpu':
                version += ', ' + ', '.join(extra)
        except ImportError:
            pass
        if self.provider != 'cpu':
            version += ', TF32 %s' % self.tf32
        return {
            'accelerator': None if self.provider == 'cpu' else nvidia_smi_name(self.device_id),
            'backend': 'onnxruntime',
            'backendVersion': version,
            'provider': self.provider,
            'intraOpThreads': 1,
            'onnxruntime': ort.__version__,
        }


# ---------------------------------------------------------------------------------------------
# PyTorch backend: the ONNX graph run op by op in eager mode


class TorchBackend:
    """PyTorch eager mode (cuDNN on a GPU, with its benchmarking function as in the paper)."""

    name = 'torch'

    def __init__(self, args, torch, onnx, np):
        self.args = args
        self.torch = torch
        self.onnx = onnx
        self.np = np
        self.provider = args.provider
        if args.provider == 'cpu':
            self.dev = torch.device('cpu')
            torch.set_num_threads(1)
            try:
                torch.set_num_interop_threads(1)
            except RuntimeError:
                pass  # already set once in this process
        else:
            if not torch.cuda.is_available():
                raise RunnerError('torch has no CUDA device (torch %s, CUDA %s)' % (torch.__version__, torch.version.cuda))
            self.dev = torch.device('cuda', args.device)
            torch.cuda.set_device(self.dev)
            torch.backends.cudnn.benchmark = True
            torch.backends.cudnn.allow_tf32 = bool(args.tf32)
            torch.backends.cuda.matmul.allow_tf32 = bool(args.tf32)

    def opt_levels(self, wanted):
        # Eager PyTorch runs every node as written, one kernel (or more) each, like onnxruntime's level
        # disabled; nothing is fused, so there is one level and it is recorded as disabled.
        return ['disabled']

    def load(self, path, opt_level, feeds):
        torch = self.torch
        module = OnnxModule(torch, self.onnx, path, self.dev)
        inputs = [torch.from_numpy(feeds[name]).to(self.dev) for name in module.input_names]
        cuda = self.dev.type == 'cuda'

        def run():
            with torch.inference_mode():
                outputs = module(inputs)
            if cuda:
                torch.cuda.synchronize(self.dev)
            del outputs
        run.module = module
        return run

    def trace(self, path, opt_level, feeds, prefix):
        return None

    def outputs(self, path, feeds):
        torch = self.torch
        module = OnnxModule(torch, self.onnx, path, self.dev)
        inputs = [torch.from_numpy(feeds[name]).to(self.dev) for name in module.input_names]
        with torch.inference_mode():
            return module(inputs)[0].float().cpu().numpy()

    def device(self):
        torch = self.torch
        version = torch.__version__
        if self.dev.type == 'cuda':
            version += ', CUDA %s, cuDNN %s, TF32 %s' % (torch.version.cuda, torch.backends.cudnn.version(), 'on' if self.args.tf32 else 'off')
        return {
            'accelerator': torch.cuda.get_device_name(self.dev) if self.dev.type == 'cuda' else None,
            'backend': 'torch',
            'backendVersion': version,
            'provider': self.provider,
            'intraOpThreads': torch.get_num_threads() if self.dev.type == 'cpu' else None,
            'onnxruntime': None,
        }


def _attrs(onnx, node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _text(v):
    return v.decode() if isinstance(v, bytes) else v


class OnnxModule:
    """An ONNX graph as a list of PyTorch calls, resolved once at load time (attributes, constant inputs)."""

    SUPPORTED = ('Conv', 'Relu', 'Add', 'Mul', 'Sigmoid', 'Clip', 'Concat', 'Reshape', 'Transpose', 'Flatten', 'Split',
                 'ReduceMean', 'BatchNormalization', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'Gemm', 'MatMul',
                 'Identity', 'Dropout', 'Constant')

    def __init__(self, torch, onnx, path, dev):
        from onnx import numpy_helper
        self.torch = torch
        self.F = torch.nn.functional
        model = onnx.load(path)
        graph = model.graph
        self.path = path
        self.consts = {}
        for t in graph.initializer:
            self.consts[t.name] = numpy_helper.to_array(t)
        init_names = set(self.consts)
        self.input_names = [i.name for i in graph.input if i.name not in init_names]
        self.output_names = [o.name for o in graph.output]
        self.tensors = {}
        for name, array in self.consts.items():
            self.tensors[name] = torch.from_numpy(array.copy()).to(dev)
        self.steps = []
        for node in graph.node:
            if node.op_type not in self.SUPPORTED or (node.domain not in ('', 'ai.onnx')):
                raise RunnerError('%s: op %s%s is not mapped to PyTorch (mapped: %s)' % (path, node.domain + ':' if node.domain else '', node.op_type, ', '.join(self.SUPPORTED)))
            if node.op_type == 'Constant':
                value = numpy_helper.to_array(_attrs(onnx, node)['value'])
                self.consts[node.output[0]] = value
                self.tensors[node.output[0]] = torch.from_numpy(value.copy()).to(dev)
                continue
            self.steps.append((self._compile(node, _attrs(onnx, node)), list(node.input), list(node.output)))

    def const(self, name, what):
        if name not in self.consts:
            raise RunnerError('%s: %s must be a constant (initializer) for the PyTorch path' % (self.path, what))
        return self.consts[name]

    def _pads(self, attrs, spatial, what):
        auto = _text(attrs.get('auto_pad', 'NOTSET'))
        if auto not in ('NOTSET', 'VALID'):
            raise RunnerError('%s: %s auto_pad %s is not mapped (explicit pads only)' % (self.path, what, auto))
        pads = list(attrs.get('pads', [0] * (2 * spatial))) if auto == 'NOTSET' else [0] * (2 * spatial)
        begin, end = pads[:spatial], pads[spatial:]
        return begin, end

    def _compile(self, node, a):
        torch, F = self.torch, self.F
        op = node.op_type
        if op == 'Conv':
            w = self.tensors[node.input[1]]
            b = self.tensors[node.input[2]] if len(node.input) > 2 and node.input[2] else None
            spatial = w.dim() - 2
            conv = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}.get(spatial)
            if conv is None:
                raise RunnerError('%s: Conv with %d spatial dims' % (self.path, spatial))
            stride = list(a.get('strides', [1] * spatial))
            dilation = list(a.get('dilations', [1] * spatial))
            group = a.get('group', 1)
            begin, end = self._pads(a, spatial, 'Conv')
            if begin == end:
                return lambda x, *_: conv(x, w, b, stride, begin, dilation, group)
            torch_pad = [p for i in reversed(range(spatial)) for p in (begin[i], end[i])]
            return lambda x, *_: conv(F.pad(x, torch_pad), w, b, stride, 0, dilation, group)
        if op == 'Relu':
            return lambda x: F.relu(x)
        if op == 'Sigmoid':
            return lambda x: torch.sigmoid(x)
        if op == 'Add':
            return lambda x, y: torch.add(x, y)
        if op == 'Mul':
            return lambda x, y: torch.mul(x, y)
        if op == 'Identity' or op == 'Dropout':
            return lambda x, *_: x
        if op == 'Clip':
            lo = a.get('min')
            hi = a.get('max')
            if len(node.input) > 1 and node.input[1]:
                lo = float(self.const(node.input[1], 'Clip min'))
            if len(node.input) > 2 and node.input[2]:
                hi = float(self.const(node.input[2], 'Clip max'))
            return lambda x, *_: torch.clamp(x, lo, hi)
        if op == 'Concat':
            axis = a['axis']
            return lambda *xs: torch.cat(xs, dim=axis)
        if op == 'Reshape':
            shape = [int(d) for d in self.const(node.input[1], 'Reshape shape')]
            allowzero = a.get('allowzero', 0)

            def reshape(x, *_):
                dims = [x.shape[i] if d == 0 and not allowzero else d for i, d in enumerate(shape)]
                return torch.reshape(x, dims)
            return reshape
        if op == 'Transpose':
            perm = list(a['perm']) if 'perm' in a else None
            # Materialised, as onnxruntime's Transpose and torchvision's channel_shuffle (.contiguous()) do.
            return lambda x: (x.permute(*perm) if perm is not None else x.permute(*reversed(range(x.dim())))).contiguous()
        if op == 'Flatten':
            axis = a.get('axis', 1)

            def flatten(x):
                ax = axis if axis >= 0 else axis + x.dim()
                lead = 1
                for d in x.shape[:ax]:
                    lead *= d
                return torch.reshape(x, (lead, -1))
            return flatten
        if op == 'Split':
            axis = a.get('axis', 0)
            sizes = None
            if len(node.input) > 1 and node.input[1]:
                sizes = [int(s) for s in self.const(node.input[1], 'Split sizes')]
            elif 'split' in a:
                sizes = list(a['split'])
            parts = len(node.output)

            def split(x, *_):
                s = sizes if sizes is not None else x.shape[axis] // parts
                return torch.split(x, s, dim=axis)
            return split
        if op == 'ReduceMean':
            axes = list(a['axes']) if 'axes' in a else None
            if axes is None and len(node.input) > 1 and node.input[1]:
                axes = [int(v) for v in self.const(node.input[1], 'ReduceMean axes')]
            keep = bool(a.get('keepdims', 1))
            return lambda x, *_: torch.mean(x, dim=axes if axes is not None else list(range(x.dim())), keepdim=keep)
        if op == 'BatchNormalization':
            eps = a.get('epsilon', 1e-5)
            scale, bias, mean, var = (self.tensors[n] for n in node.input[1:5])
            return lambda x, *_: F.batch_norm(x, mean, var, scale, bias, False, 0.0, eps)
        if op in ('MaxPool', 'AveragePool'):
            k = list(a['kernel_shape'])
            spatial = len(k)
            if spatial != 2:
                raise RunnerError('%s: %s over %d dims is not mapped' % (self.path, op, spatial))
            stride = list(a.get('strides', [1] * spatial))
            ceil = bool(a.get('ceil_mode', 0))
            begin, end = self._pads(a, spatial, op)
            if begin != end:
                raise RunnerError('%s: %s with asymmetric pads is not mapped' % (self.path, op))
            if op == 'MaxPool':
                dilation = list(a.get('dilations', [1] * spatial))
                return lambda x: F.max_pool2d(x, k, stride, begin, dilation, ceil)
            include = bool(a.get('count_include_pad', 0))
            return lambda x: F.avg_pool2d(x, k, stride, begin, ceil, include)
        if op == 'GlobalAveragePool':
            return lambda x: F.adaptive_avg_pool2d(x, 1) if x.dim() == 4 else torch.mean(x, dim=list(range(2, x.dim())), keepdim=True)
        if op == 'Gemm':
            alpha = a.get('alpha', 1.0)
            beta = a.get('beta', 1.0)
            ta = a.get('transA', 0)
            tb = a.get('transB', 0)

            def gemm(x, w, c=None):
                x = x.t() if ta else x
                if tb and alpha == 1.0 and (c is None or beta == 1.0):
                    return F.linear(x, w, c)
                y = torch.matmul(x, w.t() if tb else w)
                if alpha != 1.0:
                    y = y * alpha
                if c is not None:
                    y = y + (c * beta if beta != 1.0 else c)
                return y
            return gemm
        if op == 'MatMul':
            return lambda x, y: torch.matmul(x, y)
        raise RunnerError('%s: op %s is not mapped' % (self.path, op))

    def __call__(self, inputs):
        env = dict(self.tensors)
        for name, value in zip(self.input_names, inputs):
            env[name] = value
        for fn, ins, outs in self.steps:
            args = [env[n] for n in ins if n]
            result = fn(*args)
            if len(outs) == 1:
                env[outs[0]] = result
            else:
                for name, value in zip(outs, result):
                    env[name] = value
        return [env[n] for n in self.output_names]


# ---------------------------------------------------------------------------------------------


def choose_backend(args):
    try:
        import numpy as np
    except ImportError:
        raise RunnerError('numpy is not installed (pip install numpy)')
    errors = []
    if args.backend in ('auto', 'onnxruntime'):
        try:
            import onnxruntime as ort
            if OrtBackend.available(ort, args.provider):
                return OrtBackend(args, ort, np)
            errors.append('onnxruntime %s has no %s (it has %s)' % (ort.__version__, ORT_PROVIDERS[args.provider], ', '.join(ort.get_available_providers())))
        except ImportError:
            errors.append('onnxruntime is not installed')
    if args.backend in ('auto', 'torch'):
        if args.provider == 'tensorrt':
            errors.append('the PyTorch path has no TensorRT')
        else:
            try:
                import torch
                import onnx
                return TorchBackend(args, torch, onnx, np)
            except ImportError as err:
                errors.append('PyTorch path: %s' % err)
    raise RunnerError('no backend for --provider %s: %s (install onnxruntime-gpu, or torch and onnx)' % (args.provider, '; '.join(errors)))


def measure(backend, args, m, opt_level, feeds):
    blocks = args.blocks if args.blocks is not None else m['blocks']
    runs_per_block = args.runs if args.runs is not None else m['runsPerBlock']
    warmup = args.warmup if args.warmup is not None else m['warmup']
    runners = []
    for v, f in zip(m['variants'], feeds):
        path = os.path.join(args.dir, v['file'])
        try:
            runners.append(backend.load(path, opt_level, f))
        except RunnerError:
            raise
        except Exception as err:
            raise RunnerError('%s: %s cannot load it: %s' % (v['file'], backend.name, str(err).splitlines()[0] if str(err) else type(err).__name__))
    n = len(runners)
    wall = [[] for _ in range(n)]
    cpu = [[] for _ in range(n)]
    gc.collect()
    gc.disable()
    try:
        for r in range(warmup):
            for v in rotation(n, r):
                runners[v]()
        for b in range(blocks):
            for v in range(n):
                wall[v].append([])
                cpu[v].append([])
            for _ in range(runs_per_block):
                for v in rotation(n, b):
                    c0 = time.process_time()
                    t0 = time.perf_counter()
                    runners[v]()
                    t1 = time.perf_counter()
                    c1 = time.process_time()
                    wall[v][b].append((t1 - t0) * 1000.0)
                    cpu[v][b].append((c1 - c0) * 1000.0)
    finally:
        gc.enable()
    del runners
    gc.collect()
    return {
        'optLevel': opt_level,
        'blocks': blocks,
        'runsPerBlock': runs_per_block,
        'warmup': warmup,
        'variants': [{'label': v['label'], 'file': v['file'], 'wallMs': wall[i], 'cpuMs': cpu[i], 'trace': None} for i, v in enumerate(m['variants'])],
    }


def write_json(path, value):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = '%s.%d.tmp' % (path, os.getpid())
    with open(tmp, 'w') as f:
        json.dump(value, f, indent=1)
        f.write('\n')
    os.replace(tmp, path)


def dump_outputs(backend, args, measurements, np):
    os.makedirs(args.dump_outputs, exist_ok=True)
    for m in measurements:
        for v in m['variants']:
            y = np.ascontiguousarray(backend.outputs(os.path.join(args.dir, v['file']), ramp_feeds(np, v)), dtype=np.float32)
            stem = os.path.join(args.dump_outputs, v['model'])
            y.astype('<f4').tofile(stem + '.f32')
            with open(stem + '.json', 'w') as f:
                json.dump({'model': v['model'], 'shape': list(y.shape)}, f)
    log(args, 'wrote outputs of %d models to %s' % (sum(len(m['variants']) for m in measurements), args.dump_outputs))


def main(argv):
    p = argparse.ArgumentParser(prog='gpu-runner.py', description='Measure an efflint validate --export directory (docs/validation-gpu.md).')
    p.add_argument('dir', help='the directory efflint validate --export wrote')
    p.add_argument('--provider', choices=['cuda', 'tensorrt', 'cpu'], default='cuda')
    p.add_argument('--backend', choices=['auto', 'onnxruntime', 'torch'], default='auto')
    p.add_argument('--device', type=int, default=0, help='CUDA device index (default 0)')
    p.add_argument('--opt-level', choices=['all', 'disabled', 'both'], help="onnxruntime levels (default: the manifest's); PyTorch has one: disabled")
    p.add_argument('--blocks', type=int)
    p.add_argument('--runs', type=int, help='timed runs of each variant per block')
    p.add_argument('--warmup', type=int)
    p.add_argument('--only', help='comma-separated measurement ids (default all)')
    p.add_argument('--trace', action='store_true', help='also write an onnxruntime profile per variant to DIR/traces (efflint profile --trace)')
    p.add_argument('--tf32', action='store_true', help='allow TF32 convolutions on Ampere and later (default off: FP32 as in the paper)')
    p.add_argument('--dump-outputs', metavar='OUT', help='measure nothing: write each model\'s first output on a fixed input to OUT (checks the PyTorch op mapping)')
    p.add_argument('--quiet', action='store_true')
    args = p.parse_args(argv)
    for name in ('blocks', 'runs'):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            p.error('--%s must be at least 1' % name)
    if args.warmup is not None and args.warmup < 0:
        p.error('--warmup must be at least 0')

    manifest_path = os.path.join(args.dir, 'manifest.json')
    try:
        with open(manifest_path) as f:
            manifest = json.load(f)
    except (OSError, ValueError) as err:
        raise RunnerError('%s: %s' % (manifest_path, err))
    if manifest.get('schemaVersion') != MANIFEST_SCHEMA_VERSION or manifest.get('kind') != 'efflint-validate-export':
        raise RunnerError('%s: not an efflint validate --export manifest of schemaVersion %d' % (manifest_path, MANIFEST_SCHEMA_VERSION))
    measurements = manifest['measurements']
    if args.only:
        ids = args.only.split(',')
        unknown = [i for i in ids if i not in [m['id'] for m in measurements]]
        if unknown:
            raise RunnerError('--only: no measurement %s in the manifest' % ', '.join(unknown))
        measurements = [m for m in measurements if m['id'] in ids]

    backend = choose_backend(args)
    import numpy as np
    if args.dump_outputs:
        dump_outputs(backend, args, measurements, np)
        return
    wanted = ['all', 'disabled'] if args.opt_level == 'both' else [args.opt_level] if args.opt_level else list(manifest['protocol']['optLevels'])
    levels = backend.opt_levels(wanted)
    if args.opt_level and levels != wanted:
        raise RunnerError('--opt-level %s: the %s backend has one level, %s' % (args.opt_level, backend.name, ', '.join(levels)))
    clock = 'cpu' if args.provider == 'cpu' else 'gpu-wall'
    log(args, 'backend %s, provider %s, opt level %s, clock %s' % (backend.name, args.provider, ', '.join(levels), clock))
    device = None
    for m in measurements:
        started = time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())
        t0 = time.perf_counter()
        load_start = load_average()
        feeds = [make_feeds(np, v, manifest['protocol']['inputSeed']) for v in m['variants']]
        measured = []
        for level in levels:
            log(args, '%s, opt %s (%d variants)' % (m['id'], level, len(m['variants'])))
            entry = measure(backend, args, m, level, feeds)
            if args.trace:
                for i, v in enumerate(m['variants']):
                    entry['variants'][i]['trace'] = write_trace(backend, args, m, level, v, feeds[i])
            measured.append(entry)
        if device is None:
            info = backend.device()
            device = {
                'accelerator': info['accelerator'],
                'cpu': cpu_name(),
                'logicalCores': os.cpu_count() or 1,
                'platform': sys.platform,
                'arch': platform.machine(),
                'backend': info['backend'],
                'backendVersion': info['backendVersion'],
                'provider': info['provider'],
                'intraOpThreads': info['intraOpThreads'],
                'onnxruntime': info['onnxruntime'],
                'python': platform.python_version(),
            }
        load_end = load_average()
        write_json(os.path.join(args.dir, m['results']), {
            'schemaVersion': RESULTS_SCHEMA_VERSION,
            'kind': 'efflint-validate-results',
            'exportId': manifest['exportId'],
            'measurement': m['id'],
            'runner': RUNNER,
            'clock': clock,
            'device': device,
            'interleaving': manifest['protocol']['interleaving'],
            'measured': measured,
            'loadAverage': {'start': load_start, 'end': load_end} if load_start and load_end else None,
            'startedAt': started,
            'elapsedSeconds': round(time.perf_counter() - t0, 1),
        })
    log(args, 'wrote %d results files to %s' % (len(measurements), os.path.join(args.dir, 'results')))


def write_trace(backend, args, m, level, variant, feeds):
    if not hasattr(backend, 'ort'):
        return None
    trace_dir = os.path.join(args.dir, 'traces', m['id'])
    os.makedirs(trace_dir, exist_ok=True)
    stem = '%s-%s' % (level, variant['model'])
    written = backend.trace(os.path.join(args.dir, variant['file']), level, feeds, os.path.join(trace_dir, stem + '.tmp'))
    if not written:
        return None
    rel = 'traces/%s/%s.json' % (m['id'], stem)
    shutil.move(written, os.path.join(args.dir, rel))
    return rel


if __name__ == '__main__':
    try:
        main(sys.argv[1:])
    except RunnerError as err:
        fail(str(err))
    except KeyboardInterrupt:
        fail('interrupted')
