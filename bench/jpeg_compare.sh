#!/bin/sh
# Side by side: internal/jpeg vs libjpeg-turbo's djpeg, one core, CPU ms per decode, at
# scale 1 and 1/2, 1/4, 1/8, on JPEGs generated here from one photo (640x480, 1920x1080,
# 4000x3000, 8000x6000; baseline and progressive; 4:2:0 and 4:4:4; cjpeg -quality 90).
# Installs nothing. Needs djpeg and cjpeg: apt-get install libjpeg-turbo-progs
# Each figure is the median of ROUNDS passes over the whole set (default 3; about 2 min a
# pass): on a shared machine a single pass moves a cell by +-0.3.
# Usage: flock /tmp/wajah-bench.lock bench/jpeg_compare.sh [PHOTO] [N] [ROUNDS]
set -eu
export GOEXPERIMENT=${GOEXPERIMENT-simd} # as the Makefile: the AVX2 kernels
cd "$(dirname "$0")/.."
SRC=${1:-../shared/data/faces-small/face_recognition/examples/obama-1080p.jpg}
N=${2:-7}
ROUNDS=${3:-3}
for t in djpeg cjpeg; do
	command -v $t >/dev/null || { echo "$t missing: apt-get install libjpeg-turbo-progs" >&2; exit 1; }
done
djpeg -version 2>&1 | head -1
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
go build -o "$DIR/jpeggen" ./bench/jpeggen
go build -o "$DIR/jpegbench" ./bench/jpegbench
"$DIR/jpeggen" -w 16 -h 16 -o "$DIR/tiny.ppm"
cjpeg -quality 90 "$DIR/tiny.ppm" > "$DIR/tiny.jpg"
FILES=""
for size in 640x480 1920x1080 4000x3000 8000x6000; do
	w=${size%x*}; h=${size#*x}
	"$DIR/jpeggen" -src "$SRC" -w "$w" -h "$h" -o "$DIR/src.ppm"
	for mode in base prog; do
		for samp in 420 444; do
			f="$DIR/${size}-${mode}-${samp}.jpg"
			opt="-quality 90"
			[ $mode = prog ] && opt="$opt -progressive"
			[ $samp = 420 ] && opt="$opt -sample 2x2" || opt="$opt -sample 1x1"
			cjpeg $opt "$DIR/src.ppm" > "$f"
			FILES="$FILES $f"
		done
	done
done
"$DIR/jpegbench" -n "$N" -rounds "$ROUNDS" -tiny "$DIR/tiny.jpg" $FILES
