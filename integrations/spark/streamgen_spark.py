"""StreamGen on Spark: one Spark task per shard, a retry for each failed shard, the merge on the driver.

    spark-submit [spark options] integrations/spark/streamgen_spark.py \\
        [--shards N] [--attempts K] [--streamgen PATH] \\
        PACK-OR---schema ... --out DIR [any other `streamgen generate` option]

Every option this job does not know is handed to `streamgen generate` as given, and `--shard i/N`
is added for task i. What the shards write equals a single `streamgen generate` run with the same
options, byte for byte, manifest included, when:

- DIR (and a `--schema`/`--config` file) is reachable by every executor at the path the driver
  names: the shards run in the driver's working directory when the executor has it (a shared
  mount), otherwise in their own with DIR made absolute;
- `SOURCE_DATE_EPOCH` is the same; unset, the job sets it to its own start, for every shard and
  every retry alike, so a retried shard writes the bytes the first attempt would have.

The binary: `--streamgen PATH` ships that file to the executors (`SparkContext.addFile`); without
it, each executor runs the `streamgen` on its PATH (or `$STREAMGEN_BINARY`). A binary built with
`swift build -c release --static-swift-stdlib` needs no Swift runtime on the executors.

Each shard's threads are `spark.task.cpus` (default 1), passed as STREAMGEN_THREADS (threads never
change the bytes, and the recorded command line stays the user's). A shard that fails (a non-zero
exit, a signal, a lost executor) is run again, up to `--attempts` times in all; a shard run again
replaces only its own earlier output. A task that finds another copy of itself writing its shard
(`spark.speculation`, or an attempt Spark thought lost) waits for that copy and takes its result
when it completed, rather than replace files the copy is still writing. When every shard has finished, the driver runs
`streamgen manifest merge DIR` and prints the summary. Exit status: 0, or 1 when a shard failed
every attempt (nothing is merged; the shards' files stay, for `streamgen clean DIR` or a rerun),
or 2 for a usage error.
"""

import argparse
import fcntl
import json
import os
import shutil
import socket
import subprocess
import sys
import time

JOB = "streamgen_spark"
# How long a task waits for another copy of its shard (a speculative or retried attempt that is
# still writing it) before it counts as failed.
OTHER_COPY_WAIT = 6 * 3600


def parse(argv):
    parser = argparse.ArgumentParser(
        prog=JOB, add_help=True, allow_abbrev=False,
        description="Run `streamgen generate` as one Spark task per shard, then merge.",
        epilog="Every other option goes to `streamgen generate` as given.")
    parser.add_argument("--shards", type=int, help="shards (Spark tasks); default: Spark's default parallelism")
    parser.add_argument("--attempts", type=int, default=3, help="runs of a shard before the job fails (default 3)")
    parser.add_argument("--streamgen", help="the streamgen binary to ship to the executors (default: streamgen on their PATH)")
    ours, generate = parser.parse_known_args(argv)
    # --out stays where the user put it: the merged manifest records the shards' command line.
    ours.out = None
    for i, argument in enumerate(generate):
        if argument == "--out" and i + 1 < len(generate):
            ours.out, ours.out_index = generate[i + 1], i + 1
        elif argument.startswith("--out="):
            ours.out, ours.out_index = argument[len("--out="):], None
    if not ours.out:
        parser.error("--out DIR is required: a directory every executor reaches")
    for argument in generate:
        if argument == "--shard" or argument.startswith("--shard="):
            parser.error("--shard is this job's to set; give --shards N")
        if argument == "--sink" or argument.startswith("--sink="):
            parser.error("--sink loads a whole run, and this job runs shards; load the merged files instead")
    if ours.shards is not None and not 1 <= ours.shards <= 65536:
        parser.error(f"--shards {ours.shards}: between 1 and 65536")
    if not 1 <= ours.attempts <= 100:
        parser.error(f"--attempts {ours.attempts}: between 1 and 100")
    if ours.streamgen is not None and not os.access(ours.streamgen, os.X_OK):
        parser.error(f"--streamgen {ours.streamgen}: not an executable file")
    return ours, generate


