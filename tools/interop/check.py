#!/usr/bin/env python3
"""Reads files StreamGen wrote with real readers and compares them with what was meant.

Usage: check.py expect.json

expect.json: {"files": [{"file", "format": "parquet"|"csv", "rows", "codec", "columns": [
    {"name", "type", "optional", "values": [...]}], "row_group_row_limit"?, "key_value"?}]}

Values are strings (integers in decimal, doubles as the hex of their bits, byte strings in hex),
JSON booleans, or null. Integers are the physical value: days for dates, microseconds for
timestamps, the unscaled integer for decimals.

For Parquet, pyarrow checks the schema (logical types, nullability), every value, and each row
group's statistics (null count, min and max in the type's order); DuckDB checks its column types,
every value, parquet_metadata()'s null counts, and filtered counts (row-group pruning). For CSV,
Python's csv module checks the text and DuckDB reads it with the columns' types.
Exit 0 when everything matches, 1 with a list of differences otherwise.
"""
import csv
import datetime as dt
import decimal
import json
import math
import struct
import sys
import uuid

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

EPOCH_DATE = dt.date(1970, 1, 1)
EPOCH_NAIVE = dt.datetime(1970, 1, 1)
EPOCH_UTC = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)

INT_TYPES = ("int32", "int64", "date", "timestamp", "timestamp_local")
BYTE_TYPES = ("string", "json", "uuid", "uuid16", "binary")


def is_decimal(t):
    return t.startswith("decimal(")


def decimal_ps(t):
    p, s = t[len("decimal("):-1].split(",")
    return int(p), int(s)


def is_fixed(t):
    return t.startswith("fixed(")


def kind(t):
    if t in INT_TYPES or is_decimal(t):
        return "int"
    if t == "double":
        return "double"
    if t == "boolean":
        return "bool"
    return "bytes"


def expected_value(t, v):
    """The canonical Python value of an expectation entry."""
    if v is None:
        return None
    k = kind(t)
    if k == "int":
        return int(v)
    if k == "double":
        return struct.unpack("<d", struct.pack("<Q", int(v, 16)))[0]
    if k == "bool":
        return bool(v)
    return bytes.fromhex(v)


def td_micros(td):
    return (td.days * 86400 + td.seconds) * 1_000_000 + td.microseconds


def canonical_arrow(t, v):
    """The canonical form of a value pyarrow returned."""
    if v is None:
        return None
    if t == "date":
        return (v - EPOCH_DATE).days
    if t == "timestamp":
        return td_micros(v - EPOCH_UTC)
    if t == "timestamp_local":
        return td_micros(v - EPOCH_NAIVE)
    if is_decimal(t):
        return int(v.scaleb(decimal_ps(t)[1]))
    if t == "uuid16":
        return v.bytes if isinstance(v, uuid.UUID) else bytes(v)
    if t in ("string", "json", "uuid"):
        return v.encode("utf-8") if isinstance(v, str) else bytes(v)
    return v


def same(a, b):
    if isinstance(a, float) and isinstance(b, float):
        return struct.pack("<d", a) == struct.pack("<d", b) or (math.isnan(a) and math.isnan(b))
    return a == b and type(a) == type(b)


ARROW_TYPES = {
    "boolean": pa.bool_(), "int32": pa.int32(), "int64": pa.int64(), "double": pa.float64(),
    "string": pa.string(), "uuid": pa.string(), "date": pa.date32(),
    "timestamp": pa.timestamp("us", tz="UTC"), "timestamp_local": pa.timestamp("us"), "binary": pa.binary(),
}

DUCK_TYPES = {
    "boolean": "BOOLEAN", "int32": "INTEGER", "int64": "BIGINT", "double": "DOUBLE", "string": "VARCHAR",
    "json": "JSON", "uuid": "VARCHAR", "uuid16": "UUID", "date": "DATE",
    "timestamp": "TIMESTAMP WITH TIME ZONE", "timestamp_local": "TIMESTAMP", "binary": "BLOB",
}


