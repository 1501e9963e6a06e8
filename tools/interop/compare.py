"""Compares two Parquet files row by row on a key column; prints one JSON object.

    python compare.py A.parquet B.parquet KEY

`differing_rows`: keys present in both whose rows differ; `differing_columns`: the columns that
differ in any of them; `only_in_a`, `only_in_b`: key counts.
"""
import json
import sys

import pyarrow.parquet as pq


def rows(path, key):
    table = pq.read_table(path).to_pylist()
    return {r[key]: r for r in table}


a, b = rows(sys.argv[1], sys.argv[3]), rows(sys.argv[2], sys.argv[3])
differing, columns = 0, set()
for k in a.keys() & b.keys():
    changed = [c for c in a[k] if a[k][c] != b[k].get(c)]
    if changed:
        differing += 1
        columns.update(changed)
print(json.dumps({"differing_rows": differing, "differing_columns": sorted(columns),
                  "only_in_a": len(a.keys() - b.keys()), "only_in_b": len(b.keys() - a.keys())}))
