#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests and benchmarks.
#
#   tools/postgres/cluster.sh start DIR   initdb into DIR, start the server on a Unix socket in DIR
#                                         and a free loopback port; prints the URL to connect with
#   tools/postgres/cluster.sh stop DIR    stop it and remove DIR
#
# The binaries come from Debian's postgresql-15 (the Makefile installs it when missing). initdb
# refuses to run as root, so under root the cluster belongs to the `postgres` user the package
# creates. fsync is off: the cluster holds nothing worth keeping. CLUSTER_DURABLE=1 keeps the
# server's durable defaults (fsync, synchronous_commit, full_page_writes), as a user's server has.
set -euo pipefail

command=${1:?usage: cluster.sh start|stop DIR}
dir=${2:?usage: cluster.sh start|stop DIR}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bin/initdb" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql-15)" >&2; exit 1; }

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$command" in
start)
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres "$dir"
  as_owner "$bin/initdb" -D "$dir/data" -U streamgen --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  settings="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  [ "${CLUSTER_DURABLE:-0}" = 1 ] && settings=""
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 $settings -c max_connections=50" \
    start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
  echo "$port" >"$dir/port"
  echo "postgres://streamgen@127.0.0.1:$port/postgres"
  ;;
stop)
  if [ -d "$dir/data" ]; then as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true; fi
  rm -rf "$dir"
  ;;
*)
  echo "usage: cluster.sh start|stop DIR" >&2; exit 1
  ;;
esac
