"""Reads a StreamGen `--format delta` output directory with delta-rs (`deltalake`) and Polars and
checks every table against its own Parquet files, printing what the Swift tests assert on as
JSON:

  python delta.py DIR

Per table it reports:
  - the protocol, partition columns and schema types delta-rs reads from `_delta_log`;
  - rows read by delta-rs and by Polars `read_delta`, and whether both equal, cell for cell,
    the manifest's Parquet files read directly with pyarrow, the partition columns filled in
    from the manifest's partition values (typed as the schema says);
  - per add action: whether its decoded path is a manifest file, its size, and each statistic
    (numRecords, nullCount, minValues, maxValues) compared with the values pyarrow computes
    from that file. Timestamps are milliseconds (a minimum rounded down, a maximum up); a
    string minimum may be a prefix of the true one (the writer truncates long values).
"""
import datetime
import decimal
import json
import os
import sys
import urllib.parse
import uuid

import deltalake
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

DELTA_TYPES = {"boolean": "boolean", "int32": "integer", "int64": "long", "double": "double", "string": "string",
               "json": "string", "uuid": "string", "uuid16": "binary", "binary": "binary", "date": "date",
               "timestamp": "timestamp", "timestamp_local": "timestamp_ntz"}


def delta_type(t):
    if t.startswith("decimal("):
        return t
    if t.startswith("fixed("):
        return "binary"
    return DELTA_TYPES[t]


def arrow_type(t):
    if t == "date":
        return pa.date32()
    if t.startswith("decimal("):
        p, s = t[8:-1].split(",")
        return pa.decimal128(int(p), int(s))
    return pa.string()


def canonical(table):
    """A table as sorted rows of comparable Python values, binary and UUIDs as hex."""
    columns = [table.column(i).to_pylist() for i in range(table.num_columns)]
    rows = []
    for r in zip(*columns):
        rows.append(tuple(v.hex() if isinstance(v, bytes) else v.hex if isinstance(v, uuid.UUID) else v for v in r))
    return sorted(rows, key=repr)


def millis(ts, up):
    us = ts.replace(tzinfo=None) - datetime.datetime(1970, 1, 1)
    micros = (us.days * 86400 + us.seconds) * 1_000_000 + us.microseconds
    ms = micros // 1000
    if up and micros % 1000:
        ms += 1
    return ms


def parse_ms(text):
    text = text.rstrip("Z")
    d = datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f")
    return millis(d, False)


def check_stats(stats, data, types, problems, where):
    """Compares one add action's stats with the file's own values; returns the number checked."""
    checked = 0
    if stats["numRecords"] != data.num_rows:
        problems.append(f"{where}: numRecords {stats['numRecords']} != {data.num_rows}")
    checked += 1
    for name, count in stats["nullCount"].items():
        actual = data.column(name).null_count
        if count != actual:
            problems.append(f"{where}: nullCount.{name} {count} != {actual}")
        checked += 1
    for side in ("minValues", "maxValues"):
        for name, value in stats[side].items():
            column = data.column(name)
            t = types[name]
            if t in ("uuid16", "binary", "boolean") or t.startswith("fixed("):
                problems.append(f"{where}: {side}.{name} given for a {t} column")
                continue
            if t in ("string", "json", "uuid"):
                true = pc.min(column).as_py() if side == "minValues" else pc.max(column).as_py()
                ok = value == true or (side == "minValues" and true.startswith(value) and len(value) > 0)
            elif t in ("timestamp", "timestamp_local"):
                true = pc.min(column).as_py() if side == "minValues" else pc.max(column).as_py()
                ok = parse_ms(value) == millis(true, side == "maxValues")
            elif t == "date":
                true = (pc.min(column) if side == "minValues" else pc.max(column)).as_py().isoformat()
                ok = value == true
            elif t.startswith("decimal("):
                true = (pc.min(column) if side == "minValues" else pc.max(column)).as_py()
                ok = decimal.Decimal(str(value)) == true
            else:
                true = (pc.min(column) if side == "minValues" else pc.max(column)).as_py()
                ok = value == true
            if not ok:
                problems.append(f"{where}: {side}.{name} {value!r} != {true!r}")
            checked += 1
    return checked


