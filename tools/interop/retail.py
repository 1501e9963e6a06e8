"""Measures a retail dataset (spec 003) with DuckDB and pyarrow, independently of StreamGen's
own validation: every constraint and foreign key of the spec, the types, and each demand
pattern's effect. Prints one JSON object (the last line) for the Swift tests to assert on.

usage: retail.py DATASET_DIR [--rag]
"""
import json
import math
import sys

import duckdb
import pyarrow.parquet as pq

TABLES = ["store", "product", "calendar", "sales_daily", "price_history", "promotion", "inventory_snapshot_daily"]


def main():
    directory = sys.argv[1]
    con = duckdb.connect()
    present = []
    for t in TABLES:
        try:
            con.execute(f"create view {t} as select * from read_parquet('{directory}/{t}/*.parquet')")
            present.append(t)
        except duckdb.Error:
            pass

    def one(sql):
        return con.execute(sql).fetchone()[0]

    def rows(sql):
        return con.execute(sql).fetchall()

    out = {"tables": {}}
    for t in present:
        info = {"rows": one(f"select count(*) from {t}")}
        info["types"] = {name: kind for name, kind, *_ in rows(f"describe {t}")}
        # pyarrow reads every file too, and counts the same rows.
        import glob
        info["pyarrow_rows"] = sum(pq.ParquetFile(f).metadata.num_rows for f in glob.glob(f"{directory}/{t}/*.parquet"))
        out["tables"][t] = info
    if "sales_daily" not in present:
        print(json.dumps(out))
        return

    v = {}
    # Grain and checks.
    for t in ["sales_daily", "inventory_snapshot_daily"]:
        v[f"{t}_duplicate_grain"] = one(f"select count(*) from (select date, store_id, product_id from {t} group by all having count(*) > 1)")
    v["quantity_negative"] = one("select count(*) from sales_daily where quantity < 0")
    v["unit_price_negative"] = one("select count(*) from sales_daily where unit_price < 0")
    v["total_wrong"] = one("select count(*) from sales_daily where total_amount <> quantity * unit_price")
    v["on_hand_negative"] = one("select count(*) from inventory_snapshot_daily where on_hand_qty < 0")
    v["calendar_bad"] = one("""select count(*) from calendar where day_of_week not between 0 and 6 or month not between 1 and 12
        or quarter not between 1 and 4 or day_of_week <> (isodow(date) - 1) or month <> month(date) or quarter <> quarter(date)
        or week_of_year <> weekofyear(date) or is_weekend <> (isodow(date) >= 6) or (is_holiday and holiday_name is null)
        or (not is_holiday and holiday_name is not null)""")
    v["calendar_gaps"] = one("select count(*) from (select date - lag(date) over (order by date) d from calendar) where d <> 1")
    v["price_bad"] = one("select count(*) from price_history where price < 0 or valid_to < valid_from")
    v["price_overlap"] = one("""select count(*) from (select store_id, product_id, valid_from,
        lag(valid_to) over (partition by store_id, product_id order by valid_from) prev from price_history) where valid_from <= prev""")
    v["promotion_bad"] = one("select count(*) from promotion where discount_pct < 0 or discount_pct > 1 or end_date < start_date")
    v["promotion_duplicate_id"] = one("select count(*) from (select promotion_id from promotion group by 1 having count(*) > 1)")
    # Foreign keys.
    for child in ["sales_daily", "price_history", "promotion", "inventory_snapshot_daily"]:
        v[f"{child}_store_fk"] = one(f"select count(*) from {child} c anti join store s using (store_id)")
        v[f"{child}_product_fk"] = one(f"select count(*) from {child} c anti join product p using (product_id)")
    for child in ["sales_daily", "inventory_snapshot_daily"]:
        v[f"{child}_calendar_fk"] = one(f"select count(*) from {child} c anti join calendar k using (date)")
    v["sales_promotion_fk"] = one("select count(*) from sales_daily s where promotion_id is not null and promotion_id not in (select promotion_id from promotion)")
    v["sales_outside_promotion"] = one("""select count(*) from sales_daily s join promotion p using (promotion_id)
        where s.date not between p.start_date and p.end_date or s.store_id <> p.store_id or s.product_id <> p.product_id""")
    # The price in effect less the discount.
    v["unit_price_not_effective"] = one("""select count(*) from sales_daily s
        join price_history h on h.store_id = s.store_id and h.product_id = s.product_id and s.date between h.valid_from and h.valid_to
        left join promotion p using (promotion_id)
        where s.unit_price <> round(h.price * (1 - coalesce(p.discount_pct, 0)), 2)""")
    v["sales_without_price"] = one("""select count(*) from sales_daily s anti join price_history h
        on h.store_id = s.store_id and h.product_id = s.product_id and s.date between h.valid_from and h.valid_to""")
    v["inventory_unmatched"] = one("select count(*) from sales_daily s anti join inventory_snapshot_daily i using (date, store_id, product_id)")
    v["nulls"] = one("""select count(*) from sales_daily where date is null or store_id is null or product_id is null or quantity is null
        or unit_price is null or total_amount is null""")
    out["violations"] = v

    # Demand as drawn: sales plus the demand stock could not meet.
    con.execute("""create temp table d as select s.date, s.store_id, s.product_id, s.quantity, s.quantity + i.unmet_demand_qty as demand,
        s.promotion_id is not null as promoted, i.is_stockout, i.on_hand_qty, i.on_order_qty, c.day_of_week, c.month, c.is_holiday,
        c.holiday_name, p.launch_date, p.discontinued_date
        from sales_daily s join inventory_snapshot_daily i using (date, store_id, product_id) join calendar c using (date)
        join product p using (product_id)""")
    f = {}
    f["demand_by_weekday"] = [r[1] for r in rows("select day_of_week, avg(demand) from d where not is_holiday group by 1 order by 1")]
    f["demand_by_month"] = {str(m): a for m, a in rows("select month, avg(demand) from d where not is_holiday group by 1 order by 1")}
    f["holidays"] = {str(n): a for n, a in rows("""select h.holiday_name, h.a / o.a from
        (select holiday_name, date, day_of_week, month, avg(demand) a from d where is_holiday group by all) h
        join (select day_of_week, month, avg(demand) a from d where not is_holiday group by all) o using (day_of_week, month)""")}
    f["promotion_lift"] = one("select avg(case when promoted then demand end) / avg(case when not promoted then demand end) from d")
    f["promoted_share"] = one("select avg(promoted::int) from d")
    # Price rises and falls: consecutive windows of a series, demand per day in each relative to the
    # day's demand over every series (so the season and the trend drop out); launches and ends left out.
    con.execute("create temp table dn as select store_id, product_id, date, promoted, demand / avg(demand) over (partition by date) nd from d")
    windows = rows("""with w as (select h.store_id, h.product_id, h.valid_from, h.price,
            lag(h.price) over (partition by h.store_id, h.product_id order by h.valid_from) prev_price,
            (select avg(nd) from dn where dn.store_id = h.store_id and dn.product_id = h.product_id and dn.date between h.valid_from and h.valid_to
               and not dn.promoted) dem from price_history h join product p using (product_id)
            where p.launch_date < (select min(date) from calendar) - 60 and p.discontinued_date is null)
        select price, prev_price, dem, lag(dem) over (partition by store_id, product_id order by valid_from) prev_dem from w""")
    xs, ys = [], []
    for price, prev_price, dem, prev_dem in windows:
        if prev_price and dem and prev_dem and price != prev_price:
            xs.append(math.log(float(price) / float(prev_price)))
            ys.append(math.log(dem / prev_dem))
    if len(xs) > 2:
        mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
        f["elasticity"] = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
        rises = [y for x, y in zip(xs, ys) if x > 0]
        falls = [y for x, y in zip(xs, ys) if x < 0]
        f["after_rise"] = math.exp(sum(rises) / len(rises)) if rises else None
        f["after_fall"] = math.exp(sum(falls) / len(falls)) if falls else None
        f["price_changes"] = len(xs)
    f["stockout_share"] = one("select avg(is_stockout::int) from d")
    f["stockout_with_sales"] = one("select count(*) from d where is_stockout and (quantity > 0 or on_hand_qty > 0)")
    f["stockout_days"] = one("select count(*) from d where is_stockout")
    # Launch ramp: demand by day since launch, over the products launched inside the period.
    f["launched_products"] = one("select count(*) from product where launch_date >= (select min(date) from calendar)")
    f["discontinued_products"] = one("select count(*) from product where discontinued_date is not null")
    ramp = rows("""select (date - launch_date) // 7 wk, avg(demand) from d where launch_date >= (select min(date) from calendar)
        and date - launch_date < 70 group by 1 order by 1""")
    f["ramp_by_week"] = [a for _, a in ramp]
    eol = rows("""select (discontinued_date - date - 1) // 10 k, avg(demand) from d where discontinued_date is not null
        and discontinued_date - date <= 90 group by 1 order by 1""")
    f["eol_by_10_days"] = [a for _, a in eol]
    # Sparsity and gaps.
    stores, products = one("select count(*) from store") if "store" in present else 0, one("select count(*) from product") if "product" in present else 0
    series = one("select count(*) from (select distinct store_id, product_id from sales_daily)")
    f["series"] = series
    f["missing_share"] = 1 - series / (stores * products) if stores and products else None
    f["series_with_gaps"] = one("""select count(*) from (select store_id, product_id from (select store_id, product_id,
        date - lag(date) over (partition by store_id, product_id order by date) step from sales_daily) where step > 1 group by all)""")
    f["demand_cv"] = one("select avg(cv) from (select stddev(demand) / avg(demand) cv from d where not promoted and not is_holiday group by store_id, product_id, day_of_week, month)")
    # Inventory continuity: on hand moves by what arrived less what sold, day after day, across appends too.
    f["inventory_breaks"] = one("""select count(*) from (select date, on_hand_qty, quantity, on_order_qty,
        lag(date) over w pd, lag(on_hand_qty) over w ph, lag(on_order_qty) over w po from d window w as (partition by store_id, product_id order by date))
        where pd = date - 1 and on_hand_qty - ph + quantity not in (0, po)""")
    f["days"] = one("select count(*) from calendar")
    f["first_day"] = str(one("select min(date) from calendar"))
    f["last_day"] = str(one("select max(date) from calendar"))
    f["sales_first_day"] = str(one("select min(date) from sales_daily"))
    f["sales_last_day"] = str(one("select max(date) from sales_daily"))
    out["figures"] = f

    if "--rag" in sys.argv:
        out["rag"] = rag(directory, con)
    print(json.dumps(out, default=float))


