"""Runs the repository's scale-out examples as their schedulers would, on this machine, and checks
that each one's merged output equals one direct `streamgen generate` run with the same options.

    scale_examples.py STREAMGEN REPO WORKDIR

- integrations/kubernetes/streamgen-indexed-job.yaml: the Indexed Job's container command and args,
  once per completion index (JOB_COMPLETION_INDEX), with the pod's env; then the merge Job's command.
- integrations/slurm/streamgen.sbatch: the batch script once per array index (SLURM_ARRAY_TASK_ID,
  SLURM_SUBMIT_DIR), then `streamgen manifest merge`.
- integrations/shell/run-shards.sh: 3 shards, 2 at a time, and its merge.

The examples' volume path is mapped into WORKDIR and `--scale` made small; nothing else is changed.
Prints one JSON line: per example, the shard count, the files compared and whether they are equal.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import yaml

SMALL_SCALE = "0.05"


def tree(root):
    """Relative path → bytes, every file but the shards' own manifests and locks."""
    files = {}
    for base, _, names in os.walk(root):
        for name in names:
            if name.startswith("manifest-shard-") or name.startswith(".streamgen-shard-"):
                continue
            path = os.path.join(base, name)
            with open(path, "rb") as f:
                files[os.path.relpath(path, root)] = f.read()
    return files


def small(args, volume, workdir):
    """The example's options with its volume inside WORKDIR and a small --scale."""
    out = []
    for i, a in enumerate(args):
        if i > 0 and args[i - 1] == "--scale":
            a = SMALL_SCALE
        out.append(a.replace(volume, workdir) if a.startswith(volume) else a)
    return out


def run(argv, env, cwd):
    result = subprocess.run(argv, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed (exit {result.returncode}): {result.stdout.decode()[-2000:]}")
    return result.stdout.decode()


def direct(streamgen, options, env, cwd):
    """One full run of `streamgen generate OPTIONS` in `cwd`, into the example's own --out path (the
    manifest records the command line, --out included), then moved aside: returns where it went."""
    out = os.path.join(cwd, options[options.index("--out") + 1])
    run([streamgen, "generate"] + options, env, cwd)
    aside = out.rstrip("/") + ".direct"
    os.rename(out, aside)
    return aside


def compare(got_root, want_root):
    got, want = tree(got_root), tree(want_root)
    return {"files": len(want), "equal": got == want,
            "differ": sorted(set(got) ^ set(want) | {k for k in set(got) & set(want) if got[k] != want[k]})[:5]}


def kubernetes(streamgen, repo, workdir, base_env):
    docs = list(yaml.safe_load_all(open(os.path.join(repo, "integrations/kubernetes/streamgen-indexed-job.yaml"))))
    jobs = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Job"}
    claim = next(d for d in docs if d["kind"] == "PersistentVolumeClaim")
    shards, merge = jobs["streamgen-shards"], jobs["streamgen-merge"]
    spec = shards["spec"]
    pod = spec["template"]["spec"]
    container = pod["containers"][0]
    count = int(container["command"][1])
    checks = {
        "indexed": spec["completionMode"] == "Indexed",
        "completions_match": spec["completions"] == count,
        "retries_per_index": spec.get("backoffLimitPerIndex", 0) > 0,
        "merge_suspended": merge["spec"].get("suspend") is True,
        "same_claim": pod["volumes"][0]["persistentVolumeClaim"]["claimName"] == claim["metadata"]["name"]
        == merge["spec"]["template"]["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"],
    }
    volume = container["volumeMounts"][0]["mountPath"]
    root = os.path.join(workdir, "k8s")
    os.makedirs(root)
    env = dict(base_env, **{e["name"]: e["value"] for e in container["env"]})
    env["STREAMGEN_BINARY"] = streamgen
    script = os.path.join(repo, "integrations/shell", os.path.basename(container["command"][0]))
    args = small(container["args"], volume, root)

    def pod_run(index):
        return run([script, str(count)] + args, dict(env, JOB_COMPLETION_INDEX=str(index)), root)

    want = direct(streamgen, args, env, root)
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(pod_run, range(count)))
    merge_container = merge["spec"]["template"]["spec"]["containers"][0]
    merge_env = dict(base_env, **{e["name"]: e["value"] for e in merge_container["env"]})
    merge_argv = [streamgen] + small(merge_container["command"][1:], volume, root)
    checks["merge_env_matches"] = merge_env.get("SOURCE_DATE_EPOCH") == env.get("SOURCE_DATE_EPOCH")
    checks["merge_path_matches"] = merge_argv[-1] == args[args.index("--out") + 1]
    run(merge_argv, merge_env, root)
    return dict(compare(args[args.index("--out") + 1], want), shards=count, checks=checks)


def slurm(streamgen, repo, workdir, base_env):
    text = open(os.path.join(repo, "integrations/slurm/streamgen.sbatch")).read()
    array = re.search(r"^#SBATCH --array=0-(\d+)$", text, re.M)
    count_match = re.search(r"streamgen-shard\.sh\"? (\d+) ", text)
    out_match = re.search(r"--out (\S+)", text)
    count = int(array.group(1)) + 1
    checks = {"array_matches": int(count_match.group(1)) == count, "requeue": "#SBATCH --requeue" in text}
    root = os.path.join(workdir, "slurm")
    os.makedirs(root)
    volume = out_match.group(1)
    mapped = os.path.join(root, "out")
    local = text.replace(volume, mapped).replace("--scale 1000", f"--scale {SMALL_SCALE}")
    script = os.path.join(workdir, "streamgen.sbatch")
    with open(script, "w") as f:
        f.write(local)
    env = dict(base_env, STREAMGEN_BINARY=streamgen, SLURM_SUBMIT_DIR=repo, SLURM_CPUS_PER_TASK="2")
    # The same options, straight: the script's exec line after the count, its threads as a task's.
    options = re.search(r"streamgen-shard\.sh\"? \d+ \\\n\s*(.+)$", local, re.M).group(1)
    argv = [a.replace('"${SLURM_CPUS_PER_TASK:-8}"', "2") for a in options.split()]
    epoch = re.search(r"SOURCE_DATE_EPOCH:-(\d+)", local).group(1)
    want = direct(streamgen, argv, dict(env, SOURCE_DATE_EPOCH=epoch), root)

    def task(index):
        return run(["sh", script], dict(env, SLURM_ARRAY_TASK_ID=str(index)), root)

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(task, range(count)))
    run([streamgen, "manifest", "merge", mapped], env, root)
    return dict(compare(mapped, want), shards=count, checks=checks)


def shell(streamgen, repo, workdir, base_env):
    root = os.path.join(workdir, "shell")
    os.makedirs(root)
    env = dict(base_env, STREAMGEN_BINARY=streamgen, SOURCE_DATE_EPOCH="86400")
    options = ["devapp", "--rows", "60000", "--shard-rows", "5000", "--out", "out"]
    want = direct(streamgen, options, env, root)
    output = run([os.path.join(repo, "integrations/shell/run-shards.sh"), "3", "2"] + options, env, root)
    return dict(compare(os.path.join(root, "out"), want), shards=3, merged="merged" in output)


def main():
    streamgen, repo, workdir = sys.argv[1:4]
    streamgen = os.path.abspath(streamgen)
    base_env = dict(os.environ, STREAMGEN_PROGRESS="none")
    base_env.pop("SOURCE_DATE_EPOCH", None)
    report = {"kubernetes": kubernetes(streamgen, repo, workdir, base_env),
              "shell": shell(streamgen, repo, workdir, base_env)}
    report["slurm"] = slurm(streamgen, repo, workdir, base_env)
    shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
