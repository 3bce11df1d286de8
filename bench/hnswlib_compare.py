#!/usr/bin/python3
"""hnswlib side of `wajah bench index --hnswlib`: same vectors (.fvecs written by the Go
command), same M / efConstruction / efSearch list, same exact ground truth (numpy inner
product on normalized vectors), printed in the Go command's layout.

QPS is measured with one knn_query call over all queries on one thread (no per-query
Python overhead, the fairest number for hnswlib), by wall clock and per second of
process CPU time (the robust figure on a shared machine); p50/p99 come from one call per query
and so include ~2-5 us of Python call overhead.

Install: apt-get install -y python3-hnswlib python3-numpy; run with /usr/bin/python3.
"""
import argparse
import importlib.metadata
import os
import tempfile
import time

import hnswlib
import numpy as np


def read_fvecs(path):
    raw = np.fromfile(path, dtype=np.int32)
    if raw.size == 0:
        raise SystemExit(f"{path}: empty")
    dim = int(raw[0])
    rows = raw.reshape(-1, dim + 1)
    if not (rows[:, 0] == dim).all():
        raise SystemExit(f"{path}: mixed dimensions")
    return rows[:, 1:].copy().view(np.float32)


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def normalize(x):
    n = np.linalg.norm(x, axis=1, keepdims=True)
    n[n == 0] = 1
    return (x / n).astype(np.float32)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--query", required=True)
    ap.add_argument("--m", type=int, default=16)
    ap.add_argument("--efc", type=int, default=200)
    ap.add_argument("--ef", default="16,32,64,128,256")
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()

    base = normalize(read_fvecs(a.base))
    queries = normalize(read_fvecs(a.query))
    n, dim = base.shape
    k = a.k

    # Exact top-k by inner product, in blocks to bound memory.
    truth = np.empty((len(queries), k), dtype=np.int64)
    for s in range(0, len(queries), 256):
        sims = queries[s:s + 256] @ base.T
        part = np.argpartition(-sims, k, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(sims, part, axis=1), axis=1)
        truth[s:s + 256] = np.take_along_axis(part, order, axis=1)

    rss0 = rss_bytes()
    idx = hnswlib.Index(space="ip", dim=dim)  # vectors are normalized: ip == cosine
    idx.init_index(max_elements=n, ef_construction=a.efc, M=a.m, random_seed=100)
    idx.set_num_threads(a.threads)
    t0, c0 = time.perf_counter(), time.process_time()
    idx.add_items(base, np.arange(n), num_threads=a.threads)
    build, build_cpu = time.perf_counter() - t0, time.process_time() - c0
    mem = rss_bytes() - rss0
    with tempfile.TemporaryDirectory() as d:
        idx.save_index(os.path.join(d, "idx"))
        saved = os.path.getsize(os.path.join(d, "idx"))
    try:
        version = importlib.metadata.version("hnswlib")
    except importlib.metadata.PackageNotFoundError:
        version = "?"

    print(f"hnswlib {version}: n={n} dim={dim} queries={len(queries)}")
    print(f"  build {build:.2f}s wall, {build_cpu:.2f}s CPU ({n / build_cpu:.0f} inserts/CPU-s), index memory {saved / 2**20:.1f} MiB (saved size; RSS growth {mem / 2**20:.1f} MiB)")
    print(f"  {'ef':>6} {'recall@1':>9} {'recall@10':>9} {'QPS(wall)':>10} {'QPS(CPU)':>10} {'p50(us)':>9} {'p99(us)':>9}")
    idx.set_num_threads(1)
    for ef in [int(x) for x in a.ef.split(",")]:
        idx.set_ef(ef)
        qps = cpu_qps = 0.0
        for _ in range(max(a.rounds, 1)):  # best pass, as the Go side
            t0, c0 = time.perf_counter(), time.process_time()
            labels, _ = idx.knn_query(queries, k=k, num_threads=1)
            qps = max(qps, len(queries) / (time.perf_counter() - t0))
            cpu_qps = max(cpu_qps, len(queries) / (time.process_time() - c0))
        lat = np.empty(len(queries))
        for i in range(len(queries)):
            q = queries[i:i + 1]
            t = time.perf_counter()
            idx.knn_query(q, k=k, num_threads=1)
            lat[i] = time.perf_counter() - t
        r1 = float(np.mean(labels[:, 0] == truth[:, 0]))
        rk = np.mean([len(set(labels[i]) & set(truth[i])) / k for i in range(len(queries))])
        lat.sort()
        print(f"  {ef:6d} {r1:9.4f} {rk:9.4f} {qps:10.0f} {cpu_qps:10.0f} {lat[len(lat) // 2] * 1e6:9.1f} {lat[len(lat) * 99 // 100] * 1e6:9.1f}")


if __name__ == "__main__":
    main()
