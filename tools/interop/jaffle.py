"""Measures a jaffle dataset (spec 001) with DuckDB, independently of StreamGen: headers and
column order, ids and foreign keys, payments, daily volumes, signups before first orders, the
validation files against the training files and the manifest's ground truth, the sessions'
timing and platform rules, and the ads' daily rows. Prints one JSON object (the last line) for
the Swift tests to assert on: `violations` (each should be 0) and `figures`.

usage: jaffle.py DATASET_DIR
"""
import csv
import json
import os
import sys

import duckdb

COLUMNS = {
    "customers": ["id", "first_name", "last_name"],
    "orders": ["id", "user_id", "order_date", "status"],
    "payments": ["id", "order_id", "payment_method", "amount"],
    "signups": ["id", "user_id", "user_email", "hashed_password", "signup_date"],
    "sessions": ["session_id", "customer_id", "started_at", "ended_at", "utm_source", "ad_id"],
    "ads": ["ad_id", "date", "utm_medium", "utm_campain", "cost"],
}
TYPES = {
    "customers": {"id": "BIGINT", "first_name": "VARCHAR", "last_name": "VARCHAR"},
    "orders": {"id": "BIGINT", "user_id": "BIGINT", "order_date": "TIMESTAMP", "status": "VARCHAR"},
    "payments": {"id": "BIGINT", "order_id": "BIGINT", "payment_method": "VARCHAR", "amount": "BIGINT"},
    "signups": {"id": "BIGINT", "user_id": "BIGINT", "user_email": "VARCHAR", "hashed_password": "VARCHAR", "signup_date": "TIMESTAMP"},
    "sessions": {"session_id": "VARCHAR", "customer_id": "BIGINT", "started_at": "TIMESTAMP", "ended_at": "TIMESTAMP",
                 "utm_source": "VARCHAR", "ad_id": "VARCHAR"},
    "ads": {"ad_id": "VARCHAR", "date": "DATE", "utm_medium": "VARCHAR", "utm_campain": "VARCHAR", "cost": "DECIMAL(10,2)"},
}
TABLES = {}
for part in ["training", "validation"]:
    for kind in ["customers", "orders", "payments", "signups"]:
        TABLES[f"raw_{kind}_{part}"] = (part, kind)
TABLES["stg_website_sessions"] = ("sessions", "sessions")
TABLES["stg_app_sessions"] = ("sessions", "sessions")
for p in ["google", "facebook", "instagram"]:
    TABLES[f"stg_{p}_ads"] = ("ads", "ads")


