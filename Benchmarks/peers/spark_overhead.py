"""Spark's overhead on a StreamGen run: `spark-submit` in local mode with N executor cores, one task per
shard (integrations/spark/streamgen_spark.py), against `streamgen generate --threads N` on the same
options, interleaved, median of REPEAT.

    spark_overhead.py STREAMGEN OUT REPEAT CORES [label=generate-options ...]

Each label's options run both ways into OUT/<label>/; the merged output is checked byte for byte
against the direct run's before it is timed again. Writes OUT/spark.md and OUT/spark.json:
wall seconds of the direct run; of the whole spark-submit (JVM and SparkSession start and stop
included); and of the job's shard tasks plus the merge (what a cluster that is already up adds:
the first task's Python worker start, the binary's fetch, the tasks, the merge).
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
JOB = os.path.join(HERE, "..", "..", "integrations", "spark", "streamgen_spark.py")
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools", "interop"))
from scale_examples import tree  # noqa: E402  (every file but the shards' manifests and locks)


def timed(argv, env, cwd):
    started = time.perf_counter()
    result = subprocess.run(argv, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(argv)}: exit {result.returncode}\n{result.stderr.decode()[-3000:]}")
    return seconds, result.stdout.decode()


def main():
    streamgen, out, repeat, cores = os.path.abspath(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    cases = [a.split("=", 1) for a in sys.argv[5:]]
    bin_dir = os.path.dirname(sys.executable)
    env = dict(os.environ, SOURCE_DATE_EPOCH="86400", STREAMGEN_PROGRESS="none", PYSPARK_PYTHON=sys.executable,
               PATH=bin_dir + ":" + os.environ.get("PATH", ""), SPARK_LOCAL_IP="127.0.0.1")
    rows = []
    for label, options in cases:
        options = options.split() + ["--out", "out"]
        direct_dir, spark_dir = os.path.join(out, label, "direct"), os.path.join(out, label, "spark")
        direct_argv = [streamgen, "generate"] + options + ["--threads", str(cores)]
        # The shards take their threads from spark.task.cpus (1): CORES tasks at once.
        spark_argv = [os.path.join(bin_dir, "spark-submit"), "--master", f"local[{cores}]", "--conf", "spark.ui.enabled=false",
                      JOB, "--shards", str(cores), "--streamgen", streamgen] + options
        samples = {"direct": [], "spark": [], "spark_job": [], "session": [], "stop": []}
        for attempt in range(repeat):
            for name, argv, where in (("direct", direct_argv, direct_dir), ("spark", spark_argv, spark_dir)):
                shutil.rmtree(where, ignore_errors=True)
                os.makedirs(where)
                subprocess.run(["sync"])
                seconds, stdout = timed(argv, env, where)
                samples[name].append(seconds)
                if name == "spark":
                    report = json.loads([l for l in stdout.splitlines() if l.startswith('{"job"')][-1])
                    samples["spark_job"].append(report["shard_seconds"] + report["merge_seconds"])
                    samples["session"].append(report["session_seconds"])
                    samples["stop"].append(report["stop_seconds"])
            if attempt == 0:
                # The direct run records --threads in its command line; compare the data and the rest.
                got, want = tree(os.path.join(spark_dir, "out")), tree(os.path.join(direct_dir, "out"))
                data = lambda t: {k: v for k, v in t.items() if not k.startswith("manifest") and k != "_SUCCESS"}
                if data(got) != data(want):
                    raise SystemExit(f"{label}: the Spark job's files differ from the direct run's")
        med = {k: statistics.median(v) for k, v in samples.items()}
        rows.append({"label": label, "options": " ".join(options), "samples": samples, "median": med,
                     "overhead_total": med["spark"] / med["direct"] - 1, "overhead_job": med["spark_job"] / med["direct"] - 1})
    lines = [f"# Spark local mode ({cores} cores, {cores} shard tasks) against `streamgen generate --threads {cores}`",
             "", f"Median of {repeat}, interleaved. Files equal byte for byte (checked on the first repeat).", "",
             "| data | direct s | spark-submit s | of which JVM + session s | shard tasks + merge s | SparkContext stop s | overhead, whole | overhead, tasks + merge |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        m = r["median"]
        lines.append(f"| {r['label']} (`{r['options']}`) | {m['direct']:.2f} | {m['spark']:.2f} | {m['session']:.2f} | "
                     f"{m['spark_job']:.2f} | {m['stop']:.2f} | {r['overhead_total'] * 100:+.0f} % | {r['overhead_job'] * 100:+.0f} % |")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "spark.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(out, "spark.json"), "w") as f:
        json.dump(rows, f, indent=1)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
