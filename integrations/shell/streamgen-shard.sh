#!/bin/sh
# One shard of a sharded StreamGen run, its index from the scheduler that started it:
#
#   streamgen-shard.sh COUNT [streamgen generate options...]
#
# The index is $STREAMGEN_SHARD_INDEX, else Kubernetes' $JOB_COMPLETION_INDEX (an Indexed Job),
# else Slurm's $SLURM_ARRAY_TASK_ID (an array job, --array=0-COUNT-1). Every shard must get the
# same options and the same SOURCE_DATE_EPOCH; a shard run again (a retry) replaces only its own
# earlier output and writes the same bytes. When all COUNT have finished, run
# `streamgen manifest merge DIR` once. $STREAMGEN_BINARY names the binary (default: streamgen).
set -eu
if [ $# -lt 1 ]; then
  echo "usage: streamgen-shard.sh COUNT [streamgen generate options...]" >&2
  exit 64
fi
count=$1
shift
index=${STREAMGEN_SHARD_INDEX:-${JOB_COMPLETION_INDEX:-${SLURM_ARRAY_TASK_ID:-}}}
if [ -z "$index" ]; then
  echo "streamgen-shard.sh: no shard index: set STREAMGEN_SHARD_INDEX, or run as a Kubernetes Indexed Job or a Slurm array task" >&2
  exit 64
fi
exec "${STREAMGEN_BINARY:-streamgen}" generate "$@" --shard "$index/$count"