def main():
    root = sys.argv[1]
    with open(os.path.join(root, "manifest.json")) as f:
        manifest = json.load(f)
    # A pack's own document (ecommerce's fixture manifest) carries the engine's under "streamgen".
    if "streamgen_manifest" not in manifest:
        manifest = manifest["streamgen"]
    out = {"tables": {}}
    for table in manifest["tables"]:
        name = table["name"]
        directory = os.path.join(root, name)
        # Partition columns a pack's schema leaves out (ecommerce's events date) come last.
        columns = table["schema"] + [p for p in table["partition_by"] if p["name"] not in {c["name"] for c in table["schema"]}]
        types = {c["name"]: c["type"] for c in columns}
        partition_names = [p["name"] for p in table["partition_by"]]
        problems = []
        dt = deltalake.DeltaTable(directory)
        protocol = dt.protocol()
        metadata = dt.metadata()
        schema = json.loads(dt.schema().to_json())
        field_types = {f["name"]: f["type"] for f in schema["fields"]}
        for c in columns:
            if field_types.get(c["name"]) != delta_type(c["type"]):
                problems.append(f"schema: {c['name']} is {field_types.get(c['name'])}, expected {delta_type(c['type'])}")

        # The table as its Parquet files say, partition columns from the manifest.
        order = [c["name"] for c in columns]
        pieces = []
        by_path = {}
        for f in table["files"]:
            data = pq.read_table(os.path.join(root, f["path"]))
            by_path[f["path"]] = (f, data)
            for p in table["partition_by"]:
                value = f["partition"].get(p["name"], "")
                typed = None if value == "" else (datetime.date.fromisoformat(value) if p["type"] == "date" else value)
                data = data.append_column(p["name"], pa.array([typed] * data.num_rows, type=arrow_type(p["type"])))
            pieces.append(data.select(order))
        expected = canonical(pa.concat_tables(pieces)) if pieces else []

        delta_rows = pa.table(dt.to_pyarrow_table()).select(order)
        polars_rows = pl.read_delta(directory).select(order).to_arrow()
        # Polars reads timestamps and strings in its own Arrow forms; compare as Python values.
        equal_delta = canonical(delta_rows) == expected
        equal_polars = canonical(polars_rows) == expected

        # The log's own add actions, raw, against each file.
        log = os.path.join(directory, "_delta_log", "00000000000000000000.json")
        stats_checked = 0
        paths = []
        with open(log) as f:
            actions = [json.loads(line) for line in f if line.strip()]
        for action in actions:
            if "add" not in action:
                continue
            add = action["add"]
            relative = name + "/" + urllib.parse.unquote(add["path"])
            paths.append(relative)
            if relative not in by_path:
                problems.append(f"add.path {add['path']} decodes to {relative}, not a manifest file")
                continue
            record, data = by_path[relative]
            if add["size"] != record["bytes"]:
                problems.append(f"{relative}: size {add['size']} != {record['bytes']}")
            want = {p: (record["partition"].get(p) or None) for p in partition_names}
            if add["partitionValues"] != want:
                problems.append(f"{relative}: partitionValues {add['partitionValues']} != {want}")
            stats_checked += check_stats(json.loads(add["stats"]), data, types, problems, relative)
        if sorted(paths) != sorted(by_path):
            problems.append("the add actions are not the manifest's files")
        # delta-rs parses every statistic (its flattened add actions carry them typed).
        actions_table = pa.table(dt.get_add_actions(flatten=True))
        out["tables"][name] = {
            "version": dt.version(),
            "min_reader_version": protocol.min_reader_version,
            "min_writer_version": protocol.min_writer_version,
            "reader_features": sorted(protocol.reader_features or []),
            "partition_columns": list(metadata.partition_columns),
            "delta_rows": delta_rows.num_rows,
            "polars_rows": polars_rows.num_rows,
            "parquet_rows": len(expected),
            "equal_delta": equal_delta,
            "equal_polars": equal_polars,
            "files": len(paths),
            "parsed_files": actions_table.num_rows,
            "stats_checked": stats_checked,
            "problems": problems[:20],
        }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
