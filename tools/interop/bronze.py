"""Measures a StreamGen bronze dataset (spec 004) with DuckDB and pyarrow; prints one JSON object.

    python bronze.py DIR

Every figure the tests assert comes from here: types, distributions, funnels, keys against the
ground truth, the metadata files against DuckDB's own figures over the same files.
"""
import json
import sys

import duckdb
import pyarrow.parquet as pq

TABLES = {
    "orders": "orders", "customers": "customers", "products": "products", "marketing_campaigns": "campaigns",
    "marketing_events": "events", "user_interactions": "interactions", "support_tickets": "tickets",
}


def main(directory):
    con = duckdb.connect()
    out = {"tables": {}, "figures": {}, "issues": [], "metadata": {}, "queries": {}}
    for table in TABLES:
        con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{directory}/{table}/*.parquet')")
        out["tables"][table] = {
            "duckdb_types": {r[0]: r[1] for r in con.execute(f"DESCRIBE {table}").fetchall()},
            "columns": [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()],
            "rows": con.execute(f"SELECT count(*) FROM {table}").fetchone()[0],
            "pyarrow_rows": sum(pq.ParquetFile(f).metadata.num_rows for f in __import__("glob").glob(f"{directory}/{table}/*.parquet")),
        }

    def one(sql):
        row = con.execute(sql).fetchone()
        return [float(v) if isinstance(v, (int, float)) or hasattr(v, "as_integer_ratio") else (str(v) if v is not None else None) for v in row]

    def rows(sql):
        return [[float(v) if hasattr(v, "as_integer_ratio") and not isinstance(v, bool) else (str(v) if v is not None else None) for v in r]
                for r in con.execute(sql).fetchall()]

    f = out["figures"]
    f["weekday_share"] = one("SELECT avg(CASE WHEN isodow(order_date) <= 5 THEN 1.0 ELSE 0 END) FROM orders")
    f["novdec_lift"] = one("""SELECT (count(*) FILTER (WHERE month(order_date) IN (11, 12)))::DOUBLE
          / count(DISTINCT order_date::DATE) FILTER (WHERE month(order_date) IN (11, 12))
          / ((count(*) FILTER (WHERE month(order_date) NOT IN (11, 12)))::DOUBLE
          / count(DISTINCT order_date::DATE) FILTER (WHERE month(order_date) NOT IN (11, 12))) FROM orders""")
    f["top_hours"] = [r[0] for r in rows("SELECT hour(order_date) h FROM orders GROUP BY 1 ORDER BY count(*) DESC LIMIT 4")]
    f["order_range"] = one("SELECT min(order_date)::DATE::VARCHAR, max(order_date)::DATE::VARCHAR FROM orders")
    for table, column in [("orders", "region"), ("orders", "status"), ("customers", "loyalty_tier"), ("customers", "segment"),
                          ("customers", "gender"), ("customers", "preferred_contact_method"), ("products", "category"),
                          ("marketing_campaigns", "channel"), ("marketing_events", "event_type"), ("user_interactions", "interaction_type"),
                          ("support_tickets", "category"), ("support_tickets", "priority"), ("support_tickets", "status")]:
        f[f"{table}.{column}"] = {r[0]: r[1] for r in rows(f"SELECT {column}, count(*)::DOUBLE / sum(count(*)) OVER () FROM {table} GROUP BY 1")}
    f["top20_share"] = one("""WITH s AS (SELECT customer_id, count(*) n FROM orders GROUP BY 1),
          r AS (SELECT n, row_number() OVER (ORDER BY n DESC) rk FROM s)
          SELECT sum(n) FILTER (WHERE rk <= 0.2 * (SELECT count(*) FROM customers))::DOUBLE / sum(n) FROM r""")
    f["revenue"] = one("SELECT avg(total_amount), stddev(total_amount), min(total_amount), max(total_amount) FROM orders WHERE total_amount > 0")
    f["quantity"] = one("SELECT min(quantity), max(quantity) FROM orders")
    f["discount"] = one("""SELECT avg(CASE WHEN discount_amount > 0 THEN 1.0 ELSE 0 END) FILTER (WHERE discount_amount IS NOT NULL),
          min(discount_amount / (quantity * unit_price)) FILTER (WHERE discount_amount > 0),
          max(discount_amount / (quantity * unit_price)) FILTER (WHERE discount_amount > 0) FROM orders""")
    f["total_rule_misses"] = one("""SELECT count(*) FROM orders WHERE discount_amount IS NOT NULL AND total_amount <> -100
          AND total_amount <> quantity * unit_price - discount_amount""")
    f["tax_rule_misses"] = one("SELECT count(*) FROM orders WHERE tax_amount <> round(quantity * unit_price * 0.08, 2)")
    f["shipping"] = one("SELECT min(shipping_cost), max(shipping_cost) FROM orders")
    f["unit_price_misses"] = one("SELECT count(*) FROM orders o JOIN products p USING (product_id) WHERE o.unit_price <> p.price")
    f["tier_bands"] = {r[0]: r[1:] for r in rows("SELECT loyalty_tier, min(total_lifetime_value), max(total_lifetime_value) FROM customers GROUP BY 1")}
    f["ltv_below_orders"] = one("""SELECT count(*) FROM customers c JOIN (SELECT customer_id, sum(total_amount) t FROM orders GROUP BY 1) o
          USING (customer_id) WHERE c.total_lifetime_value < o.t""")
    f["age"] = one(f"SELECT min(date_diff('year', date_of_birth, DATE '{f['order_range'][1]}')), max(date_diff('year', date_of_birth, DATE '{f['order_range'][1]}')) FROM customers")
    f["signup_range"] = one("SELECT min(signup_date)::VARCHAR, max(signup_date)::VARCHAR FROM customers")
    f["orders_before_signup"] = one("SELECT count(*) FROM orders o JOIN customers c USING (customer_id) WHERE o.order_date::DATE < c.signup_date")
    f["city_state_pairs"] = one("SELECT count(DISTINCT address_city), count(DISTINCT (address_city, address_state)), min(address_country), max(address_country) FROM customers")
    f["price_ranges"] = {r[0]: r[1:] for r in rows("SELECT category, min(price), max(price), avg(margin_pct) FILTER (WHERE margin_pct > 0) FROM products GROUP BY 1")}
    f["margin_rule_misses"] = one("SELECT count(*) FROM products WHERE abs(margin_pct - (price - cost) / price * 100) > 0.051")
    f["negative_margin_cost_above_price"] = one("SELECT count(*), count(*) FILTER (WHERE cost > price) FROM products WHERE margin_pct < 0")
    f["active_share"] = one("SELECT avg(is_active::INT) FROM products")
    f["rating_range"] = one("SELECT min(rating_avg), max(rating_avg) FROM products")
    f["product_names"] = rows("SELECT category, any_value(product_name) FROM products GROUP BY 1 ORDER BY 1")
    f["campaigns"] = one("""SELECT min(end_date - start_date + 1), max(end_date - start_date + 1), min(budget), max(budget),
          min(start_date)::VARCHAR FROM marketing_campaigns""")
    f["campaign_status_misses"] = one(f"""SELECT count(*) FROM marketing_campaigns WHERE
          (status = 'completed' AND end_date >= DATE '{f['order_range'][1]}') OR (status <> 'completed' AND end_date < DATE '{f['order_range'][1]}')""")
    f["events_outside_campaign"] = one("""SELECT count(*) FROM marketing_events e JOIN marketing_campaigns c USING (campaign_id)
          WHERE e.event_date::DATE < c.start_date OR e.event_date::DATE > c.end_date""")
    # Funnel: a click follows an impression of the same user and campaign (conversions, a click).
    f["funnel"] = one("""WITH x AS (SELECT user_id, campaign_id, event_type, event_date FROM marketing_events
            WHERE campaign_id IN (SELECT campaign_id FROM marketing_campaigns))
          SELECT count(*) FILTER (WHERE event_type = 'click')::DOUBLE / count(*) FILTER (WHERE event_type = 'impression'),
                 count(*) FILTER (WHERE event_type = 'conversion')::DOUBLE / count(*) FILTER (WHERE event_type = 'click'),
                 (SELECT count(*) FROM x c WHERE c.event_type = 'click' AND NOT EXISTS (SELECT 1 FROM x i WHERE i.event_type = 'impression'
                    AND i.user_id = c.user_id AND i.campaign_id = c.campaign_id AND i.event_date <= c.event_date)),
                 (SELECT count(*) FROM x v WHERE v.event_type = 'conversion' AND NOT EXISTS (SELECT 1 FROM x c WHERE c.event_type = 'click'
                    AND c.user_id = v.user_id AND c.campaign_id = v.campaign_id AND c.event_date <= v.event_date))
          FROM x""")
    f["event_costs"] = {r[0]: r[1:] for r in rows("SELECT event_type, min(cost), max(cost), count(revenue), min(revenue), max(revenue) FROM marketing_events GROUP BY 1")}
    f["interaction_funnel"] = one("""SELECT count(*) FILTER (WHERE interaction_type = 'cart')::DOUBLE / count(*) FILTER (WHERE interaction_type = 'view'),
          count(*) FILTER (WHERE interaction_type = 'purchase')::DOUBLE / count(*) FILTER (WHERE interaction_type = 'cart'),
          (SELECT count(*) FROM user_interactions c WHERE c.interaction_type = 'cart' AND c.session_id IS NOT NULL AND NOT EXISTS (
              SELECT 1 FROM user_interactions v WHERE v.interaction_type = 'view' AND v.session_id = c.session_id
              AND v.product_id = c.product_id AND v.timestamp <= c.timestamp))
          FROM user_interactions""")
    f["ratings"] = {str(int(r[0])) if r[0] is not None else "null": r[1] for r in rows("SELECT rating, count(*) FROM user_interactions GROUP BY 1")}
    f["ratings_off_type"] = one("SELECT count(*) FROM user_interactions WHERE (rating IS NOT NULL) <> (interaction_type = 'rating')")
    f["duration"] = one("""SELECT min(duration_seconds), max(duration_seconds),
          count(*) FILTER (WHERE (duration_seconds IS NOT NULL) <> (interaction_type = 'view')) FROM user_interactions""")
    f["tickets"] = one("""SELECT count(*) FILTER (WHERE (resolved_at IS NULL) <> (status IN ('open', 'in_progress'))),
          count(*) FILTER (WHERE (satisfaction_score IS NULL) <> (status IN ('open', 'in_progress'))),
          count(*) FILTER (WHERE abs(epoch(resolved_at - created_at) / 3600 - resolution_time_hours) > 0.0001) FROM support_tickets""")
    f["ticket_hours"] = {r[0]: r[1:] for r in rows("SELECT priority, min(resolution_time_hours), max(resolution_time_hours) FROM support_tickets GROUP BY 1")}
    f["satisfaction"] = {str(int(r[0])): r[1] for r in rows("SELECT satisfaction_score, count(*)::DOUBLE / sum(count(*)) OVER () FROM support_tickets WHERE satisfaction_score IS NOT NULL GROUP BY 1")}
    f["id_formats"] = one("""SELECT (SELECT min(order_id) FROM orders), (SELECT min(customer_id) FROM customers), (SELECT min(product_id) FROM products),
          (SELECT min(campaign_id) FROM marketing_campaigns), (SELECT min(event_id) FROM marketing_events),
          (SELECT min(interaction_id) FROM user_interactions), (SELECT min(ticket_id) FROM support_tickets)""")

    # Foreign keys: the rows that miss, by key, to hold against the ground truth.
    def keys(sql):
        return sorted(r[0] for r in con.execute(sql).fetchall())

    fk = {}
    for table, key, column, target, target_key in [
        ("orders", "order_id", "customer_id", "customers", "customer_id"), ("orders", "order_id", "product_id", "products", "product_id"),
        ("marketing_events", "event_id", "campaign_id", "marketing_campaigns", "campaign_id"),
        ("user_interactions", "interaction_id", "product_id", "products", "product_id"),
        ("support_tickets", "ticket_id", "customer_id", "customers", "customer_id"),
    ]:
        fk[f"{table}.{column}"] = keys(f"SELECT DISTINCT {key} FROM {table} WHERE {column} NOT IN (SELECT {target_key} FROM {target})")
    out["foreign_key_misses"] = fk

    # The quality issues as measured, next to the ground truth.
    import os
    truth_file = f"{directory}/_quality/ground_truth.parquet"
    truth = {}
    if os.path.exists(truth_file):
        for table, issue, kind, column, key in con.execute(f"SELECT \"table\", issue, kind, \"column\", key FROM '{truth_file}'").fetchall():
            truth.setdefault(f"{table}#{issue}", {"table": table, "kind": kind, "column": column, "keys": []})["keys"].append(key)
    key_of = {"orders": "order_id", "customers": "customer_id", "products": "product_id", "marketing_events": "event_id",
              "user_interactions": "interaction_id", "marketing_campaigns": "campaign_id", "support_tickets": "ticket_id"}
    measured = {
        ("orders", "null", "discount_amount"): "SELECT order_id FROM orders WHERE discount_amount IS NULL",
        ("orders", "duplicate_rows", None): "SELECT order_id FROM orders GROUP BY order_id HAVING count(*) > 1",
        ("orders", "invalid_value", "total_amount"): "SELECT order_id FROM orders WHERE total_amount < 0",
        ("orders", "mismatched_lookup", "category"): "SELECT o.order_id FROM orders o JOIN products p USING (product_id) WHERE o.category <> p.category",
        ("customers", "null", "phone"): "SELECT customer_id FROM customers WHERE phone IS NULL",
        ("customers", "malformed", "email"): "SELECT customer_id FROM customers WHERE NOT regexp_full_match(email, '[^@ ,]+@[^@ ,]+\\.[a-z]+')",
        ("customers", "duplicate_key", "email"): "SELECT customer_id FROM customers WHERE email IN (SELECT email FROM customers GROUP BY 1 HAVING count(*) > 1)",
        ("products", "null", "rating_avg"): "SELECT product_id FROM products WHERE rating_avg IS NULL",
        ("products", "out_of_range", "margin_pct"): "SELECT product_id FROM products WHERE margin_pct < 0",
        ("marketing_events", "orphan_reference", "campaign_id"): "SELECT event_id FROM marketing_events WHERE campaign_id NOT IN (SELECT campaign_id FROM marketing_campaigns)",
        ("marketing_events", "null", "location"): "SELECT event_id FROM marketing_events WHERE location IS NULL",
        ("user_interactions", "orphan_reference", "product_id"): "SELECT interaction_id FROM user_interactions WHERE product_id NOT IN (SELECT product_id FROM products)",
        ("user_interactions", "null", "session_id"): "SELECT interaction_id FROM user_interactions WHERE session_id IS NULL",
    }
    for (table, kind, column), sql in measured.items():
        found = keys(sql)
        gt = next((t for t in truth.values() if t["table"] == table and t["kind"] == kind and t["column"] == column), None)
        out["issues"].append({
            "table": table, "kind": kind, "column": column, "found": len(found), "distinct_found": len(set(found)),
            "rows": out["tables"][table]["rows"], "truth": len(gt["keys"]) if gt else 0,
            "same_rows": sorted(set(found)) == sorted(set(gt["keys"])) if gt else len(found) == 0,
        })
    out["truth_keys"] = {k: sorted(v["keys"]) for k, v in truth.items()}

    # Metadata files against DuckDB's figures over the same files.
    for table, name in TABLES.items():
        path = f"{directory}/{table}/{name}_metadata.json"
        if not os.path.exists(path):
            continue
        meta = json.load(open(path))
        mismatches = []
        if meta["row_count"] != out["tables"][table]["rows"]:
            mismatches.append(f"row_count {meta['row_count']}")
        size = sum(os.path.getsize(f"{directory}/{table}/{f}") for f in meta["files"])
        if meta["size_bytes"] != size:
            mismatches.append(f"size_bytes {meta['size_bytes']} vs {size}")
        for column in meta["schema"]:
            c = column["name"]
            stats = meta["statistics"][c]
            nulls = con.execute(f'SELECT count(*) - count("{c}") FROM {table}').fetchone()[0]
            if stats["null_count"] != nulls or column["nullable"] != (nulls > 0):
                mismatches.append(f"{c} nulls {stats['null_count']} vs {nulls}")
            if stats["mean"] is not None:
                lo, hi, mean = con.execute(f'SELECT min("{c}"::DOUBLE), max("{c}"::DOUBLE), avg("{c}"::DOUBLE) FROM {table}').fetchone()
                if abs(lo - stats["min"]) > 1e-9 or abs(hi - stats["max"]) > 1e-9 or abs(mean - stats["mean"]) > 1e-9 * max(1, abs(mean)):
                    mismatches.append(f"{c} min/max/mean {stats['min']}/{stats['max']}/{stats['mean']} vs {lo}/{hi}/{mean}")
        out["metadata"][table] = {"dataset_name": meta["dataset_name"], "types": {c["name"]: c["type"] for c in meta["schema"]},
                                  "mismatches": mismatches}

    # Section 6's use cases.
    q = out["queries"]
    q["daily_sales_by_region"] = rows("""SELECT order_date::DATE d, region, sum(total_amount), count(*) FROM orders
          WHERE status = 'completed' GROUP BY 1, 2 ORDER BY 1, 2 LIMIT 8""")
    q["campaign_roi_by_channel"] = rows("""SELECT c.channel, sum(e.revenue) / sum(e.cost) roi, count(*) FILTER (WHERE e.event_type = 'conversion')
          FROM marketing_events e JOIN marketing_campaigns c USING (campaign_id) GROUP BY 1 ORDER BY 1""")
    q["purchases_per_product"] = rows("""SELECT p.category, count(*) FROM user_interactions i JOIN products p USING (product_id)
          WHERE i.interaction_type = 'purchase' GROUP BY 1 ORDER BY 1""")
    q["customer_360"] = rows("""SELECT c.loyalty_tier, count(DISTINCT c.customer_id), sum(o.total_amount) / count(DISTINCT c.customer_id),
          avg(t.satisfaction_score) FROM customers c LEFT JOIN orders o USING (customer_id) LEFT JOIN support_tickets t USING (customer_id)
          GROUP BY 1 ORDER BY 1""")
    print(json.dumps(out, default=str))


if __name__ == "__main__":
    main(sys.argv[1])
