#!/bin/sh
# wajah's kernels against OpenBLAS sgemm on the models' own GEMM shapes, one thread (issue 12).
#
#   bench/gemm_compare.sh [path/to/wajah]      (default bin/wajah; build with `make build`)
#
# For every convolution and fully connected layer of MobileFaceNet, pnet, rnet, onet and
# blazeface, gemm_compare.py times the kernel wajah's plan runs for the layer (through
# `wajah bench nn -gemm -serve`: the planned layer, or a fused block's pointwise half) and
# OpenBLAS sgemm (numpy's matmul) on the layer's M x N x K, alternating the two shape by
# shape under the shared benchmark lock, and prints GFLOP/s of both and the ratio.
# Installs nothing; needs
#   apt-get install libopenblas0-pthread python3-numpy python3-threadpoolctl
# OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are unset so OpenBLAS picks its kernel from the CPU
# (the table's first line says which), and it runs one thread like wajah.
set -eu
WAJAH=${1:-bin/wajah}
PY=/usr/bin/python3
if ! "$PY" -c 'import numpy, threadpoolctl' 2>/dev/null; then
	echo "needs Debian's numpy with OpenBLAS: apt-get install libopenblas0-pthread python3-numpy python3-threadpoolctl" >&2
	exit 2
fi
[ -x "$WAJAH" ] || { echo "no $WAJAH: run make build or pass the binary" >&2; exit 2; }
MODELS=MobileFaceNet.tflite,pnet.tflite,rnet.tflite,onet.tflite,blazeface-back.json
HERE=$(dirname "$0")
exec flock /tmp/wajah-bench.lock env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 "$PY" "$HERE/gemm_compare.py" "$WAJAH" "$MODELS"
