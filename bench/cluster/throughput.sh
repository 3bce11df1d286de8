#!/usr/bin/env bash
# Verify throughput of 1 vs 3 nodes over one PostgreSQL (up.sh): `wajah bench http` at
# concurrency 3C against node1 alone, then three clients at C each, one per node, at once.
# On a machine with fewer cores than nodes x pipeline threads this is CPU-bound: the nodes
# share the same cores, so 3 nodes cannot beat 1 here.
#   make build && bench/cluster/throughput.sh [C] [DURATION]   (needs ../shared/data/lfw-view1)
set -uo pipefail
c=${1:-2}; d=${2:-10s}
img=${IMAGE:-../shared/data/lfw-view1/images/Aaron_Peirsol/Aaron_Peirsol_0001.jpg}
out=$(NODES=3 bench/cluster/up.sh) || exit 1
dir=$(echo "$out" | sed -n 's/^stop: .* stop //p')
trap 'bench/cluster/up.sh stop "$dir" >/dev/null 2>&1' EXIT
tok=$(bin/wajah token create --client tp --data "$dir/node1" | tail -1)
bin/wajah bench http --url http://127.0.0.1:18081 --token "$tok" --image "$img" --duration 2s >/dev/null # enrol + warm
echo "1 node, concurrency $((3 * c)) (the same total):"
bin/wajah bench http --url http://127.0.0.1:18081 --token "$tok" --image "$img" --no-enroll --concurrency "$((3 * c))" --duration "$d" | tail -3
echo "3 nodes, concurrency $c each, at once:"
for p in 18081 18082 18083; do
  bin/wajah bench http --url "http://127.0.0.1:$p" --token "$tok" --image "$img" --no-enroll --concurrency "$c" --duration "$d" >"$dir/tp.$p" &
done
wait
for p in 18081 18082 18083; do echo "node :$p"; tail -3 "$dir/tp.$p"; done
