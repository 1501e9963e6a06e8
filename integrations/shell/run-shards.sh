#!/bin/sh
# A sharded StreamGen run on one machine or any set of hosts that share DIR, with xargs -P:
#
#   run-shards.sh COUNT PARALLEL [streamgen generate options... --out DIR]
#
# Runs shards 0 … COUNT-1, PARALLEL at a time, each up to $STREAMGEN_ATTEMPTS times (default 3),
# then `streamgen manifest merge DIR`. Exits non-zero, merging nothing, when a shard failed every
# attempt. SOURCE_DATE_EPOCH is set to now when unset, so every shard and retry agree on it.
# Give each shard's threads with --threads (or STREAMGEN_THREADS): PARALLEL × threads ≈ cores.
set -eu
if [ $# -lt 3 ]; then
  echo "usage: run-shards.sh COUNT PARALLEL [streamgen generate options... --out DIR]" >&2
  exit 64
fi
count=$1
parallel=$2
shift 2
out=""
previous=""
for argument in "$@"; do
  case "$previous" in --out) out=$argument ;; esac
  case "$argument" in --out=*) out=${argument#--out=} ;; esac
  previous=$argument
done
if [ -z "$out" ]; then
  echo "run-shards.sh: name the output directory with --out DIR" >&2
  exit 64
fi
here=$(cd "$(dirname "$0")" && pwd)
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(date +%s)}
STREAMGEN_PROGRESS=${STREAMGEN_PROGRESS:-none}
export SOURCE_DATE_EPOCH STREAMGEN_PROGRESS
attempts=${STREAMGEN_ATTEMPTS:-3}
# Each xargs job: one shard, retried; xargs exits 123 when any of them failed.
seq 0 $((count - 1)) | xargs -P "$parallel" -I '{}' sh -c '
  index=$1; count=$2; attempts=$3; script=$4; shift 4
  attempt=1
  while :; do
    if STREAMGEN_SHARD_INDEX=$index "$script" "$count" "$@"; then exit 0; fi
    status=$?
    if [ "$status" -eq 64 ] || [ "$attempt" -ge "$attempts" ]; then
      echo "run-shards.sh: shard $index/$count failed (exit $status) after $attempt attempt(s)" >&2
      exit 1
    fi
    attempt=$((attempt + 1))
    echo "run-shards.sh: shard $index/$count failed (exit $status); attempt $attempt" >&2
  done
' run-shard '{}' "$count" "$attempts" "$here/streamgen-shard.sh" "$@" || {
  echo "run-shards.sh: a shard failed; nothing merged ($out keeps the shards' files for a rerun or streamgen clean)" >&2
  exit 1
}
exec "${STREAMGEN_BINARY:-streamgen}" manifest merge "$out"
