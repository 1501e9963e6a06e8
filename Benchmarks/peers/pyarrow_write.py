#!/usr/bin/env python3
"""pyarrow writing the same data StreamGen wrote, for a ratio measured in the same run.

Usage: pyarrow_write.py SOURCE.parquet OUT_DIR --codec snappy|zstd|none [--zstd-level N]
                        [--threads 1|2] [--row-group-size N]

Reads SOURCE into memory first (not timed), then times pq.write_table of that table with the
given codec and row-group size; with --threads 2, two files on two threads at once (pyarrow
releases the GIL while writing). Prints one JSON line: seconds, rows, bytes.
"""
import argparse
import json
import os
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
    args = ap.parse_args()

    pa.set_cpu_count(args.threads)
    pa.set_io_thread_count(args.threads)
    table = pq.read_table(args.source)
    # Plain Arrow strings, as a Python generator would hand them over (not dictionary arrays).
    codec = None if args.codec == "none" else args.codec
    level = args.zstd_level if args.codec == "zstd" else None
    paths = [os.path.join(args.out_dir, f"pyarrow-{args.codec}-{i}.parquet") for i in range(args.threads)]

    def write(path):
        pq.write_table(table, path, compression=codec, compression_level=level,
                       row_group_size=args.row_group_size, use_dictionary=True, write_statistics=True)

    start = time.perf_counter()
    if args.threads == 1:
        write(paths[0])
    else:
        workers = [threading.Thread(target=write, args=(p,)) for p in paths]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
    seconds = time.perf_counter() - start
    print(json.dumps({
        "seconds": seconds,
        "rows": table.num_rows * args.threads,
        "bytes": sum(os.path.getsize(p) for p in paths),
        "pyarrow": pa.__version__,
    }))
    for p in paths:
        os.remove(p)


if __name__ == "__main__":
    main()