def rag(directory, con):
    """Each question's facts appear in the documents it cites; the documents' facts match the tables."""
    documents = [json.loads(l) for l in open(f"{directory}/rag/documents.jsonl")]
    questions = [json.loads(l) for l in open(f"{directory}/rag/questions.jsonl")]
    text = {d["id"]: open(f"{directory}/{d['path']}").read() for d in documents}
    missing_facts = []
    for q in questions:
        cited = " ".join(text.get(c, "") for c in q["cite"])
        for fact in q["answer_facts"]:
            if fact not in cited:
                missing_facts.append((q["id"], fact))
    mismatched = 0
    for store_code, region, kind, city in con.execute("select store_code, region, store_type, city from store").fetchall():
        t = text.get(f"store-{store_code}")
        if t is not None and not (f"| Region | {region} |" in t and f"| Type | {kind} |" in t and f"| City | {city} |" in t):
            mismatched += 1
    for sku, brand, price in con.execute("select sku, brand, base_price from product").fetchall():
        t = text.get(f"product-{sku}")
        if t is not None and not (f"| Brand | {brand} |" in t and f"| Base price | ${price:.2f} |" in t):
            mismatched += 1
    promotions = 0
    for pid, code, sku, pct, start, end in con.execute("""select p.promotion_id, s.store_code, r.sku, p.discount_pct, p.start_date, p.end_date
            from promotion p join store s using (store_id) join product r using (product_id)""").fetchall():
        t = text.get(f"promotions-{code}")
        if t is None:
            continue
        promotions += 1
        if f"| {pid} | {sku} |" not in t or f"| {round(float(pct) * 100)} % | {start} | {end} |" not in t:
            mismatched += 1
    return {"documents": len(documents), "questions": len(questions), "missing_facts": missing_facts, "mismatched": mismatched,
            "promotions_checked": promotions, "kinds": sorted({d["kind"] for d in documents})}


if __name__ == "__main__":
    main()
