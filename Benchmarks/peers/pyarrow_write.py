#!/usr/bin/env python3
"""pyarrow writing the same data StreamGen wrote, for a ratio measured in the same run.

Usage: pyarrow_write.py SOURCE OUT_DIR --codec snappy|zstd|none [--zstd-level N] [--threads N]
                        [--row-group-size N] [--split] [--repeat N]

SOURCE is a Parquet file or a directory of them (a hive-partitioned table is read without its
partition columns). It is read into memory first (not timed); then pq.write_table writes it with
the given codec and row-group size, pyarrow's defaults otherwise. With --threads N, N files are
written on N threads at once (pyarrow releases the GIL while writing): N copies of the table, or
with --split N slices of it, so that N threads share the one table's work. Each of --repeat
writes is timed; prints one JSON line: seconds (a list, one per repeat), rows, bytes, peak_rss.
"""
import argparse
import json
import os
import resource
import threading
import time

import pyarrow as pa
import pyarrow.parquet as pq


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("source")
    ap.add_argument("out_dir")
    ap.add_argument("--codec", default="snappy")
    ap.add_argument("--zstd-level", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--row-group-size", type=int, default=1024 * 1024)
    ap.add_argument("--split", action="store_true")
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()

    pa.set_cpu_count(args.threads)
    pa.set_io_thread_count(args.threads)
    table = pq.read_table(args.source, partitioning=None).combine_chunks()
    codec = None if args.codec == "none" else args.codec
    level = args.zstd_level if args.codec == "zstd" else None
    n = args.threads
    if args.split:
        step = (table.num_rows + n - 1) // n
        parts = [table.slice(i * step, step) for i in range(n)]
    else:
        parts = [table] * n
    os.makedirs(args.out_dir, exist_ok=True)
    paths = [os.path.join(args.out_dir, f"pyarrow-{args.codec}-{i}.parquet") for i in range(n)]

    def write(part, path):
        pq.write_table(part, path, compression=codec, compression_level=level,
                       row_group_size=args.row_group_size, use_dictionary=True, write_statistics=True)

    times, size = [], 0
    for _ in range(args.repeat):
        for p in paths:
            if os.path.exists(p):
                os.remove(p)
        os.sync()
        start = time.perf_counter()
        if n == 1:
            write(parts[0], paths[0])
        else:
            workers = [threading.Thread(target=write, args=(part, p)) for part, p in zip(parts, paths)]
            for w in workers:
                w.start()
            for w in workers:
                w.join()
        times.append(time.perf_counter() - start)
        size = sum(os.path.getsize(p) for p in paths)
    for p in paths:
        os.remove(p)
    print(json.dumps({
        "seconds": times,
        "rows": sum(part.num_rows for part in parts),
        "bytes": size,
        "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "pyarrow": pa.__version__,
    }))


if __name__ == "__main__":
    main()
