#!/usr/bin/env bash
# Starts a throwaway PostgreSQL for cluster demos and tests, from Debian's binaries
# (apt-get install postgresql), in a temporary directory, as an unprivileged user
# (nobody when run as root), on a loopback port and a unix socket. Prints the DSN.
#
#   bench/cluster/up.sh            start; prints WAJAH_STORE=... and the stop command
#   NODES=3 bench/cluster/up.sh    also start 3 `wajah serve` nodes over it on 127.0.0.1:18081..
#                                  (WAJAH_BIN, default bin/wajah from `make build`; run from the
#                                  repository, models in .models)
#   bench/cluster/up.sh stop DIR   stop the nodes and the server started in DIR, remove DIR
#
# PORT (default 55432) picks the loopback port. fsync and synchronous_commit stay on:
# the point is to measure what production would do.
set -euo pipefail

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$bin" ]; then
  echo "up.sh: no PostgreSQL in /usr/lib/postgresql (apt-get install postgresql)" >&2
  exit 1
fi
as=()
if [ "$(id -u)" = 0 ]; then as=(runuser -u nobody --); fi

if [ "${1:-}" = stop ]; then
  dir=${2:?usage: up.sh stop DIR}
  if [ -f "$dir/node.pids" ]; then
    while read -r pid; do kill "$pid" 2>/dev/null || true; done <"$dir/node.pids"
    while read -r pid; do while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done; done <"$dir/node.pids"
  fi
  "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
  rm -rf "$dir"
  echo "stopped and removed $dir"
  exit 0
fi

port=${PORT:-55432}
dir=$(mktemp -d /tmp/wajah-cluster-pg.XXXXXX)
chmod 755 "$dir"
if [ "$(id -u)" = 0 ]; then chown nobody: "$dir"; fi
"${as[@]}" "$bin/initdb" -D "$dir/data" -U wajah -A trust -E UTF8 --locale=C --no-instructions >"$dir/initdb.log"
"${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
  -o "-k $dir -c listen_addresses=127.0.0.1 -p $port -c max_connections=200" start >/dev/null
"${as[@]}" "$bin/createdb" -h "$dir" -p "$port" -U wajah wajah
echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') in $dir (log: $dir/log)"
echo "WAJAH_STORE=postgres://wajah@127.0.0.1:$port/wajah?sslmode=disable"
echo "socket DSN: postgres://wajah@/wajah?host=$dir&port=$port&sslmode=disable"
nodes=${NODES:-0}
if [ "$nodes" -gt 0 ]; then
  wajah=${WAJAH_BIN:-bin/wajah}
  dsn="postgres://wajah@127.0.0.1:$port/wajah?sslmode=disable"
  for i in $(seq 1 "$nodes"); do
    mkdir -p "$dir/node$i"
    # shellcheck disable=SC2086 # WAJAH_SERVE_ARGS: extra flags, split on spaces
    WAJAH_STORE=$dsn "$wajah" serve --data "$dir/node$i" --addr "127.0.0.1:$((18080 + i))" ${WAJAH_SERVE_ARGS:-} \
      >"$dir/node$i.log" 2>&1 &
    echo $! >>"$dir/node.pids"
  done
  for i in $(seq 1 "$nodes"); do
    for _ in $(seq 1 600); do
      curl -sf "127.0.0.1:$((18080 + i))/readyz" >/dev/null 2>&1 && break
      sleep 0.1
    done
    echo "node$i: http://127.0.0.1:$((18080 + i)) (log $dir/node$i.log, admin: --data $dir/node$i)"
  done
fi
echo "stop: $0 stop $dir"