def locate_binary(shipped_name):
    """The binary on this machine: the shipped copy, else $STREAMGEN_BINARY, else PATH's."""
    if shipped_name:
        from pyspark import SparkFiles
        path = SparkFiles.get(shipped_name)
        mode = os.stat(path).st_mode
        if not mode & 0o100:
            os.chmod(path, mode | 0o755)
        return path
    explicit = os.environ.get("STREAMGEN_BINARY")
    if explicit:
        return explicit
    found = shutil.which("streamgen")
    if not found:
        raise RuntimeError(f"no streamgen on {socket.gethostname()}'s PATH; pass --streamgen PATH to ship one")
    return found


def wait_for_other_copy(out, index, count, argv):
    """Another process holds this shard's lock: wait until it lets go, then say whether it left
    the shard complete, written by the same command (this task's work is then done)."""
    lock = os.path.join(out, f".streamgen-shard-{index:05d}-of-{count:05d}.lock")
    manifest = os.path.join(out, f"manifest-shard-{index:05d}-of-{count:05d}.json")
    deadline = time.time() + OTHER_COPY_WAIT
    while True:
        try:
            fd = os.open(lock, os.O_RDONLY)
        except FileNotFoundError:
            break
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.flock(fd, fcntl.LOCK_UN)
            break
        except BlockingIOError:
            if time.time() > deadline:
                return False
            time.sleep(0.2)
        finally:
            os.close(fd)
    try:
        with open(manifest, encoding="utf-8") as f:
            m = json.load(f)
    except (OSError, ValueError):
        return False
    return m.get("status") == "complete" and m.get("command_line", [])[1:] == argv[1:]


def run_shard(task):
    """Runs one shard; never raises for the shard's own failure (the driver decides on a retry)."""
    index, count, plan = task
    started = time.time()
    result = {"shard": index, "host": socket.gethostname(), "pid": None}
    try:
        binary = locate_binary(plan["shipped"])
        generate = list(plan["generate"])
        cwd = plan["cwd"] if os.path.isdir(plan["cwd"]) else None
        if cwd is None:
            # Not on the driver's file system: the output directory by its absolute path.
            generate = [a for a in generate if not a.startswith("--out=")]
            if plan["out_index"] is not None:
                generate[plan["out_index"]] = plan["out_absolute"]
            else:
                generate += ["--out", plan["out_absolute"]]
        argv = [binary, "generate"] + generate + ["--shard", f"{index}/{count}"]
        env = dict(os.environ)
        env.update(plan["env"])
        for _ in range(2):
            process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            result["pid"] = process.pid
            output, _ = process.communicate()
            result["rc"] = process.returncode
            result["output"] = output.decode("utf-8", "replace")[-4000:]
            # Another copy of this task (Spark's speculation, a retry of a task it thought lost)
            # is writing the shard: its bytes are the ones this copy would write. Wait for it,
            # and take its result rather than replace its files while it finishes.
            if process.returncode == 0 or "is being written into" not in result["output"]:
                break
            if wait_for_other_copy(plan["out_absolute"], index, count, argv):
                result["rc"] = 0
                result["other_copy"] = True
                break
    except Exception as error:  # a missing binary, a lost work directory: a failed attempt, not a lost job
        result["rc"] = 127
        result["output"] = f"{type(error).__name__}: {error}"
    result["seconds"] = round(time.time() - started, 3)
    return result


def describe_failure(result):
    rc = result["rc"]
    how = f"killed by signal {-rc}" if rc < 0 else f"exit {rc}"
    tail = result["output"].strip().splitlines()[-1:] or ["(no output)"]
    return f"shard {result['shard']} on {result['host']}: {how}: {tail[0]}"


def merged_manifests(out):
    """The merged run's manifest.json, or each fixture's (`--scenario a,b` writes a directory each)."""
    top = os.path.join(out, "manifest.json")
    if os.path.exists(top):
        return [top]
    return sorted(os.path.join(out, d, "manifest.json") for d in os.listdir(out) if os.path.exists(os.path.join(out, d, "manifest.json")))


def summary(out, manifest_path, shards, attempts, seconds):
    with open(manifest_path, encoding="utf-8") as f:
        manifest = json.load(f)
    # A pack with a document of its own (ecommerce's fixture manifest) carries the engine's under "streamgen".
    if "streamgen_manifest" not in manifest and "streamgen" in manifest:
        manifest = manifest["streamgen"]
    out = os.path.dirname(manifest_path) or out
    tables = manifest["tables"]
    rows = sum(t["rows"] for t in tables)
    files = sum(len(t["files"]) for t in tables)
    size = sum(t["bytes"] for t in tables)
    retried = sum(1 for a in attempts.values() if a > 1)
    lines = [f"{JOB}: {len(tables)} table(s), {rows:,} rows in {files} files, {size / 2**20:.1f} MiB, to {out} "
             f"by {shards} shard task(s) ({retried} retried) in {seconds:.1f} s ({rows / max(seconds, 1e-9) / 1000:.1f}k rows/s)"]
    for t in tables:
        lines.append(f"  {t['name']}: {t['rows']:,} rows, {len(t['files'])} files, {t['bytes'] / 2**20:.1f} MiB")
    return "\n".join(lines)