def arrow_type_ok(t, at):
    if t in ARROW_TYPES:
        return at == ARROW_TYPES[t]
    if t == "json":
        return getattr(at, "extension_name", None) == "arrow.json"
    if t == "uuid16":
        return getattr(at, "extension_name", None) == "arrow.uuid"
    if is_decimal(t):
        p, s = decimal_ps(t)
        return at == pa.decimal128(p, s)
    if is_fixed(t):
        return at == pa.binary(int(t[len("fixed("):-1]))
    return False


def duck_type(t):
    if t in DUCK_TYPES:
        return DUCK_TYPES[t]
    if is_decimal(t):
        p, s = decimal_ps(t)
        return f"DECIMAL({p},{s})"
    if is_fixed(t):
        return "BLOB"
    raise ValueError(t)


def quote_ident(name):
    return '"' + name.replace('"', '""') + '"'


def duck_select(t, name):
    """A DuckDB expression that yields the canonical value of column `name`."""
    c = quote_ident(name)
    if t == "date":
        return f"({c} - DATE '1970-01-01')"
    if t in ("timestamp", "timestamp_local"):
        return f"epoch_us({c})"
    if is_decimal(t) or t in ("uuid16", "json"):
        return f"CAST({c} AS VARCHAR)"
    return c


def canonical_duck(t, v):
    if v is None:
        return None
    if is_decimal(t):
        return int(decimal.Decimal(v).scaleb(decimal_ps(t)[1]))
    if t == "uuid16":
        return uuid.UUID(v).bytes
    if t in ("string", "json", "uuid"):
        return v.encode("utf-8")
    if t == "binary" or is_fixed(t):
        return bytes(v)
    return v


def expected_stats(t, values):
    """(min, max) of the non-null values in the writer's order, or None when there are none."""
    present = [v for v in values if v is not None]
    if kind(t) == "double":
        present = [v for v in present if not math.isnan(v)]
        if not present:
            return None
        lo, hi = min(present), max(present)
        if lo == 0:
            lo = -0.0
        if hi == 0:
            hi = 0.0
        return lo, hi
    if not present:
        return None
    return min(present), max(present)


