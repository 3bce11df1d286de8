#!/usr/bin/env bash
# Fault scenarios over real HTTP, real models and a real PostgreSQL (up.sh, 3 nodes):
#   1. kill -9 node2 KILLS times (default 20) under an enrolment load spread over the three
#      nodes (one client per node, each enrolling distinct LFW people, round-robin over the
#      nodes); node2 restarted each time.
#   2. PostgreSQL stopped for OUTAGE seconds (default 4) and restarted under the same load;
#      nodes run with --request-timeout 3s, so requests during the outage must answer a
#      documented code (503 / 500) within ~3 s.
# Then: lost = acknowledged (200) enrolments not in list-faces; duplicated = ids listed twice;
# caught up = each node's index (wajah_faces in /metrics) holds every stored face.
#   make build && bench/cluster/faults.sh        (needs ../shared/data/lfw-view1)
set -uo pipefail
kills=${KILLS:-20}
outage=${OUTAGE:-4}
lfw=${LFW:-../shared/data/lfw-view1/images}
[ -d "$lfw" ] || { echo "faults: $lfw missing" >&2; exit 1; }
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
as=(); if [ "$(id -u)" = 0 ]; then as=(runuser -u nobody --); fi
out=$(NODES=3 WAJAH_SERVE_ARGS="--request-timeout 3s" bench/cluster/up.sh) || exit 1
dir=$(echo "$out" | sed -n 's/^stop: .* stop //p')
echo "$out" | grep -E "^PostgreSQL"
trap 'kill $(jobs -p) 2>/dev/null; mkdir -p /tmp/faults-last; cp "$dir"/all "$dir"/acked "$dir"/stored "$dir"/node*.log /tmp/faults-last/ 2>/dev/null; bench/cluster/up.sh stop "$dir" >/dev/null 2>&1' EXIT
dsn="postgres://wajah@127.0.0.1:55432/wajah?sslmode=disable"
tok=$(bin/wajah token create --client faults --data "$dir/node1" | tail -1)
H="Accesstoken: $tok"
curl -s -H "$H" -d '{"facegallery_id":"g","trx_id":"c"}' 127.0.0.1:18081/facegallery/create-facegallery >/dev/null
ls "$lfw" | sort >"$dir/people"

# client c (1..3) enrols people c, c+3, c+6, ... round-robin over the nodes, until $dir/stop.
client() {
  local c=$1 k=0 p img port code t
  while read -r p; do
    [ -e "$dir/stop" ] && break
    img=$(ls "$lfw/$p" | head -1)
    port=$((18081 + (c + k) % 3)); k=$((k + 1))
    { printf '{"user_id":"%s","user_name":"n","facegallery_id":"g","trx_id":"t","image":"' "$p"
      base64 -w0 "$lfw/$p/$img"; printf '"}'; } >"$dir/c$c.json"
    rm -f "$dir/c$c.resp" # a refused connection writes none: never read the last one's
    r=$(curl -s -m 20 -o "$dir/c$c.resp" -w '%{http_code} %{time_total}' -H "$H" --data-binary @"$dir/c$c.json" \
      "127.0.0.1:$port/facegallery/enroll-face")
    code=$(grep -o '"status":"[0-9]*"' "$dir/c$c.resp" 2>/dev/null | grep -o '[0-9]*'); code=${code:-none}
    echo "$(date +%s.%N) $port $code ${r#* } $p" >>"$dir/log.c$c"
  done < <(awk -v c="$c" 'NR % 3 == c - 1' "$dir/people")
}
for c in 1 2 3; do client "$c" & done

restart_node2() {
  local pid; pid=$(sed -n 2p "$dir/node.pids")
  kill -9 "$pid"; while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
  WAJAH_STORE=$dsn bin/wajah serve --data "$dir/node2" --addr 127.0.0.1:18082 --request-timeout 3s >>"$dir/node2.log" 2>&1 &
  sed -i "2s/.*/$!/" "$dir/node.pids"
  local t0; t0=$(date +%s.%N)
  for _ in $(seq 1 600); do curl -sf 127.0.0.1:18082/readyz >/dev/null 2>&1 && break; sleep 0.1; done
  echo "$(date +%s.%N) - $t0" | bc
}
sleep 3
ready=()
for i in $(seq 1 "$kills"); do
  ready+=("$(restart_node2)")
  sleep 2
done
echo "scenario 1: node2 killed -9 and restarted $kills times; ready again after $(printf '%s\n' "${ready[@]}" | sort -n | awk '{a[NR]=$1} END {printf "p50 %.2f s, max %.2f s", a[int((NR+1)/2)], a[NR]}')"
t1=$(date +%s.%N)
"${as[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
sleep "$outage"
"${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
  -o "-k $dir -c listen_addresses=127.0.0.1 -p 55432 -c max_connections=200" start >/dev/null
t2=$(date +%s.%N)
sleep 5
touch "$dir/stop"; wait $(jobs -p | head -3) 2>/dev/null
sleep 2
cat "$dir"/log.c* | sort -n >"$dir/all"
awk '$3 == 200 {print $5}' "$dir/all" | sort >"$dir/acked"
curl -s -H "$H" -d '{"facegallery_id":"g","trx_id":"l","limit":10000}' 127.0.0.1:18081/facegallery/list-faces |
  python3 -c 'import json,sys; [print(f["user_id"]) for f in json.load(sys.stdin)["faces"]]' | sort >"$dir/stored"
acked=$(wc -l <"$dir/acked"); stored=$(wc -l <"$dir/stored")
lost=$(comm -23 "$dir/acked" <(sort -u "$dir/stored") | wc -l)
dup=$(uniq -d "$dir/stored" | wc -l)
echo "requests $(wc -l <"$dir/all"): acknowledged $acked, stored $stored, lost $lost, duplicated $dup"
echo "answers by code: $(awk '{print $3}' "$dir/all" | sort | uniq -c | awk '{printf "%s x%s  ", $2, $1}')"
echo "scenario 2 (PostgreSQL down ${outage}s at +$(echo "$t1" | cut -c1-14)): requests sent during the outage window:"
awk -v a="$t1" -v b="$t2" '$1 >= a && $1 <= b {n++; c[$3]++; if ($4 > m) m = $4} END {printf "  %d, by code:", n; for (k in c) printf " %s x%d", k, c[k]; printf "; slowest %.2f s\n", m}' "$dir/all"
after=$(awk -v b="$t2" '$1 > b && $3 == 200' "$dir/all" | wc -l)
echo "  acknowledged after the restart without any node restart: $after"
for port in 18081 18082 18083; do
  f=$(curl -s 127.0.0.1:$port/metrics | awk '/^wajah_faces /{print $2}')
  echo "node :$port index holds $f faces (store: $stored)"
done
