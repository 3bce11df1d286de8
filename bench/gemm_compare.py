#!/usr/bin/python3
"""Times, shape by shape, the kernel wajah's plan runs for each GEMM shape of the models and
OpenBLAS sgemm (through numpy) on the same M x N x K, alternating the two ROUNDS times and
keeping the best of each, so both figures of a row are taken under the same load. Prints one
table with both figures and their ratio. Run by bench/gemm_compare.sh:

    gemm_compare.py WAJAH MODELS

It starts `WAJAH bench nn -gemm -serve -models MODELS`, which lists the shapes ("shape <id>
<model> <M> <N> <K> <FLOP share> <kernel>") and then times one on request ("<id> <reps>
<ms>"). wajah's kernel column says what it times: the planned layer itself for
convolutions and fully connected layers (1x1 = GEMM with A in place; direct / padded =
implicit GEMM over kernel rows, padding copy included; flat = flat-lane direct
convolution, no GEMM at all; fc; pair = pnet's two heads as one GEMM), with its fused bias
and activation; dw+pw = a fused depthwise block's pointwise half (GEMM, bias, residual add,
ReLU, as the block runs it). OpenBLAS gets the plain product, the im2col'd A for free.
Both sides measure the calling thread's CPU time."""

import subprocess
import sys
import time

import numpy as np
import threadpoolctl

ROUNDS = 5  # ours / OpenBLAS pairs per shape
REPS = 2  # batches per side and round
BATCH_MS = 10.0  # thread CPU time per batch


def blas_info():
    for lib in threadpoolctl.threadpool_info():
        if lib.get("user_api") == "blas":
            return lib
    return {}


class Sgemm:
    """OpenBLAS on one shape, its operands made once."""

    def __init__(self, m, n, k):
        rng = np.random.default_rng(m * 31 + n * 7 + k)
        self.a = rng.random((m, k), dtype=np.float32)
        self.b = rng.random((k, n), dtype=np.float32)
        self.c = np.empty((m, n), dtype=np.float32)
        self.flop = 2.0 * m * n * k
        np.matmul(self.a, self.b, out=self.c)  # warm

    def gflops(self, reps, batch_ms):
        best = 0.0
        for _ in range(reps):
            calls, n = 0, 1
            t0 = time.thread_time()
            while True:  # read the clock after 1, 2, 4... calls, as wajah does
                for _ in range(n):
                    np.matmul(self.a, self.b, out=self.c)
                calls += n
                dt = time.thread_time() - t0
                if dt >= batch_ms / 1e3:
                    break
                n *= 2
            best = max(best, self.flop * calls / dt / 1e9)
        return best


def main():
    if len(sys.argv) != 3:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        sys.exit(2)
    wajah, models = sys.argv[1], sys.argv[2]
    info = blas_info()
    print("BLAS: %s %s, kernel (core type) %s, threads %s, %s" % (
        info.get("internal_api"), info.get("version"), info.get("architecture"),
        info.get("num_threads"), info.get("filepath")))
    if info.get("internal_api") != "openblas":
        print("numpy is not linked with OpenBLAS: the reference is not what this script claims", file=sys.stderr)
        sys.exit(1)
    peak = Sgemm(2048, 2048, 2048)
    peak0 = peak.gflops(3, 300)
    srv = subprocess.Popen([wajah, "bench", "nn", "-gemm", "-serve", "-models", models],
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
    shapes = []
    for line in srv.stdout:
        line = line.rstrip("\n")
        if line == "ready":
            break
        f = line.split("\t")
        if len(f) == 8 and f[0] == "shape":
            shapes.append((int(f[1]), f[2], int(f[3]), int(f[4]), int(f[5]), float(f[6]), f[7]))
    else:
        print("wajah bench nn -gemm -serve ended before listing its shapes", file=sys.stderr)
        sys.exit(1)

    def ours(sid):
        srv.stdin.write("%d %d %g\n" % (sid, REPS, BATCH_MS))
        srv.stdin.flush()
        ans = srv.stdout.readline()
        if not ans:
            print("wajah bench nn -gemm -serve ended", file=sys.stderr)
            sys.exit(1)
        return float(ans)

    print("%d rounds per shape, alternating wajah / OpenBLAS, best of each; thread CPU time" % ROUNDS)
    print("%-22s %7s %5s %5s %6s %-7s %9s %9s %6s" % ("model", "M", "N", "K", "FLOP%", "kern", "wajah", "openblas", "ratio"))
    rows = []
    for sid, model, m, n, k, share, kern in shapes:
        ref = Sgemm(m, n, k)
        w = b = 0.0
        for _ in range(ROUNDS):
            w = max(w, ours(sid))
            b = max(b, ref.gflops(REPS, BATCH_MS))
        rows.append((model, m, n, k, share, w, b, kern))
        mark = "  <-- >5% of the model, under 0.9x" if share > 0.05 and w < 0.9 * b else ""
        print("%-22s %7d %5d %5d %6.1f %-7s %9.1f %9.1f %6.2f%s" % (model, m, n, k, 100 * share, kern, w, b, w / b, mark), flush=True)
    srv.stdin.close()
    srv.wait()
    # The machine's one-thread ceiling as OpenBLAS reaches it (not a model shape), before
    # and after the table.
    print("OpenBLAS 2048x2048x2048, same settings: %.1f GFLOP/s before the table, %.1f after" % (peak0, peak.gflops(3, 300)))
    big = [r for r in rows if r[4] > 0.05]
    if big:
        worst = min(big, key=lambda r: r[5] / r[6])
        print("shapes over 5%% of a model's FLOPs: %d, at >= 0.9x OpenBLAS: %d, worst %.2f (%s %dx%dx%d %s)" % (
            len(big), sum(1 for r in big if r[5] >= 0.9 * r[6]), worst[5] / worst[6], worst[0], worst[1], worst[2], worst[3], worst[7]))


if __name__ == "__main__":
    main()
