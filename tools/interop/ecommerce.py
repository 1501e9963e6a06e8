"""Measures StreamGen ecommerce fixtures with DuckDB, independently of StreamGen's own reader.

usage: ecommerce.py FIXTURES_DIR LAYOUT [FORMAT]   (LAYOUT: hive or flat; FORMAT: parquet or csv)

Runs each fixture's own load_duckdb.sql (so the script is exercised as users run it), then
prints one JSON object: per fixture, the figures the tests assert on, the results of the
manifest's investigation queries, and the counts the tree-wide load_duckdb.sql loads for it.
"""
import json
import os
import sys

import duckdb


def ids_of(fixture, manifest, name):
    truth = manifest["ground_truth"]
    if name in truth:
        return set(truth[name])
    if name + "_file" in truth:
        con = duckdb.connect()
        rows = con.execute(
            "SELECT id FROM read_parquet(?) WHERE list = ?", [os.path.join(fixture, truth[name + "_file"]), name]
        ).fetchall()
        return {r[0] for r in rows}
    return None


def plain(v):
    """A query's value for JSON: numbers (DECIMAL too) as numbers, anything else as text."""
    if v is None or isinstance(v, (int, str)):
        return v
    try:
        return float(v)
    except (TypeError, ValueError):
        return str(v)


