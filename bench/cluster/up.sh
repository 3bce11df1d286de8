#!/usr/bin/env bash
# Starts a throwaway PostgreSQL for cluster demos and tests, from Debian's binaries
# (apt-get install postgresql), in a temporary directory, as an unprivileged user
# (nobody when run as root), on a loopback port and a unix socket. Prints the DSN.
#
#   bench/cluster/up.sh            start; prints WAJAH_STORE=... and the stop command
#   bench/cluster/up.sh stop DIR   stop the server started in DIR and remove DIR
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
echo "stop: $0 stop $dir"
