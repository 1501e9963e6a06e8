"""Reads a StreamGen output directory with DuckDB and pyarrow and prints what the Swift tests
assert on, as JSON:

  python dataset.py DIR REQUEST.json

REQUEST.json: {"tables": ["fake_users", ...], "format": "parquet"|"csv", "layout": "hive"|"flat",
               "queries": {"name": "SELECT ... FROM fake_users ..."}}

For every table it reports: DuckDB's row count and column types (hive partitions included),
pyarrow's row count and schema (dataset with hive partitioning), and per file whether its rows
are sorted by the manifest's sort keys. Each query's rows come back as lists.
"""
import json
import os
import sys

import duckdb
import pyarrow.dataset as ds
import pyarrow.parquet as pq


def main():
    root, request_path = sys.argv[1], sys.argv[2]
    with open(request_path) as f:
        request = json.load(f)
    with open(os.path.join(root, "manifest.json")) as f:
        manifest = json.load(f)
    fmt = request.get("format", "parquet")
    layout = request.get("layout", "hive")
    con = duckdb.connect()
    out = {"tables": {}, "queries": {}}
    for table in manifest["tables"]:
        name = table["name"]
        if layout == "flat":
            pattern = os.path.join(root, f"{name}.{fmt}")
        else:
            pattern = os.path.join(root, name, "**", f"*.{fmt}")
        if fmt == "parquet":
            source = f"read_parquet('{pattern}', hive_partitioning = {str(layout == 'hive').lower()})"
        else:
            source = f"read_csv('{pattern}', hive_partitioning = {str(layout == 'hive').lower()}, header = true)"
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM {source}")
        info = {
            "duckdb_rows": con.execute(f"SELECT count(*) FROM {name}").fetchone()[0],
            "duckdb_types": {r[0]: r[1] for r in con.execute(f"DESCRIBE {name}").fetchall()},
        }
        if fmt == "parquet":
            if layout == "hive":
                dataset = ds.dataset(os.path.join(root, name), format="parquet", partitioning="hive")
            else:
                dataset = ds.dataset(pattern, format="parquet")
            arrow = dataset.to_table()
            info["pyarrow_rows"] = arrow.num_rows
            info["pyarrow_types"] = {f.name: str(f.type) for f in arrow.schema}
            info["pyarrow_nullable"] = {f.name: f.nullable for f in pq.read_schema(os.path.join(root, table["files"][0]["path"]))} if table["files"] else {}
            # Sort order within each file, by the manifest's sort keys (those stored in the file).
            unsorted = []
            keys = [k for k in table["sort_by"] if k not in [p["name"] for p in table["partition_by"]]]
            for f in table["files"]:
                if not keys:
                    break
                t = pq.read_table(os.path.join(root, f["path"]), columns=keys)
                rows = list(zip(*[t.column(k).to_pylist() for k in keys]))
                if rows != sorted(rows):
                    unsorted.append(f["path"])
            info["unsorted_files"] = unsorted
        out["tables"][name] = info
    for qname, sql in request.get("queries", {}).items():
        rows = con.execute(sql).fetchall()
        out["queries"][qname] = [[v if isinstance(v, (int, float, str, bool)) or v is None else str(v) for v in row] for row in rows]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
