#!/usr/bin/python3
"""Benchmark: `efflint analyze` against Debian's python3-onnx (onnx.load + shape_inference.infer_shapes)
on single-file models whose weights weigh ~100 MB and ~1 GB (same graph), in one run.

Usage (from the repository root, after `npm ci`):
    /usr/bin/python3 bench/analyze-large.py [--layers 16] [--out bench/out]

Prints wall time and peak RSS for both tools on both models, and the ratios. Each measured command
runs in its own child process; peak RSS is that child's ru_maxrss.
"""
import argparse
import os
import resource
import subprocess
import sys
import time

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def build(path, layers, width):
    """A chain of MatMul+Relu layers with [width, width] float32 weights, stored inline (raw_data)."""
    rng = np.random.default_rng(0)
    nodes, inits = [], []
    x = "input"
    for i in range(layers):
        w = rng.standard_normal((width, width), dtype=np.float32)
        inits.append(numpy_helper.from_array(w, name=f"w{i}"))
        nodes.append(helper.make_node("MatMul", [x, f"w{i}"], [f"mm{i}"], name=f"layer{i}.matmul"))
        nodes.append(helper.make_node("Relu", [f"mm{i}"], [f"r{i}"], name=f"layer{i}.relu"))
        x = f"r{i}"
    graph = helper.make_graph(
        nodes, "large",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", width])],
        [helper.make_tensor_value_info(x, TensorProto.FLOAT, None)],
        initializer=inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="efflint-bench")
    with open(path, "wb") as f:
        f.write(model.SerializeToString())
    return os.path.getsize(path)


MEASURE = (
    "import resource,subprocess,sys,time;"
    "t=time.perf_counter();r=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL);"
    "dt=time.perf_counter()-t;"
    "print(r.returncode, dt, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)

PEER = (
    "import sys,onnx;m=onnx.load(sys.argv[1]);"
    "m=onnx.shape_inference.infer_shapes(m);print(len(m.graph.value_info))"
)


def measure(cmd, repeats):
    """Best-of-N wall time (s) and peak RSS (MiB) of a command, each run in a fresh process."""
    best_t, peak = float("inf"), 0
    for _ in range(repeats):
        out = subprocess.run([sys.executable, "-c", MEASURE, *cmd], capture_output=True, text=True, check=True)
        code, dt, rss_kib = out.stdout.split()
        if code != "0":
            raise SystemExit(f"command failed ({code}): {' '.join(cmd)}")
        best_t, peak = min(best_t, float(dt)), max(peak, int(rss_kib) / 1024)
    return best_t, peak


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--layers", type=int, default=16)
    ap.add_argument("--out", default="bench/out")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    efflint = ["node", "bin/efflint.js", "analyze", "--format", "json"]
    rows = []
    for label, width in (("small", 1280), ("large", 4096)):
        path = os.path.join(args.out, f"analyze-{label}.onnx")
        size = build(path, args.layers, width)
        t_e, m_e = measure([*efflint, path], args.repeats)
        t_p, m_p = measure(["/usr/bin/python3", "-c", PEER, path], args.repeats)
        rows.append((label, size, t_e, m_e, t_p, m_p))
    print(f"{'model':8} {'file MiB':>9} {'efflint s':>10} {'efflint MiB':>12} {'onnx s':>8} {'onnx MiB':>9} {'time x':>7} {'mem x':>6}")
    for label, size, t_e, m_e, t_p, m_p in rows:
        print(f"{label:8} {size / 2**20:9.0f} {t_e:10.3f} {m_e:12.0f} {t_p:8.3f} {m_p:9.0f} {t_p / t_e:7.1f} {m_p / m_e:6.1f}")
    (_, s0, t0, *_), (_, s1, t1, *_) = rows
    print(f"efflint time, large/small model: {t1 / t0:.2f}x for {s1 / s0:.1f}x the weight bytes")


if __name__ == "__main__":
    main()