def measure(fixture, layout, fmt):
    manifest = json.load(open(os.path.join(fixture, "manifest.json")))
    start = manifest["simulation_period"]["start"]
    con = duckdb.connect()
    cwd = os.getcwd()
    os.chdir(fixture)
    try:
        con.execute(open("load_duckdb.sql").read())
        price_types = [] if fmt == "csv" else sorted(
            r[0]
            for r in con.execute(
                "SELECT DISTINCT type FROM parquet_schema(?) WHERE name = 'price'",
                ["products.parquet" if layout == "flat" else "products/*.parquet"],
            ).fetchall()
        )
        # The manifest's investigation queries, run as a presenter would (from the fixture's directory).
        hints = []
        for anomaly in manifest["anomalies"]:
            for query in anomaly.get("investigation", {}).get("queries", []):
                cur = con.execute(query["sql"])
                rows = cur.fetchall()
                names = [d[0] for d in cur.description]
                hints.append({"purpose": query["purpose"], "returns": query.get("returns"),
                              "got": dict(zip(names, [plain(v) for v in rows[0]])) if rows else None,
                              "rows": len(rows)})
    finally:
        os.chdir(cwd)
    q = lambda sql: con.execute(sql.replace("{start}", start)).fetchall()
    day = "(date_diff('day', DATE '{start}', created_at::DATE) + 1)"
    m = {"manifest": manifest}
    m["counts"] = {t: q(f"SELECT COUNT(*) FROM {t}")[0][0] for t in ["users", "categories", "products", "orders", "order_items", "events"]}
    m["columns"] = {
        t: [[r[0], r[1]] for r in q(f"SELECT column_name, column_type FROM (DESCRIBE {t})")]
        for t in ["users", "categories", "products", "orders", "order_items", "events"]
    }
    m["events_per_day"] = [r[1] for r in q(f"SELECT {day} d, COUNT(*) FROM events GROUP BY 1 ORDER BY 1")]
    m["events_outside"] = q("SELECT COUNT(*) FROM events WHERE created_at < DATE '{start}' OR created_at >= DATE '{start}' + INTERVAL 7 DAY")[0][0]
    m["hourly"] = [r[1] for r in q("SELECT EXTRACT(HOUR FROM created_at) h, COUNT(*) FROM events GROUP BY 1 ORDER BY 1")]
    m["orders_per_day"] = [r[1] for r in q(f"SELECT {day} d, COUNT(*) FROM orders GROUP BY 1 ORDER BY 1")]
    window = "created_at >= TIMESTAMP '{start}' + INTERVAL 2 DAY + INTERVAL 14 HOUR AND created_at < TIMESTAMP '{start}' + INTERVAL 5 DAY"
    m["null_window"] = q(f"SELECT AVG(CASE WHEN user_id IS NULL THEN 1.0 ELSE 0 END) FROM orders WHERE {window}")[0][0]
    m["null_outside"] = q(f"SELECT AVG(CASE WHEN user_id IS NULL THEN 1.0 ELSE 0 END) FROM orders WHERE NOT ({window})")[0][0]
    m["null_window_mobile_share"] = q(f"SELECT AVG(CASE WHEN device_type = 'mobile' THEN 1.0 ELSE 0 END) FROM orders WHERE user_id IS NULL AND {window}")[0][0]
    m["null_window_app_versions"] = sorted(
        str(r[0]) for r in q(f"SELECT DISTINCT app_version FROM orders WHERE user_id IS NULL AND {window}")
    )
    m["null_before_14h_day3"] = q(
        "SELECT AVG(CASE WHEN user_id IS NULL THEN 1.0 ELSE 0 END) FROM orders WHERE created_at >= TIMESTAMP '{start}' + INTERVAL 2 DAY AND created_at < TIMESTAMP '{start}' + INTERVAL 2 DAY + INTERVAL 14 HOUR"
    )[0][0]
    orphans = q(f"SELECT {day.replace('created_at', 'o.created_at')}, o.order_id FROM orders o LEFT JOIN users u ON o.user_id = u.user_id WHERE o.user_id IS NOT NULL AND u.user_id IS NULL")
    m["orphans_per_day"] = {str(d): sum(1 for x in orphans if x[0] == d) for d in range(1, 8)}
    m["orphan_ids"] = sorted(x[1] for x in orphans)
    dups = q(
        f"SELECT {day} d, COUNT(DISTINCT order_id) FROM (SELECT order_id, MIN(created_at) created_at FROM order_items GROUP BY order_id, product_id HAVING COUNT(*) > 1) GROUP BY 1 ORDER BY 1"
    )
    m["dup_orders_per_day"] = {str(r[0]): r[1] for r in dups}
    m["dup_rows"] = q("SELECT COALESCE(SUM(n - 1), 0) FROM (SELECT COUNT(*) n FROM order_items GROUP BY order_id, product_id)")[0][0]
    m["total_mismatch"] = q(
        "SELECT COUNT(*) FROM orders o JOIN (SELECT order_id, SUM(quantity * unit_price) s FROM order_items GROUP BY 1) i USING (order_id) WHERE o.total_amount <> i.s - o.discount_amount + o.shipping_cost"
    )[0][0]
    m["unresolved"] = {
        "order_items.order_id": q("SELECT COUNT(*) FROM order_items i ANTI JOIN orders o USING (order_id)")[0][0],
        "order_items.product_id": q("SELECT COUNT(*) FROM order_items i ANTI JOIN products p USING (product_id)")[0][0],
        "events.user_id": q("SELECT COUNT(*) FROM events e WHERE user_id IS NOT NULL AND user_id NOT IN (SELECT user_id FROM users)")[0][0],
        "products.category_id": q("SELECT COUNT(*) FROM products ANTI JOIN categories USING (category_id)")[0][0],
    }
    m["events_before_user"] = q("SELECT COUNT(*) FROM events e JOIN users u USING (user_id) WHERE e.created_at < u.created_at")[0][0]
    partition = "date" if layout == "hive" else "inserted_at::DATE"
    m["late"] = q(f"SELECT COUNT(*) FROM events WHERE created_at::DATE = DATE '{{start}}' + 1 AND {partition} = DATE '{{start}}' + 4")[0][0]
    m["misplaced"] = q(f"SELECT COUNT(*) FROM events WHERE created_at::DATE <> {partition}")[0][0]
    m["late_ids"] = sorted(
        r[0] for r in q(f"SELECT event_id FROM events WHERE created_at::DATE = DATE '{{start}}' + 1 AND {partition} = DATE '{{start}}' + 4")
    )
    eu = "country IN ('DE', 'FR', 'GB', 'IT', 'ES', 'NL')"
    m["eu_per_day"] = [r[1] for r in q(f"SELECT {day}, COUNT(*) FILTER (WHERE {eu}) FROM events GROUP BY 1 ORDER BY 1")]
    m["other_per_day"] = [r[1] for r in q(f"SELECT {day}, COUNT(*) FILTER (WHERE NOT {eu}) FROM events GROUP BY 1 ORDER BY 1")]
    m["price_types"] = price_types
    m["usd_prices"] = q("SELECT COUNT(*) FROM products WHERE CAST(price AS VARCHAR) LIKE '% USD'")[0][0]
    m["event_types"] = sorted(r[0] for r in q("SELECT DISTINCT event_type FROM events"))
    m["anonymous_share"] = q("SELECT AVG(CASE WHEN user_id IS NULL THEN 1.0 ELSE 0 END) FROM events")[0][0]
    m["json_ok"] = q("SELECT COUNT(*) FROM events WHERE json_valid(event_properties::VARCHAR)")[0][0]
    m["checkout_orders_match"] = q(
        "SELECT COUNT(*) FROM events e JOIN orders o ON json_extract_string(e.event_properties, '$.order_id') = o.order_id WHERE e.event_type = 'checkout_completed' AND e.session_id = o.session_id"
    )[0][0]
    m["ltv_below_spend"] = q(
        "SELECT COUNT(*) FROM users u JOIN (SELECT user_id, SUM(total_amount) s FROM orders WHERE user_id IS NOT NULL GROUP BY 1) o USING (user_id) WHERE u.lifetime_value < o.s"
    )[0][0]
    truth = {}
    for name in ["affected_order_ids", "duplicate_order_item_ids", "affected_event_ids", "dropped_event_ids", "affected_product_ids"]:
        s = ids_of(fixture, manifest, name)
        if s is not None:
            truth[name] = sorted(s)
    m["truth"] = truth
    m["null_window_ids"] = sorted(r[0] for r in q(f"SELECT order_id FROM orders WHERE user_id IS NULL AND {window}"))
    m["hints"] = hints
    # null_spike per day of its window (day 3 from 14:00), and the release on the events.
    m["null_by_window_day"] = {
        str(r[0]): [r[1], r[2]]
        for r in q(f"SELECT {day}, COUNT(*), COUNT(*) FILTER (WHERE user_id IS NULL) FROM orders WHERE {window} GROUP BY 1 ORDER BY 1")
    }
    m["broken_release_events"] = [list(r) for r in q(
        "SELECT device_type, channel, COUNT(*), MIN(created_at)::VARCHAR, MAX(created_at)::VARCHAR FROM events WHERE app_version = '2.3.1' GROUP BY ALL ORDER BY ALL")]
    m["broken_release_orders"] = q("SELECT COUNT(*), COUNT(user_id) FROM orders WHERE app_version = '2.3.1'")[0]
    m["platforms"] = [list(r) for r in q("SELECT platform, channel, COUNT(*), COUNT(app_version) FROM events GROUP BY ALL ORDER BY ALL")]
    m["distinct_items"] = q("SELECT COUNT(*) FROM (SELECT DISTINCT order_id, product_id FROM order_items)")[0][0]
    return m


