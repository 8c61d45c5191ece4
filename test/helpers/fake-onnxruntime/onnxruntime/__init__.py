"""A stand-in for Python onnxruntime with only the API surface scripts/gpu-runner.py uses.

For efflint's tests on machines with no GPU and no Python onnxruntime: it lets the runner's
onnxruntime path (session options, CUDA provider options, IOBinding, profiling) run end to end and
fails loudly on any call the real package would not accept the same way. It computes nothing: each
run sums the bound inputs, so the recorded times say nothing about the models.
"""

import json
import os
import time

__version__ = '0.0.0-fake'

_PROVIDERS = os.environ.get('FAKE_ORT_PROVIDERS', 'CUDAExecutionProvider,CPUExecutionProvider').split(',')


def get_available_providers():
    return list(_PROVIDERS)


class GraphOptimizationLevel:
    ORT_DISABLE_ALL = 0
    ORT_ENABLE_BASIC = 1
    ORT_ENABLE_EXTENDED = 2
    ORT_ENABLE_ALL = 99


class ExecutionMode:
    ORT_SEQUENTIAL = 0
    ORT_PARALLEL = 1


class SessionOptions:
    _FIELDS = {'graph_optimization_level', 'execution_mode', 'intra_op_num_threads', 'inter_op_num_threads',
               'log_severity_level', 'enable_profiling', 'profile_file_prefix'}

    def __init__(self):
        object.__setattr__(self, 'enable_profiling', False)
        object.__setattr__(self, 'profile_file_prefix', 'onnxruntime_profile_')

    def __setattr__(self, name, value):
        if name not in self._FIELDS:
            raise AttributeError('SessionOptions has no attribute %r' % name)
        object.__setattr__(self, name, value)


class _Arg:
    def __init__(self, name):
        self.name = name


class OrtValue:
    def __init__(self, array, device):
        self.array = array
        self.device = device

    @staticmethod
    def ortvalue_from_numpy(array, device_type='cpu', device_id=0):
        if device_type not in ('cpu', 'cuda'):
            raise ValueError('device_type %r' % device_type)
        if not isinstance(device_id, int):
            raise TypeError('device_id must be an int')
        return OrtValue(array, (device_type, device_id))


class IOBinding:
    def __init__(self, session):
        self.session = session
        self.inputs = {}
        self.outputs = {}
        self.ran = False

    def bind_ortvalue_input(self, name, value):
        if not isinstance(value, OrtValue):
            raise TypeError('bind_ortvalue_input needs an OrtValue')
        self.inputs[name] = value

    def bind_output(self, name, device_type='cpu', device_id=0, element_type=None, shape=None, buffer_ptr=None):
        if name not in [o.name for o in self.session.get_outputs()]:
            raise ValueError('no output %r' % name)
        self.outputs[name] = (device_type, device_id)

    def synchronize_outputs(self):
        if not self.ran:
            raise RuntimeError('synchronize_outputs before any run')


class InferenceSession:
    def __init__(self, path, sess_options=None, providers=None):
        if not os.path.isfile(path):
            raise RuntimeError('[ONNXRuntimeError] : 3 : NO_SUCHFILE : %s' % path)
        if not isinstance(sess_options, SessionOptions):
            raise TypeError('sess_options must be a SessionOptions')
        names = []
        for p in providers or ['CPUExecutionProvider']:
            name, options = (p if isinstance(p, tuple) else (p, {}))
            if name not in _PROVIDERS:
                raise RuntimeError('provider %s is not available' % name)
            for key, value in options.items():
                if not isinstance(value, str):
                    raise TypeError('provider option %s must be a string' % key)
            names.append(name)
        self._providers = names
        self._options = sess_options
        self._runs = 0
        self._inputs = [_Arg('input')]
        self._outputs = [_Arg('output')]

    def get_providers(self):
        return list(self._providers)

    def get_inputs(self):
        return list(self._inputs)

    def get_outputs(self):
        return list(self._outputs)

    def run(self, output_names, feeds):
        if set(feeds) != {i.name for i in self._inputs}:
            raise ValueError('feeds %s' % sorted(feeds))
        self._runs += 1
        return [sum(float(v.sum()) for v in feeds.values())]

    def io_binding(self):
        return IOBinding(self)

    def run_with_iobinding(self, binding, run_options=None):
        if set(binding.inputs) != {i.name for i in self._inputs} or not binding.outputs:
            raise ValueError('binding is incomplete')
        binding.ran = True
        self._runs += 1
        return sum(float(v.array.sum()) for v in binding.inputs.values())

    def end_profiling(self):
        if not self._options.enable_profiling:
            raise RuntimeError('profiling is not enabled')
        path = '%s_%s.json' % (self._options.profile_file_prefix, time.strftime('%Y-%m-%d_%H-%M-%S'))
        events = [{'cat': 'Session', 'name': 'model_run', 'ph': 'X', 'ts': i * 100, 'dur': 50, 'args': {}} for i in range(self._runs)]
        with open(path, 'w') as f:
            json.dump(events, f)
        return path