class Checker:
    def __init__(self):
        self.failures = []
        self.checks = 0

    def expect(self, ok, message):
        self.checks += 1
        if not ok:
            self.failures.append(message)
        return ok

    def compare_column(self, where, t, got, want):
        if not self.expect(len(got) == len(want), f"{where}: {len(got)} values, expected {len(want)}"):
            return
        for i, (g, w) in enumerate(zip(got, want)):
            if not same(g, w):
                self.expect(False, f"{where} row {i}: got {g!r}, expected {w!r}")
                return
        self.checks += 1

    # ---- Parquet -------------------------------------------------------------------------
    def parquet(self, spec):
        path = spec["file"]
        columns = spec["columns"]
        try:
            pf = pq.ParquetFile(path)
            table = pf.read()
        except Exception as e:  # noqa: BLE001 - any reader error is a failure
            self.expect(False, f"{path}: pyarrow could not read it: {e}")
            return
        md = pf.metadata
        self.expect(md.num_rows == spec["rows"], f"{path}: num_rows {md.num_rows}, expected {spec['rows']}")
        self.expect(md.created_by.startswith("streamgen version "), f"{path}: created_by {md.created_by!r}")
        for key, value in (spec.get("key_value") or {}).items():
            kv = md.metadata or {}
            self.expect(kv.get(key.encode()) == value.encode(), f"{path}: key-value {key} is {kv.get(key.encode())!r}")
        self.expect(table.num_columns == len(columns), f"{path}: {table.num_columns} columns")
        limit = spec.get("row_group_row_limit")
        if limit:
            for rg in range(md.num_row_groups):
                self.expect(md.row_group(rg).num_rows <= limit, f"{path}: row group {rg} has {md.row_group(rg).num_rows} rows > {limit}")
        wanted = {}
        for col in columns:
            name, t = col["name"], col["type"]
            want = [expected_value(t, v) for v in col["values"]]
            wanted[name] = want
            field = table.schema.field(name)
            self.expect(arrow_type_ok(t, field.type), f"{path}:{name}: pyarrow type {field.type}, expected {t}")
            self.expect(field.nullable == col["optional"], f"{path}:{name}: nullable {field.nullable}")
            got = [canonical_arrow(t, v) for v in table.column(name).to_pylist()]
            self.compare_column(f"{path}:{name} (pyarrow)", t, got, want)
        # Statistics, row group by row group.
        start = 0
        for rg in range(md.num_row_groups):
            group = md.row_group(rg)
            n = group.num_rows
            for ci, col in enumerate(columns):
                name, t = col["name"], col["type"]
                chunk = group.column(ci)
                part = wanted[name][start:start + n]
                self.expect(chunk.num_values == n, f"{path}:{name} rg{rg}: num_values {chunk.num_values}, expected {n}")
                self.expect(chunk.compression.lower() == {"none": "uncompressed"}.get(spec["codec"], spec["codec"]),
                            f"{path}:{name}: codec {chunk.compression}")
                st = chunk.statistics
                if not self.expect(st is not None, f"{path}:{name} rg{rg}: no statistics"):
                    continue
                nulls = sum(v is None for v in part)
                self.expect(st.null_count == nulls, f"{path}:{name} rg{rg}: null_count {st.null_count}, expected {nulls}")
                bounds = expected_stats(t, part)
                if bounds is None:
                    self.expect(not st.has_min_max, f"{path}:{name} rg{rg}: min/max on a chunk with no comparable value")
                    continue
                if not self.expect(st.has_min_max, f"{path}:{name} rg{rg}: no min/max"):
                    continue
                lo, hi = st.min_raw, st.max_raw
                if kind(t) == "bytes":
                    lo = lo.encode("utf-8") if isinstance(lo, str) else bytes(lo)
                    hi = hi.encode("utf-8") if isinstance(hi, str) else bytes(hi)
                    if len(bounds[0]) <= 64:
                        self.expect(lo == bounds[0], f"{path}:{name} rg{rg}: min {lo!r}, expected {bounds[0]!r}")
                    else:
                        self.expect(bounds[0].startswith(lo) and lo <= bounds[0], f"{path}:{name} rg{rg}: truncated min {lo!r}")
                    if len(bounds[1]) <= 64:
                        self.expect(hi == bounds[1], f"{path}:{name} rg{rg}: max {hi!r}, expected {bounds[1]!r}")
                    else:
                        self.expect(hi > bounds[1] and len(hi) <= 64, f"{path}:{name} rg{rg}: truncated max {hi!r}")
                else:
                    self.expect(same(lo, bounds[0]), f"{path}:{name} rg{rg}: min {lo!r}, expected {bounds[0]!r}")
                    self.expect(same(hi, bounds[1]), f"{path}:{name} rg{rg}: max {hi!r}, expected {bounds[1]!r}")
            start += n
        self.duckdb_parquet(spec, wanted)

    def duckdb_parquet(self, spec, wanted):
        path = spec["file"]
        columns = spec["columns"]
        con = duckdb.connect()
        src = f"read_parquet('{path}', file_row_number=true)"
        try:
            described = dict(con.execute(f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('{path}'))").fetchall())
        except Exception as e:  # noqa: BLE001
            self.expect(False, f"{path}: DuckDB could not read it: {e}")
            return
        for col in columns:
            name, t = col["name"], col["type"]
            self.expect(described.get(name) == duck_type(t), f"{path}:{name}: DuckDB type {described.get(name)}, expected {duck_type(t)}")
        select = ", ".join(duck_select(c["type"], c["name"]) for c in columns)
        rows = con.execute(f"SELECT {select} FROM {src} ORDER BY file_row_number").fetchall()
        for ci, col in enumerate(columns):
            name, t = col["name"], col["type"]
            got = [canonical_duck(t, r[ci]) for r in rows]
            self.compare_column(f"{path}:{name} (DuckDB)", t, got, wanted[name])
        meta = con.execute(
            f"SELECT row_group_id, column_id, stats_null_count FROM parquet_metadata('{path}') ORDER BY row_group_id, column_id"
        ).fetchall()
        groups = pq.ParquetFile(path).metadata
        for rg, ci, nulls in meta:
            start = sum(groups.row_group(i).num_rows for i in range(rg))
            part = wanted[columns[ci]["name"]][start:start + groups.row_group(rg).num_rows]
            expected_nulls = sum(v is None for v in part)
            self.expect(nulls == expected_nulls, f"{path}:{columns[ci]['name']} rg{rg}: DuckDB null count {nulls}, expected {expected_nulls}")
        # Filtered counts: row-group pruning on min/max must never drop a matching row.
        for col in columns:
            name, t = col["name"], col["type"]
            present = [v for v in wanted[name] if v is not None]
            if t not in ("int32", "int64", "string") or not present:
                continue
            for probe in {min(present), max(present), present[len(present) // 2]}:
                value = probe.decode("utf-8") if t == "string" else probe
                count = con.execute(f"SELECT count(*) FROM read_parquet('{path}') WHERE {quote_ident(name)} = ?", [value]).fetchone()[0]
                self.expect(count == sum(v == probe for v in present), f"{path}:{name}: count where = {value!r} is {count}")

    # ---- CSV -----------------------------------------------------------------------------
    def csv_file(self, spec):
        path = spec["file"]
        columns = spec["columns"]
        with open(path, newline="", encoding="utf-8") as f:
            records = list(csv.reader(f))
        header = [c["name"] for c in columns]
        self.expect(records[:1] == [header], f"{path}: header {records[:1]}")
        body = records[1:]
        self.expect(len(body) == spec["rows"], f"{path}: {len(body)} rows, expected {spec['rows']}")
        con = duckdb.connect()
        types = ", ".join(f"'{c['name']}': '{duck_type(c['type']) if c['type'] not in ('uuid16', 'binary') and not is_fixed(c['type']) else 'VARCHAR'}'" for c in columns)
        select = ", ".join(duck_select(c["type"] if c["type"] != "uuid16" else "string", c["name"]) for c in columns)
        try:
            rows = con.execute(
                f"SELECT {select} FROM read_csv('{path}', header=true, columns={{{types}}}, quote='\"', escape='\"', "
                f"nullstr='', allow_quoted_nulls=false)"
            ).fetchall()
        except Exception as e:  # noqa: BLE001
            self.expect(False, f"{path}: DuckDB could not read it: {e}")
            return
        for ci, col in enumerate(columns):
            name, t = col["name"], col["type"]
            want = [expected_value(t, v) for v in col["values"]]
            if t in ("string", "json", "uuid"):
                text = [None if w is None else w.decode("utf-8") for w in want]
                got_text = [r[ci] for r in body]
                want_text = ["" if w is None else w for w in text]
                self.compare_column(f"{path}:{name} (csv module)", t, got_text, want_text)
                self.compare_column(f"{path}:{name} (DuckDB)", t, [None if r[ci] is None else r[ci] for r in rows], text)
            elif t in ("binary", "uuid16") or is_fixed(t):
                text = [None if w is None else (str(uuid.UUID(bytes=w)) if t == "uuid16" else w.hex()) for w in want]
                self.compare_column(f"{path}:{name} (csv module)", t, [r[ci] for r in body], ["" if w is None else w for w in text])
                self.compare_column(f"{path}:{name} (DuckDB)", t, [r[ci] for r in rows], text)
            elif t == "double":
                got = [None if r[ci] == "" else float(r[ci]) for r in body]
                self.compare_column(f"{path}:{name} (csv module)", t, got, want)
                self.compare_column(f"{path}:{name} (DuckDB)", t, [r[ci] for r in rows], want)
            else:
                got = [canonical_duck(t, r[ci]) for r in rows]
                self.compare_column(f"{path}:{name} (DuckDB)", t, got, want)


def main():
    with open(sys.argv[1]) as f:
        files = json.load(f)["files"]
    checker = Checker()
    for spec in files:
        try:
            (checker.csv_file if spec["format"] == "csv" else checker.parquet)(spec)
        except Exception as e:  # noqa: BLE001 - report, don't stop
            checker.expect(False, f"{spec['file']}: checker error {type(e).__name__}: {e}")
    for failure in checker.failures[:50]:
        print("FAIL", failure)
    print(f"interop: {len(files)} files, {checker.checks} checks, {len(checker.failures)} failures "
          f"(pyarrow {pa.__version__}, duckdb {duckdb.__version__})")
    sys.exit(1 if checker.failures else 0)


if __name__ == "__main__":
    main()