def tree_counts(root, fixtures):
    """Loads each fixture through the tree's own load_duckdb.sql, naming it with a DuckDB variable."""
    cwd = os.getcwd()
    os.chdir(root)
    out = {}
    try:
        script = open("load_duckdb.sql").read()
        for name in fixtures:
            con = duckdb.connect()
            con.execute(f"SET VARIABLE fixture = '{name}'")
            con.execute(script)
            out[name] = {t: con.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ["users", "categories", "products", "orders", "order_items", "events"]}
            out[name]["price_type"] = con.execute("SELECT data_type FROM information_schema.columns WHERE table_name = 'products' AND column_name = 'price'").fetchone()[0]
    finally:
        os.chdir(cwd)
    return out


def main():
    root, layout = sys.argv[1], sys.argv[2]
    fmt = sys.argv[3] if len(sys.argv) > 3 else "parquet"
    out = {}
    for name in sorted(os.listdir(root)):
        path = os.path.join(root, name)
        if os.path.isfile(os.path.join(path, "manifest.json")):
            out[name] = measure(path, layout, fmt)
    tree = tree_counts(root, sorted(out)) if os.path.isfile(os.path.join(root, "load_duckdb.sql")) else {}
    for name, counts in tree.items():
        out[name]["tree_counts"] = counts
    print(json.dumps(out, default=str))


main()
