"""`make bench-postgres`: ecommerce into PostgreSQL, StreamGen's sink against the fastest
off-the-shelf route, in one run on one throwaway cluster.

  postgres_load.py STREAMGEN URL SCALE REPEAT OUT

For each repeat, interleaved, each timed run after a CHECKPOINT and a sync:
  streamgen  `streamgen generate ecommerce --scale SCALE --sink URL?schema=sg --if-exists replace`:
             generation, files and the load of all six tables with their keys, end to end
  no-files   the same with `--no-files`: the rows go to PostgreSQL only, no data file written
  adbc       ADBC's binary ingest (adbc_driver_postgresql, COPY BINARY) of the events table from
             the Parquet files StreamGen wrote, then its primary key: the events table alone
Prints a Markdown table (also OUT/postgres.md): seconds, events rows/s, peak RSS, the ratio.
"""
import json
import os
import resource
import statistics
import subprocess
import sys
import time


def settle(url):
    """A VACUUM, a CHECKPOINT and a sync before each timed run: the last route's work that the
    server does after it (autovacuum of the rows it just inserted; the writing of its WAL and
    dirtied pages, then the kernel's write-back of them; the throwaway cluster runs with fsync
    off) is not charged to the next route. Without the VACUUM, the route that ran second in a
    pair measured 15-40 % slower, whichever it was: autovacuum of the first's tables ran during it."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM")
        conn.execute("CHECKPOINT")
    os.sync()


def run_streamgen(streamgen, url, scale, out, files=True):
    settle(url)
    start = time.monotonic()
    where = ["--out", out, "--overwrite"] if files else ["--out", out, "--no-files"]
    r = subprocess.run(["/usr/bin/time", "-f", "%M", streamgen, "generate", "ecommerce", "--scale", scale] + where
                       + ["--sink", f"{url}?schema={'sg' if files else 'sgnf'}", "--if-exists", "replace", "--quiet"],
                       capture_output=True, text=True)
    seconds = time.monotonic() - start
    if r.returncode != 0:
        sys.exit(f"streamgen failed: {r.stderr}")
    return seconds, int(r.stderr.strip().splitlines()[-1]) / 1024


def run_adbc(url, directory):
    code = f"""
import time, pyarrow.dataset as ds, adbc_driver_postgresql.dbapi as pg
start = time.monotonic()
table = ds.dataset({directory!r} + "/events", format="parquet", partitioning=None).to_table()
with pg.connect({url!r}) as conn:
    cur = conn.cursor()
    cur.execute("CREATE SCHEMA IF NOT EXISTS peer")
    cur.execute("DROP TABLE IF EXISTS peer.events")
    conn.commit()
    cur.adbc_ingest("events", table, mode="create", db_schema_name="peer")
    cur.execute("ALTER TABLE peer.events ADD PRIMARY KEY (event_id)")
    conn.commit()
print(table.num_rows, time.monotonic() - start)
"""
    settle(url)
    r = subprocess.run(["/usr/bin/time", "-f", "%M", sys.executable, "-c", code], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"adbc failed: {r.stderr}")
    rows, seconds = r.stdout.split()
    return int(rows), float(seconds), int(r.stderr.strip().splitlines()[-1]) / 1024


def main():
    streamgen, url, scale, repeat, out = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
    os.makedirs(out, exist_ok=True)
    data = os.path.join(out, "ecommerce")
    sg, bare, peer = [], [], []
    events = 0
    for _ in range(repeat):
        sg.append(run_streamgen(streamgen, url, scale, data))
        rows, seconds, rss = run_adbc(url, data)
        events = rows
        peer.append((seconds, rss))
        bare.append(run_streamgen(streamgen, url, scale, os.path.join(out, "no-files"), files=False))
    sg_s = statistics.median(s for s, _ in sg)
    bare_s = statistics.median(s for s, _ in bare)
    peer_s = statistics.median(s for s, _ in peer)
    lines = [
        f"ecommerce --scale {scale} into PostgreSQL (median of {repeat}, interleaved; {events:,} events)",
        "",
        "| route | what it loads | seconds | events rows/s | peak RSS MiB |",
        "|---|---|---|---|---|",
        f"| streamgen --sink | generates all six tables, writes the files, loads all with keys | {sg_s:.1f} | {events / sg_s:,.0f} | {max(r for _, r in sg):.0f} |",
        f"| streamgen --sink --no-files | generates all six tables, loads all with keys, no data files | {bare_s:.1f} | {events / bare_s:,.0f} | {max(r for _, r in bare):.0f} |",
        f"| ADBC ingest + PK | events from the Parquet files already written | {peer_s:.1f} | {events / peer_s:,.0f} | {max(r for _, r in peer):.0f} |",
        "",
        f"streamgen / ADBC events rows/s: {peer_s / sg_s:.2f}x with files, {peer_s / bare_s:.2f}x with --no-files",
        "each run: " + ", ".join(f"{a:.1f}/{b:.1f}/{c:.1f} s" for (a, _), (b, _), (c, _) in zip(sg, bare, peer)) + " (files / no files / ADBC)",
    ]
    text = "\n".join(lines)
    print(text)
    with open(os.path.join(out, "postgres.md"), "w") as f:
        f.write(text + "\n")
    print(json.dumps({"streamgen_seconds": sg_s, "no_files_seconds": bare_s, "adbc_seconds": peer_s, "events": events}))


if __name__ == "__main__":
    main()
