#!/usr/bin/env bash
# Read-your-writes over real HTTP and real models: three nodes over one throwaway
# PostgreSQL (up.sh). For N LFW people: enrol photo 1 on node1, then at once identify
# photo 2 on node2 sending the enrolment's change_position back, and on node3 without
# it. Prints how many identified on the first try each way and the identify latencies.
#   make build && bench/cluster/ryw.sh [N]     (needs ../shared/data/lfw-view1)
set -euo pipefail
n=${1:-20}
lfw=${LFW:-../shared/data/lfw-view1/images}
[ -d "$lfw" ] || { echo "ryw: $lfw missing" >&2; exit 1; }
out=$(NODES=3 bench/cluster/up.sh)
dir=$(echo "$out" | sed -n 's/^stop: .* stop //p')
echo "$out" | grep -E "^(PostgreSQL|node)"
trap 'bench/cluster/up.sh stop "$dir" >/dev/null 2>&1 || true' EXIT
tok=$(bin/wajah token create --client ryw --data "$dir/node1" | tail -1)
body() { # nik gallery image [position]
  printf '{"user_id":"%s","user_name":"n","facegallery_id":"%s","trx_id":"t"' "$1" "$2"
  [ -n "${4:-}" ] && printf ',"change_position":"%s"' "$4"
  printf ',"image":"'; base64 -w0 "$3"; printf '"}'
}
post() { # port path file -> "httpcode seconds body"
  curl -s -o "$dir/resp" -w '%{http_code} %{time_total}' -H "Accesstoken: $tok" --data-binary @"$3" "127.0.0.1:$1$2"
  printf ' '; cat "$dir/resp"
}
curl -s -H "Accesstoken: $tok" -d '{"facegallery_id":"g","trx_id":"c"}' 127.0.0.1:18081/facegallery/create-facegallery >/dev/null
i=0; nface=0; with=0; without=0; tw=(); to=()
for p in $(ls "$lfw" | sort); do
  imgs=("$lfw/$p"/*)
  [ "${#imgs[@]}" -ge 2 ] || continue
  [ "$i" -lt "$n" ] || break
  i=$((i + 1))
  body "$p" g "${imgs[0]}" >"$dir/e.json"
  r=$(post 18081 /facegallery/enroll-face "$dir/e.json")
  pos=$(echo "${r#* * }" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("change_position",""))')
  [ "${r%% *}" = 200 ] && [ -n "$pos" ] || { echo "enrol $p: $r" | cut -c1-200; i=$((i - 1)); continue; }
  body "$p" g "${imgs[1]}" "$pos" >"$dir/w.json"
  body "$p" g "${imgs[1]}" >"$dir/o.json"
  rw=$(post 18082 /facegallery/identify-face "$dir/w.json")
  ro=$(post 18083 /facegallery/identify-face "$dir/o.json")
  if echo "$rw" | grep -q "\"user_id\":\"$p\""; then with=$((with + 1)); else
    # a miss: is it the face (also missed a second later, once every node has it) or the node?
    sleep 1; later=$(post 18082 /facegallery/identify-face "$dir/o.json")
    echo "$later" | grep -q "\"user_id\":\"$p\"" && echo "miss $p with change_position: found a second later" ||
      { echo "miss $p: not identified a second later either (the photos, not the node): ${later%% *}"; nface=$((nface + 1)); }
  fi
  echo "$ro" | grep -q "\"user_id\":\"$p\"" && without=$((without + 1))
  tw+=("$(echo "$rw" | cut -d' ' -f2)"); to+=("$(echo "$ro" | cut -d' ' -f2)")
done
n=$i
pct() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {printf "p50 %.1f ms, max %.1f ms", a[int((NR+1)/2)]*1000, a[NR]*1000}'; }
echo "enrolled on node1: $n (each response carried change_position)"
echo "identify on node2 with change_position: found on the first try $with/$n ($nface photo pairs below the threshold on any node); $(pct "${tw[@]}")"
echo "identify on node3 without it:            found on the first try $without/$n; $(pct "${to[@]}")"
