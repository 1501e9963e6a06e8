"""PostgreSQL checks for the sink tests: what a real client (psycopg) reads back.

  postgres.py compare URL SCHEMA DIR TABLE KEY...   every cell of TABLE in PostgreSQL against the
                                                   run's Parquet files under DIR (Hive partition
                                                   columns included), rows matched on KEY; a KEY
                                                   written -NAME is a partition column the table
                                                   does not have (jaffle's day), left out
  postgres.py query URL SQL                        the rows of one query, as text
  postgres.py ecommerce URL SCHEMA DIR             spec 000's investigation figures, and section
                                                   7's validation queries verbatim, in PostgreSQL
                                                   and in DuckDB over the same fixture's files

Prints one JSON object.
"""
import datetime
import decimal
import json
import sys
import uuid

import psycopg


def norm(v):
    if isinstance(v, datetime.datetime):
        if v.tzinfo is not None:
            v = v.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        return v.isoformat()
    if isinstance(v, (datetime.date, decimal.Decimal, uuid.UUID)):
        return str(v)
    if isinstance(v, (dict, list)):
        return json.dumps(v, sort_keys=True)
    if isinstance(v, str) and v[:1] in ("{", "["):
        try:  # JSON text from Parquet against JSONB's parsed value
            return json.dumps(json.loads(v), sort_keys=True)
        except ValueError:
            return v
    return v


def compare(url, schema, directory, table, keys):
    import pyarrow.dataset as ds

    dropped = [k[1:] for k in keys if k.startswith("-")]
    keys = [k for k in keys if not k.startswith("-")]
    # exclude_invalid_files: a table directory may hold sidecars (bronze's *_metadata.json).
    files = ds.dataset(f"{directory}/{table}", format="parquet", partitioning="hive", exclude_invalid_files=True)
    arrow = files.to_table()
    if dropped:
        arrow = arrow.drop_columns(dropped)
    with psycopg.connect(url) as conn:
        cur = conn.execute(f'SELECT * FROM "{schema}"."{table}"')
        names = [d.name for d in cur.description]
        pg_rows = cur.fetchall()
        types = dict(conn.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = %s AND table_name = %s",
            (schema, table)).fetchall())
    columns = arrow.column_names
    missing = sorted(set(names) ^ set(columns))
    parquet = {}
    for row in arrow.to_pylist():
        key = tuple(str(row[k]) for k in keys)
        parquet.setdefault(key, []).append(tuple(norm(row[c]) for c in names))
    mismatches = []
    pg = {}
    for row in pg_rows:
        key = tuple(str(row[names.index(k)]) for k in keys)
        pg.setdefault(key, []).append(tuple(norm(v) for v in row))
    for key, rows in pg.items():
        want = sorted(parquet.get(key, []), key=repr)
        got = sorted(rows, key=repr)
        if want != got and len(mismatches) < 5:
            mismatches.append({"key": list(key), "postgres": [list(r) for r in got], "parquet": [list(r) for r in want]})
    only_parquet = [list(k) for k in parquet if k not in pg][:5]
    print(json.dumps({"rows_postgres": len(pg_rows), "rows_parquet": arrow.num_rows, "column_difference": missing,
                      "mismatches": mismatches, "only_parquet": only_parquet, "types": types}, default=str))


def query(url, sql):
    with psycopg.connect(url) as conn:
        cur = conn.execute(sql)
        rows = [[None if v is None else str(norm(v)) for v in r] for r in cur.fetchall()] if cur.description else []
    print(json.dumps({"rows": rows}))


# Spec 000's investigation queries, written once for both engines: revenue and orders by status,
# events by type and day, orders without a user per day, items per order.
ECOMMERCE_QUERIES = {
    "orders_by_status": "SELECT status, count(*), sum(total_amount) FROM {s}orders GROUP BY status ORDER BY status",
    "events_by_type_day": "SELECT event_type, CAST(created_at AS DATE) AS d, count(*) FROM {s}events GROUP BY 1, 2 ORDER BY 1, 2",
    "null_users_by_day": "SELECT CAST(created_at AS DATE), count(*) FILTER (WHERE user_id IS NULL), count(*) FROM {s}orders GROUP BY 1 ORDER BY 1",
    "items_per_order": "SELECT count(*), count(DISTINCT order_id), sum(quantity * unit_price) FROM {s}order_items",
    "revenue_by_country": "SELECT u.country, count(*), sum(o.total_amount) FROM {s}orders o JOIN {s}users u ON u.user_id = o.user_id "
                          "GROUP BY u.country ORDER BY u.country NULLS FIRST",
}


