#!/usr/bin/python3
"""Times OpenBLAS sgemm (through numpy) on the GEMM shapes wajah printed and prints one
table with both figures and their ratio. Reads `wajah bench nn -gemm` lines on stdin:
gemm <model> <M> <N> <K> <FLOP share> <wajah GFLOP/s> [kernel]. Run by bench/gemm_compare.sh.
kernel "flat" marks a layer wajah runs as a flat-lane direct convolution (no im2col, no
GEMM): its figure is the whole layer's, padding included, while OpenBLAS gets the
im2col'd M x K matrix for free."""

import sys
import time

import numpy as np
import threadpoolctl


def blas_info():
    for lib in threadpoolctl.threadpool_info():
        if lib.get("user_api") == "blas":
            return lib
    return {}


def sgemm_gflops(m, n, k, reps=5, min_batch=0.02):
    rng = np.random.default_rng(m * 31 + n * 7 + k)
    a = rng.random((m, k), dtype=np.float32)
    b = rng.random((k, n), dtype=np.float32)
    c = np.empty((m, n), dtype=np.float32)
    best = 0.0
    for _ in range(reps):
        calls = 0
        t0 = time.perf_counter()
        while True:
            np.matmul(a, b, out=c)
            calls += 1
            dt = time.perf_counter() - t0
            if dt >= min_batch:
                break
        best = max(best, 2.0 * m * n * k * calls / dt / 1e9)
    return best


def main():
    info = blas_info()
    print("BLAS: %s %s, kernel (core type) %s, threads %s, %s" % (
        info.get("internal_api"), info.get("version"), info.get("architecture"),
        info.get("num_threads"), info.get("filepath")))
    if info.get("internal_api") != "openblas":
        print("numpy is not linked with OpenBLAS: the reference is not what this script claims", file=sys.stderr)
        sys.exit(1)
    rows = []
    for line in sys.stdin:
        f = line.rstrip("\n").split("\t")
        if len(f) not in (7, 8) or f[0] != "gemm":
            continue
        model, m, n, k, share, ours = f[1], int(f[2]), int(f[3]), int(f[4]), float(f[5]), float(f[6])
        kern = f[7] if len(f) == 8 else "gemm"
        rows.append((model, m, n, k, share, ours, sgemm_gflops(m, n, k), kern))
    print("%-22s %7s %5s %5s %6s %-5s %9s %9s %6s" % ("model", "M", "N", "K", "FLOP%", "kern", "wajah", "openblas", "ratio"))
    for model, m, n, k, share, ours, ref, kern in rows:
        mark = "  <-- >5% of the model, under 0.9x" if share > 0.05 and ours < 0.9 * ref else ""
        print("%-22s %7d %5d %5d %6.1f %-5s %9.1f %9.1f %6.2f%s" % (model, m, n, k, 100 * share, kern, ours, ref, ours / ref, mark))
    # The machine's one-thread ceiling as OpenBLAS reaches it (not a model shape).
    print("OpenBLAS 2048x2048x2048, same settings: %.1f GFLOP/s" % sgemm_gflops(2048, 2048, 2048, reps=3, min_batch=0.2))
    big = [r for r in rows if r[4] > 0.05]
    if big:
        worst = min(big, key=lambda r: r[5] / r[6])
        print("shapes over 5%% of a model's FLOPs: %d, at >= 0.9x OpenBLAS: %d, worst %.2f (%s %dx%dx%d)" % (
            len(big), sum(1 for r in big if r[5] >= 0.9 * r[6]), worst[5] / worst[6], worst[0], worst[1], worst[2], worst[3]))


if __name__ == "__main__":
    main()