def main():
    d = sys.argv[1]
    manifest = json.load(open(os.path.join(d, "manifest.json")))
    options = manifest["options"]
    fmt = options["format"]
    con = duckdb.connect()
    figures = {"format": fmt}
    violations = {}
    headers = {}
    for name, (part, kind) in TABLES.items():
        if fmt == "csv":
            path = os.path.join(d, part, name + ".csv")
            with open(path, newline="") as f:
                headers[name] = next(csv.reader(f))
            cols = "{" + ", ".join(f"'{c}': '{TYPES[kind][c]}'" for c in COLUMNS[kind]) + "}"
            # The formats are given only where the table has such a column (DuckDB pushes a
            # cast of a timestamp to a date into the reader, with the date format).
            formats = ", dateformat='%Y-%m-%d'" if kind == "ads" else ", timestampformat='%Y-%m-%d %H:%M:%S'"
            con.execute(f"create view {name} as select * from read_csv('{path}', header=true, columns={cols}{formats}, quote='\"', escape='\"')")
        else:
            path = os.path.join(d, part, name, "**", "*.parquet")
            con.execute(f"create view {name} as select * exclude (filename), filename from read_parquet('{path}', hive_partitioning=false, filename=true)")
            headers[name] = [r[0] for r in con.execute(f"describe {name}").fetchall() if r[0] != "filename"]
            types = {r[0]: r[1] for r in con.execute(f"describe {name}").fetchall()}
            violations[f"{name}: parquet types"] = sum(1 for c in COLUMNS[kind] if types.get(c) != TYPES[kind][c])
    for name, (part, kind) in TABLES.items():
        violations[f"{name}: header and column order"] = 0 if headers[name] == COLUMNS[kind] else 1

    def one(sql):
        return con.execute(sql).fetchone()[0]

    start = options["start"]
    end = options["end"]
    days_back = options["days_back"]
    figures["start"], figures["end"] = start, end

    # Training: contiguous ids, foreign keys, one signup per customer.
    for name in ["raw_customers_training", "raw_orders_training", "raw_payments_training"]:
        violations[f"{name}: ids 1..n contiguous and unique"] = one(
            f"select count(*) - count(distinct id) + (max(id) - count(*)) + (min(id) - 1) from {name}")
    violations["orders: user_id without a customer"] = one(
        "select count(*) from raw_orders_training o anti join raw_customers_training c on o.user_id = c.id")
    violations["payments: order_id without an order"] = one(
        "select count(*) from raw_payments_training p anti join raw_orders_training o on p.order_id = o.id")
    violations["signups: id = user_id"] = one("select count(*) from raw_signups_training where id <> user_id")
    violations["signups: one per customer"] = one(
        "select (select count(*) from raw_customers_training) - count(distinct s.user_id) from raw_signups_training s semi join raw_customers_training c on s.user_id = c.id") \
        + one("select count(*) - count(distinct user_id) from raw_signups_training")
    violations["signups: user without a customer"] = one(
        "select count(*) from raw_signups_training s anti join raw_customers_training c on s.user_id = c.id")
    violations["orders: status outside the five"] = one(
        "select count(*) from raw_orders_training where status not in ('placed','shipped','completed','return_pending','returned')")
    violations["customers: last name not an initial"] = one(
        "select count(*) from raw_customers_training where not regexp_full_match(last_name, '[A-Z]\\.')")
    figures["first_names"] = one("select count(distinct first_name) from raw_customers_training")
    violations["customers: blank first name"] = one("select count(*) from raw_customers_training where trim(first_name) = ''")
    violations["signups: email not first+last+id@example.com"] = one(
        "select count(*) from raw_signups_training s join raw_customers_training c on s.user_id = c.id "
        "where s.user_email is not null and s.user_email <> lower(c.first_name) || lower(c.last_name) || c.id::varchar || '@example.com'")
    figures["empty_email_share"] = one("select avg(case when user_email is null then 1.0 else 0 end) from raw_signups_training")
    violations["signups: hash not 64 hex"] = one(
        "select count(*) from raw_signups_training where not regexp_full_match(hashed_password, '[0-9a-f]{64}')")
    figures["distinct_hashes"] = one("select count(distinct hashed_password) from raw_signups_training")

    # Payments: 1-2 per order, multiples of 100 from 100 to 2,900, totals at most 3,000.
    violations["payments: amount outside 100..2900 or not a multiple of 100"] = one(
        "select count(*) from raw_payments_training where amount % 100 <> 0 or amount < 100 or amount > 2900")
    violations["payments: orders with other than 1-2 payments"] = one(
        "select count(*) from (select o.id, count(p.id) n from raw_orders_training o left join raw_payments_training p on p.order_id = o.id group by o.id) where n not between 1 and 2")
    violations["payments: order total above 3000"] = one(
        "select count(*) from (select order_id, sum(amount) t from raw_payments_training group by order_id) where t > 3000")
    violations["payments: method outside the four"] = one(
        "select count(*) from raw_payments_training where payment_method not in ('credit_card','coupon','bank_transfer','gift_card')")
    figures["methods"] = dict(con.execute("select payment_method, count(*) from raw_payments_training group by 1").fetchall())
    figures["two_payment_share"] = one(
        "select avg(case when n = 2 then 1.0 else 0 end) from (select order_id, count(*) n from raw_payments_training group by 1)")

    # Days: orders and new customers per day, on consecutive days ending the day before the last.
    days = con.execute("select order_date::date d, count(*) from raw_orders_training group by 1 order by 1").fetchall()
    figures["order_days"] = len(days)
    figures["orders_per_day"] = [n for _, n in days]
    figures["first_order_day"] = str(days[0][0]) if days else None
    figures["last_order_day"] = str(days[-1][0]) if days else None
    violations["orders: days not consecutive"] = one(
        "select count(*) from (select d, lag(d) over (order by d) p from (select distinct order_date::date d from raw_orders_training)) where p is not null and d - p <> 1")
    cust_days = con.execute(
        "select signup_date::date, count(*) from raw_signups_training group by 1 order by 1").fetchall()
    figures["customers_per_day"] = [n for _, n in cust_days]
    figures["customers"] = one("select count(*) from raw_customers_training")
    figures["orders"] = one("select count(*) from raw_orders_training")
    figures["payments"] = one("select count(*) from raw_payments_training")
    figures["statuses"] = dict(con.execute("select status, count(*) from raw_orders_training group by 1").fetchall())

    # Signups on or before the first order.
    violations["signups: after the customer's first order"] = one(
        "select count(*) from raw_signups_training s join (select user_id, min(order_date) f from raw_orders_training group by 1) o using (user_id) where s.signup_date > o.f")

    # Sessions.
    con.execute("create view first_orders as select user_id customer_id, min(order_date) f from raw_orders_training group by 1")
    for name, prefix, sources in [("stg_website_sessions", "w", ("google", "facebook")), ("stg_app_sessions", "a", ("facebook", "instagram"))]:
        violations[f"{name}: ids {prefix}1..n"] = one(
            f"select count(*) - count(distinct session_id) + max(substr(session_id, 2)::bigint) - count(*) + sum(case when session_id[1] <> '{prefix}' then 1 else 0 end) from {name}")
        violations[f"{name}: more than one per customer"] = one(f"select count(*) - count(distinct customer_id) from {name}")
        violations[f"{name}: customer who never ordered"] = one(f"select count(*) from {name} s anti join first_orders o using (customer_id)")
        violations[f"{name}: not 1-24 whole hours before the first order"] = one(
            f"select count(*) from {name} s join first_orders o using (customer_id) "
            f"where epoch(o.f) - epoch(s.started_at) not in (select h * 3600 from range(1, 25) t(h))")
        violations[f"{name}: lasting outside 1-45 minutes"] = one(
            f"select count(*) from {name} where epoch(ended_at) - epoch(started_at) not between 60 and 2700")
        violations[f"{name}: utm_source not {'/'.join(sources)}"] = one(
            f"select count(*) from {name} where utm_source not in {sources}")
        violations[f"{name}: ad id prefix not the utm_source's"] = one(
            f"select count(*) from {name} where ad_id[1] <> utm_source[1]")
        figures[f"{name}_within_6h"] = one(
            f"select avg(case when epoch(o.f) - epoch(s.started_at) <= 6 * 3600 then 1.0 else 0 end) from {name} s join first_orders o using (customer_id)")
        figures[f"{name}_rows"] = one(f"select count(*) from {name}")
    figures["ordering_customers"] = one("select count(*) from first_orders")
    violations["stg_website_sessions: an ordering customer without one"] = one(
        "select count(*) from first_orders o anti join stg_website_sessions s using (customer_id)")
    con.execute("create view all_ads as select * from stg_google_ads union all select * from stg_facebook_ads union all select * from stg_instagram_ads")
    violations["sessions: ad id not in the ads files"] = one(
        "select count(*) from (select ad_id from stg_website_sessions union all select ad_id from stg_app_sessions) s anti join (select distinct ad_id from all_ads) a using (ad_id)")

    # Ads: one row per ad per day from its start to the run's last day.
    for p in ["google", "facebook", "instagram"]:
        t = f"stg_{p}_ads"
        figures[f"{t}_ads"] = one(f"select count(distinct ad_id) from {t}")
        violations[f"{t}: ad id prefix"] = one(f"select count(*) from {t} where ad_id[1] <> '{p[0]}'")
    violations["ads: gaps or repeats in an ad's days"] = one(
        "select count(*) from (select ad_id, count(*) n, count(distinct date) k, min(date) a, max(date) b from all_ads group by 1) where n <> k or n <> b - a + 1")
    violations["ads: not running to the last day"] = one(
        f"select count(*) from (select ad_id, max(date) b from all_ads group by 1) where b <> date '{end}'")
    violations["ads: more than one medium or campaign per ad"] = one(
        "select count(*) from (select ad_id, count(distinct utm_medium) m, count(distinct utm_campain) c from all_ads group by 1) where m <> 1 or c <> 1")
    violations["ads: cost not positive"] = one("select count(*) from all_ads where cost <= 0")
    figures["ad_rows"] = one("select count(*) from all_ads")
    starts = con.execute(f"select min(date '{end}' - s), max(date '{end}' - s) from (select min(date) s from all_ads group by ad_id)").fetchone()
    figures["ad_start_days_back"] = list(starts)
    figures["ad_cost_cv"] = one("select avg(sd / m) from (select stddev_pop(cost::double) sd, avg(cost::double) m from all_ads group by ad_id)")

    # Validation: the training rows first, unchanged, then the anomalies.
    for kind in ["customers", "orders", "payments", "signups"]:
        t, v = f"raw_{kind}_training", f"raw_{kind}_validation"
        n = one(f"select count(*) from {t}")
        if fmt == "csv":
            a = open(os.path.join(d, "training", t + ".csv"), "rb").read()
            b = open(os.path.join(d, "validation", v + ".csv"), "rb").read()
            violations[f"{v}: training bytes not its prefix"] = 0 if b.startswith(a) else 1
            figures[f"{v}_extra_rows"] = one(f"select count(*) from {v}") - n
        else:
            violations[f"{v}: training rows not in it"] = one(f"select count(*) from (select * exclude (filename) from {t} except all select * exclude (filename) from {v})")
            figures[f"{v}_extra_rows"] = one(f"select count(*) from {v}") - n
    truth = {}
    for row in csv.DictReader(open(os.path.join(d, "_quality", "anomalies.csv"))):
        truth.setdefault(row["kind"], set()).add(int(row["id"]))
    listed = {a["kind"]: a for a in options.get("anomalies", [])}
    max_customer = one("select max(id) from raw_customers_training")
    max_order = one("select max(id) from raw_orders_training")
    max_payment = one("select max(id) from raw_payments_training")
    found = {
        "blank_first_name": f"select id from raw_customers_validation where id > {max_customer} and trim(first_name) = ''",
        "first_name_as_last_name": f"select id from raw_customers_validation where id > {max_customer} and first_name = last_name",
        "customer_without_signup": "select id from raw_customers_validation c anti join raw_signups_validation s on s.user_id = c.id",
        "lost_status": "select distinct id from raw_orders_validation where status = 'lost'",
        "duplicate_order_id": "select id from raw_orders_validation group by id having count(*) > 1",
        "zero_amount": "select id from raw_payments_validation where amount = 0",
        "shared_email": "select id from raw_signups_validation where user_email in (select user_email from raw_signups_validation group by 1 having count(*) > 1)",
        "orphan_signup": "select id from raw_signups_validation s anti join raw_customers_validation c on s.user_id = c.id",
    }
    new_customers = one(f"select count(*) from raw_customers_validation where id > {max_customer}")
    new_orders = one(f"select count(distinct id) from raw_orders_validation where id > {max_order}")
    new_payments = one(f"select count(*) from raw_payments_validation where id > {max_payment}")
    figures["validation_new"] = {"customers": new_customers, "orders": new_orders, "order_rows": one(f"select count(*) from raw_orders_validation where id > {max_order}"),
                                 "payments": new_payments}
    rates = {}
    for kind, sql in found.items():
        ids = {r[0] for r in con.execute(sql).fetchall()}
        violations[f"anomaly {kind}: found in the files != ground truth"] = len(ids ^ truth.get(kind, set()))
        entry = listed.get(kind, {})
        violations[f"anomaly {kind}: manifest count != ground truth"] = 0 if entry.get("count") == len(truth.get(kind, set())) else 1
        if isinstance(entry.get("ids"), list):
            violations[f"anomaly {kind}: manifest ids != ground truth"] = len(set(entry["ids"]) ^ truth.get(kind, set()))
        rates[kind] = len(ids)
    figures["anomalies"] = rates
    figures["anomaly_rates"] = {
        "bad_names": (rates["blank_first_name"] + rates["first_name_as_last_name"]) / max(new_customers, 1),
        "lost": rates["lost_status"] / max(new_orders, 1),
        "zero_amount": rates["zero_amount"] / max(new_payments, 1),
        "without_signup": rates["customer_without_signup"] / max(new_customers, 1),
    }
    violations["validation: a new order not written exactly twice"] = one(
        f"select count(*) from (select id, count(*) n from raw_orders_validation where id > {max_order} group by 1) where n <> 2")
    violations["validation: a training order repeated"] = one(
        f"select count(*) from (select id, count(*) n from raw_orders_validation where id <= {max_order} group by 1) where n <> 1")

    if fmt == "parquet":
        # Partitions: each file in day=D holds rows of that day (sessions: the first order's day).
        for name, col in [("raw_orders_training", "order_date"), ("raw_signups_training", "signup_date"), ("stg_google_ads", "date")]:
            violations[f"{name}: rows outside their day= partition"] = one(
                f"select count(*) from {name} where {col}::date::varchar <> regexp_extract(filename, 'day=([0-9-]+)', 1)")
    print(json.dumps({"violations": violations, "figures": figures, "days_back": days_back}, default=str))


if __name__ == "__main__":
    main()