# Spec 000 section 7's validation queries as the spec writes them (one statement each; they
# run unchanged in both engines). Their rows are compared as sets: the first has no ORDER BY.
SECTION_7 = {
    "7.1 row counts": """SELECT 'users' as tbl, COUNT(*) as cnt FROM users
UNION ALL SELECT 'orders', COUNT(*) FROM orders
UNION ALL SELECT 'order_items', COUNT(*) FROM order_items
UNION ALL SELECT 'events', COUNT(*) FROM events""",
    "7.1 unexpected nulls": """SELECT
    'orders.user_id' as col,
    COUNT(*) as total,
    SUM(CASE WHEN user_id IS NULL THEN 1 ELSE 0 END) as nulls
FROM orders""",
    "7.1 referential integrity": """SELECT COUNT(*) as orphaned_orders
FROM orders o
LEFT JOIN users u ON o.user_id = u.user_id
WHERE o.user_id IS NOT NULL AND u.user_id IS NULL""",
    "7.2 events per day": """SELECT
    DATE_TRUNC('day', created_at) as day,
    COUNT(*) as events
FROM events
GROUP BY 1
ORDER BY 1""",
    "7.2 hourly distribution": """SELECT
    EXTRACT(HOUR FROM created_at) as hour,
    COUNT(*) as events
FROM events
GROUP BY 1
ORDER BY 1""",
    "7.3 null spike": """SELECT
    DATE_TRUNC('day', created_at) as day,
    ROUND(100.0 * SUM(CASE WHEN user_id IS NULL THEN 1 ELSE 0 END) / COUNT(*), 1) as null_pct
FROM orders
GROUP BY 1
ORDER BY 1""",
    "7.3 volume drop": """SELECT
    DATE_TRUNC('day', created_at) as day,
    country,
    COUNT(*) as events
FROM events
WHERE country IN ('DE', 'FR', 'GB')
GROUP BY 1, 2
ORDER BY 1, 2""",
}


def figure(v):
    """One value as text, numbers by value (PostgreSQL's NUMERIC 13 and DuckDB's 13.0 alike)."""
    if isinstance(v, (int, float, decimal.Decimal)) and not isinstance(v, bool):
        d = decimal.Decimal(str(v)).normalize()
        return format(d, "f")
    return str(norm(v))


def ecommerce(url, schema, directory):
    import duckdb

    db = duckdb.connect()
    for t in ["users", "categories", "products", "orders", "order_items", "events"]:
        db.execute(f"CREATE VIEW {t} AS SELECT * FROM read_parquet('{directory}/{t}/**/*.parquet', hive_partitioning = false)")
    out = {}
    with psycopg.connect(url) as conn:
        for name, sql in ECOMMERCE_QUERIES.items():
            pg = [[str(norm(v)) for v in r] for r in conn.execute(sql.format(s=f'"{schema}".')).fetchall()]
            dk = [[str(norm(v)) for v in r] for r in db.execute(sql.format(s="")).fetchall()]
            out[name] = {"postgres": pg, "duckdb": dk, "equal": pg == dk}
        with conn.cursor() as cur:
            cur.execute(f'SET search_path = "{schema}"')
            for name, sql in SECTION_7.items():
                cur.execute(sql)
                pg = sorted([figure(v) for v in r] for r in cur.fetchall())
                dk = sorted([figure(v) for v in r] for r in db.execute(sql).fetchall())
                out[name] = {"postgres": pg, "duckdb": dk, "equal": pg == dk}
    print(json.dumps(out))


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "compare":
        compare(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6:])
    elif command == "query":
        query(sys.argv[2], sys.argv[3])
    elif command == "ecommerce":
        ecommerce(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit(f"unknown command {command}")