def main(argv):
    ours, generate = parse(argv)
    from pyspark.sql import SparkSession

    job_started = time.time()
    spark = SparkSession.builder.appName(JOB).getOrCreate()
    sc = spark.sparkContext
    shards_started = time.time()
    try:
        shards = ours.shards or sc.defaultParallelism
        env = {"STREAMGEN_PROGRESS": "none",
               "SOURCE_DATE_EPOCH": os.environ.get("SOURCE_DATE_EPOCH") or str(int(job_started))}
        if not any(a == "--threads" or a.startswith("--threads=") for a in generate):
            env["STREAMGEN_THREADS"] = sc.getConf().get("spark.task.cpus", "1")
        shipped = None
        if ours.streamgen:
            sc.addFile(os.path.abspath(ours.streamgen))
            shipped = os.path.basename(ours.streamgen)
        plan = {"generate": generate, "out_index": ours.out_index, "out_absolute": os.path.abspath(ours.out),
                "cwd": os.getcwd(), "env": env, "shipped": shipped}

        attempts = {i: 0 for i in range(shards)}
        pending = list(range(shards))
        failures = []
        while pending:
            for i in pending:
                attempts[i] += 1
            round_ = max(attempts[i] for i in pending)
            sc.setJobDescription(f"streamgen shards {pending[:8]}{'...' if len(pending) > 8 else ''} (attempt {round_})")
            results = sc.parallelize([(i, shards, plan) for i in pending], len(pending)).map(run_shard).collect()
            failed = [r for r in results if r["rc"] != 0]
            for r in sorted(results, key=lambda r: r["shard"]):
                if r["rc"] != 0:
                    state = describe_failure(r)
                else:
                    state = "ok (written by another copy of the task)" if r.get("other_copy") else "ok"
                print(f"{JOB}: shard {r['shard']}/{shards} attempt {attempts[r['shard']]} on {r['host']} "
                      f"in {r['seconds']:.1f} s: {state}", flush=True)
            # Exit 64 is a usage error: the same options fail the same way every time.
            failures = [r for r in failed if attempts[r["shard"]] >= ours.attempts or r["rc"] == 64]
            if failures:
                break
            pending = sorted(r["shard"] for r in failed)
        if failures:
            for r in failures:
                print(f"{JOB}: Error: {describe_failure(r)} (after {attempts[r['shard']]} attempts)", file=sys.stderr)
                print(r["output"], file=sys.stderr)
            print(f"{JOB}: nothing merged; the shards' files stay in {ours.out} for a rerun of this job or `streamgen clean`",
                  file=sys.stderr)
            return 1
        stop_started = time.time()
    finally:
        spark.stop()

    merge_started = time.time()
    stop_seconds = merge_started - stop_started
    binary = ours.streamgen or os.environ.get("STREAMGEN_BINARY") or shutil.which("streamgen") or "streamgen"
    merge = subprocess.run([binary, "manifest", "merge", ours.out], env=dict(os.environ, **env),
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    print(merge.stdout.decode("utf-8", "replace"), end="", flush=True)
    if merge.returncode != 0:
        print(f"{JOB}: Error: streamgen manifest merge {ours.out} failed (exit {merge.returncode})", file=sys.stderr)
        return 1
    for manifest_path in merged_manifests(ours.out):
        print(summary(ours.out, manifest_path, shards, attempts, time.time() - job_started), flush=True)
    done = time.time()
    print(json.dumps({"job": JOB, "shards": shards, "attempts": {str(k): v for k, v in attempts.items()},
                      "seconds": round(done - job_started, 3), "session_seconds": round(shards_started - job_started, 3),
                      "shard_seconds": round(stop_started - shards_started, 3),
                      "stop_seconds": round(stop_seconds, 3), "merge_seconds": round(done - merge_started, 3)}),
          flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
