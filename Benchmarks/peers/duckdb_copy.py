#!/usr/bin/env python3
"""DuckDB writing the same data StreamGen wrote: COPY ... TO ... (FORMAT parquet).

Usage: duckdb_copy.py SOURCE OUT_DIR --codec snappy|zstd [--zstd-level N] [--threads N]
                      [--row-group-size N] [--repeat N]

SOURCE (a Parquet file or a directory of them, read recursively without partition columns) is
loaded into an in-memory table first (not timed). Each of --repeat runs times one COPY of that
table to one Parquet file with SET threads = N (DuckDB encodes row groups in parallel). Prints
one JSON line: seconds (a list), rows, bytes, peak_rss.
"""
import argparse
import json
import os
import resource
import time

import duckdb


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("source")
    ap.add_argument("out_dir")
    ap.add_argument("--codec", default="snappy")
    ap.add_argument("--zstd-level", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--row-group-size", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()

    con = duckdb.connect()
    con.execute(f"SET threads = {args.threads}")
    pattern = os.path.join(args.source, "**", "*.parquet") if os.path.isdir(args.source) else args.source
    con.execute("CREATE TABLE events AS SELECT * FROM read_parquet(?, hive_partitioning = false)", [pattern])
    rows = con.execute("SELECT count(*) FROM events").fetchone()[0]
    os.makedirs(args.out_dir, exist_ok=True)
    path = os.path.join(args.out_dir, f"duckdb-{args.codec}.parquet")
    options = f"FORMAT parquet, COMPRESSION {args.codec}, ROW_GROUP_SIZE {args.row_group_size}"
    if args.codec == "zstd":
        options += f", COMPRESSION_LEVEL {args.zstd_level}"
    times = []
    for _ in range(args.repeat):
        if os.path.exists(path):
            os.remove(path)
        os.sync()
        start = time.perf_counter()
        con.execute(f"COPY events TO '{path}' ({options})")
        times.append(time.perf_counter() - start)
    size = os.path.getsize(path)
    os.remove(path)
    print(json.dumps({
        "seconds": times,
        "rows": rows,
        "bytes": size,
        "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "duckdb": duckdb.__version__,
    }))


if __name__ == "__main__":
    main()
