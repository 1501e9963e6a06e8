#!/usr/bin/env python3
"""A vectorised numpy + pyarrow generator of StreamGen's ecommerce events table: the peer a
Python data engineer would write for the same job, written to be as fast as Python gets.

Usage: numpy_events.py OUT_DIR --events N [--days 7] [--workers 1] [--codec snappy|zstd]
                       [--zstd-level 1] [--row-group-size 100000] [--seed 42]

Same columns, types and shapes as StreamGen's events (spec 000 §1.2): UUID text ids, sessions
of about 13.6 events sharing a session id, user, device and country; 74 % of sessions signed
in; 14 event types at StreamGen's frequencies, each with its JSON properties and page URL; the
referrer is the session's previous page; timestamps follow an hourly curve, inserted_at a few
seconds later; platform, channel and app version per session. Every column is built with numpy and pyarrow.compute over whole arrays (no
Python loop over rows); UUIDs are hex-formatted in numpy and handed to Arrow as buffers.

One day is one batch, written as OUT_DIR/events/date=YYYY-MM-DD/part-00000.parquet with
pq.write_table (pyarrow's defaults otherwise). With --workers N, days are spread over N
processes (this script again, on every Nth day), the way one would use N cores from Python.

Prints one JSON line: seconds, rows, bytes, peak_rss (the largest process's, bytes) and
peak_rss_sum (all processes' peaks added).
"""
import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

EVENT_TYPES = [
    ("page_view", 0.4408), ("product_view", 0.2458), ("search", 0.0803), ("product_add_to_cart", 0.0735),
    ("checkout_step", 0.0433), ("search_click", 0.0433), ("checkout_started", 0.0167), ("user_login", 0.0130),
    ("product_remove_from_cart", 0.0111), ("checkout_completed", 0.0100), ("checkout_abandoned", 0.0067),
    ("user_signup", 0.0061), ("error", 0.0049), ("user_logout", 0.0047),
]
DEVICES = (["mobile", "desktop", "tablet"], [0.55, 0.35, 0.10])
COUNTRIES = (["US", "GB", "DE", "FR", "CA", "BR", "IN", "MX", "AU", "JP"],
             [0.35, 0.15, 0.10, 0.08, 0.07, 0.05, 0.05, 0.05, 0.05, 0.05])
PAGES = ["/", "/sale", "/new-arrivals", "/c/clothing", "/c/electronics", "/c/home", "/c/garden", "/c/sports",
         "/c/toys", "/c/beauty", "/account", "/cart", "/help", "/stores", "/gift-cards"]
TITLES = ["Home", "Sale", "New Arrivals", "Clothing", "Electronics", "Home", "Garden", "Sports", "Toys", "Beauty",
          "Account", "Cart", "Help", "Stores", "Gift Cards"]
QUERIES = ["blender", "drone", "running shoes", "desk lamp", "kettle", "yoga mat", "headphones", "backpack",
           "coffee grinder", "phone case", "sofa", "jacket", "watch", "camera", "tent", "mug"]
STEPS = ["shipping", "payment", "review"]
EXTERNAL = ["https://www.google.com/", "https://www.bing.com/", "https://www.facebook.com/", "https://t.co/",
            "https://www.instagram.com/", "https://news.ycombinator.com/"]
# Share of a day's events in each hour (an evening peak, a night trough).
HOURS = np.array([1.2, 0.8, 0.6, 0.5, 0.5, 0.7, 1.2, 2.2, 3.4, 4.3, 4.8, 5.0, 5.2, 5.1, 5.0, 5.0, 5.2,
                  5.6, 6.2, 6.8, 7.0, 6.4, 4.6, 2.6])
HOURS = HOURS / HOURS.sum()
EVENTS_PER_SESSION = 13.6
HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def uuid_text(rng, n):
    """n random version-4 UUIDs as an Arrow string array: bytes drawn, hex-formatted in numpy."""
    raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    hexed = np.empty((n, 32), dtype=np.uint8)
    hexed[:, 0::2] = HEX[raw >> 4]
    hexed[:, 1::2] = HEX[raw & 0x0F]
    text = np.empty((n, 36), dtype=np.uint8)
    text[:, [8, 13, 18, 23]] = ord("-")
    text[:, 0:8], text[:, 9:13], text[:, 14:18] = hexed[:, 0:8], hexed[:, 8:12], hexed[:, 12:16]
    text[:, 19:23], text[:, 24:36] = hexed[:, 16:20], hexed[:, 20:32]
    offsets = np.arange(0, 36 * (n + 1), 36, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(text))


def choice(rng, n, weights):
    """Weighted choice of n indices by inverse CDF (faster than rng.choice with p=)."""
    cdf = np.cumsum(np.asarray(weights, dtype=np.float64))
    return np.searchsorted(cdf / cdf[-1], rng.random(n), side="right").astype(np.int32)


def strings(values):
    return pa.array(values, type=pa.string())


def join(*parts):
    """Element-wise concatenation of string arrays and scalars."""
    return pc.binary_join_element_wise(*parts, "")


def day_batch(seed, day, n, start, products, users):
    rng = np.random.default_rng([seed, day])
    sessions = max(1, int(round(n / EVENTS_PER_SESSION)))
    # Session lengths: 1 + geometric, trimmed or padded to exactly n events.
    lengths = rng.geometric(1 / EVENTS_PER_SESSION, size=sessions)
    lengths = np.maximum(1, np.round(lengths * n / lengths.sum())).astype(np.int64)
    lengths[-1] += n - lengths.sum()
    while lengths[-1] < 1:
        lengths = lengths[:-1]
        lengths[-1] += n - lengths.sum()
    sessions = len(lengths)
    session_of = np.repeat(np.arange(sessions, dtype=np.int32), lengths)
    first = np.zeros(n, dtype=bool)
    first[np.concatenate(([0], np.cumsum(lengths)[:-1]))] = True

    session_ids = uuid_text(rng, sessions).take(pa.array(session_of))
    signed_in = rng.random(sessions) < 0.74
    user_pick = rng.integers(0, len(users), size=sessions)
    user_ids = users.take(pa.array(user_pick, mask=~signed_in)).take(pa.array(session_of))
    device_of = choice(rng, sessions, DEVICES[1])
    devices = pa.DictionaryArray.from_arrays(pa.array(device_of[session_of]), strings(DEVICES[0]))
    # Platform, channel and app version per session: phones and half the tablets use the app.
    app = (device_of == 0) | ((device_of == 2) & (rng.random(sessions) < 0.5))
    platform_of = np.where(app, np.where(rng.random(sessions) < 0.55, 1, 2), 0)
    platforms = pa.DictionaryArray.from_arrays(pa.array(platform_of[session_of]), strings(["web", "ios", "android"]))
    channels = pa.DictionaryArray.from_arrays(pa.array(app.astype(np.int8)[session_of]), strings(["web", "app"]))
    version_of = choice(rng, sessions, [0.125, 0.125, 0.75])
    versions = pa.DictionaryArray.from_arrays(pa.array(version_of[session_of], mask=~app[session_of]), strings(["2.1.9", "2.2.4", "2.3.0"]))
    countries = pa.DictionaryArray.from_arrays(pa.array(choice(rng, sessions, COUNTRIES[1])[session_of]), strings(COUNTRIES[0]))

    # Timestamps: a session start by the hourly curve, then gaps of about 30 s.
    session_start = choice(rng, sessions, HOURS).astype(np.int64) * 3_600_000_000 + rng.integers(0, 3_600_000_000, size=sessions)
    gaps = rng.exponential(30e6, size=n).astype(np.int64)
    gaps[first] = 0
    elapsed = np.cumsum(gaps)
    elapsed -= np.repeat(elapsed[first], lengths)
    created = start + session_start[session_of] + elapsed
    inserted = created + rng.integers(0, 5_200_000, size=n)

    # Event types, then each type's properties and page, built on that type's rows only and put
    # back in row order with one take.
    types = choice(rng, n, [w for _, w in EVENT_TYPES])
    order = np.argsort(types, kind="stable")
    counts = np.bincount(types, minlength=len(EVENT_TYPES))
    props_parts, page_parts = [], []
    for t, (name, _) in enumerate(EVENT_TYPES):
        m = int(counts[t])
        if m == 0:
            continue
        if name == "page_view":
            k = pa.array(rng.integers(0, len(PAGES), size=m))
            page = strings(PAGES).take(k)
            props = join('{"page":"', page, '","title":"', strings(TITLES).take(k), '"}')
        elif name in ("product_view", "product_add_to_cart", "product_remove_from_cart", "search_click"):
            k = pa.array(rng.integers(0, len(products[0]), size=m))
            pid, slug = products[0].take(k), products[1].take(k)
            page = join("/p/", slug)
            if name == "product_view":
                props = join('{"product_id":"', pid, '","source":"', strings(["browse", "search", "recommendation"]).take(
                    pa.array(choice(rng, m, [0.6, 0.3, 0.1]))), '"}')
            elif name == "product_add_to_cart":
                props = join('{"product_id":"', pid, '","quantity":', pc.cast(pa.array(rng.integers(1, 4, size=m)), pa.string()), "}")
            elif name == "product_remove_from_cart":
                page = pa.array(["/cart"] * m)
                props = join('{"product_id":"', pid, '"}')
            else:
                q = strings(QUERIES).take(pa.array(rng.integers(0, len(QUERIES), size=m)))
                page = join("/search?q=", q)
                props = join('{"query":"', q, '","product_id":"', pid, '","position":',
                             pc.cast(pa.array(rng.integers(1, 31, size=m)), pa.string()), "}")
        elif name == "search":
            q = strings(QUERIES).take(pa.array(rng.integers(0, len(QUERIES), size=m)))
            page = join("/search?q=", q)
            props = join('{"query":"', q, '","results_count":', pc.cast(pa.array(rng.integers(0, 200, size=m)), pa.string()), "}")
        elif name in ("checkout_step", "checkout_abandoned"):
            s = rng.integers(0, 3, size=m)
            page = join("/checkout/", strings(STEPS).take(pa.array(s)))
            if name == "checkout_step":
                props = join('{"step":', pc.cast(pa.array(s + 1), pa.string()), ',"step_name":"', strings(STEPS).take(pa.array(s)), '"}')
            else:
                props = join('{"step":', pc.cast(pa.array(s + 1), pa.string()), ',"cart_value":', cents(rng, m), "}")
        elif name == "checkout_started":
            page = pa.array(["/checkout"] * m)
            props = join('{"cart_value":', cents(rng, m), ',"item_count":', pc.cast(pa.array(rng.integers(1, 6, size=m)), pa.string()), "}")
        elif name == "checkout_completed":
            page = pa.array(["/checkout/review"] * m)
            props = join('{"order_id":"', uuid_text(rng, m), '","total":', cents(rng, m), "}")
        elif name in ("user_login", "user_signup"):
            page = pa.array(["/login" if name == "user_login" else "/signup"] * m)
            props = join('{"method":"', strings(["password", "google", "apple"]).take(pa.array(choice(rng, m, [0.7, 0.2, 0.1]))), '"}')
        elif name == "user_logout":
            page = pa.array(["/account"] * m)
            props = pa.array(["{}"] * m)
        else:  # error
            page = strings(PAGES).take(pa.array(rng.integers(0, len(PAGES), size=m)))
            props = join('{"error_type":"payment_declined","message":"Card was declined","page":"', page, '"}')
        props_parts.append(props)
        page_parts.append(page)
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = np.arange(n)
    inverse = pa.array(inverse)
    properties = pa.concat_arrays(props_parts).take(inverse)
    pages = pa.concat_arrays(page_parts).take(inverse)

    # Referrer: the session's previous page; a session's first event has an external one (or none).
    previous = np.arange(-1, n - 1)
    previous[0] = 0
    referrer = pages.take(pa.array(previous))
    external = strings(EXTERNAL + [None]).take(pa.array(rng.integers(0, len(EXTERNAL) + 1, size=n)))
    referrer = pc.if_else(pa.array(first), external, referrer)

    return pa.table({
        "event_id": uuid_text(rng, n),
        "user_id": user_ids,
        "session_id": session_ids,
        "event_type": pa.DictionaryArray.from_arrays(pa.array(types), strings([t for t, _ in EVENT_TYPES])),
        "event_properties": properties,
        "page_url": pages,
        "referrer": referrer,
        "device_type": devices,
        "country": countries,
        "created_at": pa.array(created, type=pa.timestamp("us")),
        "inserted_at": pa.array(inserted, type=pa.timestamp("us")),
        "platform": platforms,
        "channel": channels,
        "app_version": versions,
    })


def cents(rng, m):
    """Prices as decimal text (12.34)."""
    c = rng.integers(500, 50_000, size=m)
    whole = pc.cast(pa.array(c // 100), pa.string())
    frac = pc.utf8_lpad(pc.cast(pa.array(c % 100), pa.string()), 2, "0")
    return join(whole, ".", frac)


def shared(seed, events):
    """The product catalog and user pool every day draws from."""
    rng = np.random.default_rng([seed, 1_000_000])
    n_products = 500
    ids = uuid_text(rng, n_products)
    words = strings(["zephyr", "sable", "kestrel", "cascade", "northpeak", "aurora", "harbor", "summit"])
    kinds = strings(["bottle", "desk", "lamp", "mug", "vase", "kettle", "chair", "jacket"])
    slugs = join(words.take(pa.array(rng.integers(0, 8, size=n_products))), "-",
                 kinds.take(pa.array(rng.integers(0, 8, size=n_products))), "-",
                 pc.cast(pa.array(np.arange(n_products)), pa.string()))
    users = uuid_text(rng, max(1000, events // 50))
    return (ids, slugs), users


# The catalog and user pool, built once per process from the seed (so every worker has the same).
SHARED = None


def write_day(job):
    out_dir, seed, day, n, start_date, codec, level, row_group = job
    products, users = SHARED
    date = start_date + dt.timedelta(days=day)
    start_us = int(dt.datetime(date.year, date.month, date.day).timestamp()) * 1_000_000
    table = day_batch(seed, day, n, start_us, products, users)
    directory = os.path.join(out_dir, "events", f"date={date.isoformat()}")
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, "part-00000.parquet")
    pq.write_table(table, path, compression=codec, compression_level=level, row_group_size=row_group)
    return os.path.getsize(path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out_dir")
    ap.add_argument("--events", type=int, required=True)
    ap.add_argument("--days", type=int, default=7)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--codec", default="snappy")
    ap.add_argument("--zstd-level", type=int, default=1)
    ap.add_argument("--row-group-size", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--only-days", help=argparse.SUPPRESS)  # a worker's share: comma-separated day indices
    args = ap.parse_args()
    if args.events < args.days:
        ap.error("--events must be at least --days")

    codec = None if args.codec == "none" else args.codec
    level = args.zstd_level if args.codec == "zstd" else None
    per_day = [args.events // args.days + (1 if d < args.events % args.days else 0) for d in range(args.days)]
    start_date = dt.date(2024, 1, 8)
    jobs = [(args.out_dir, args.seed, d, per_day[d], start_date, codec, level, args.row_group_size) for d in range(args.days)]

    global SHARED
    pa.set_cpu_count(1)
    pa.set_io_thread_count(1)
    if args.only_days is not None:
        # A worker: its days, then its bytes and its own peak on one JSON line.
        SHARED = shared(args.seed, args.events)
        days = [int(d) for d in args.only_days.split(",") if d]
        written = sum(write_day(jobs[d]) for d in days)
        print(json.dumps({"bytes": written, "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
        return

    started = time.perf_counter()
    if args.workers == 1:
        SHARED = shared(args.seed, args.events)
        written = sum(write_day(j) for j in jobs)
        peaks = [resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024]
    else:
        # N worker processes, each this script on days i, i+N, …: the way to use N cores from
        # Python. Not multiprocessing.Pool: a pool worker forked after Arrow's thread pool ran
        # hung one run, and a fork-server pool hung another at shutdown.
        children = []
        for i in range(args.workers):
            share = ",".join(str(d) for d in range(i, args.days, args.workers))
            command = [sys.executable, os.path.abspath(__file__)] + sys.argv[1:] + ["--only-days", share]
            children.append(subprocess.Popen(command, stdout=subprocess.PIPE, text=True))
        reports = []
        for child in children:
            output, _ = child.communicate()
            if child.returncode != 0:
                sys.exit(f"numpy_events.py: worker {child.args[-1]} exited with {child.returncode}")
            reports.append(json.loads(output))
        written = sum(r["bytes"] for r in reports)
        peaks = [r["peak_rss"] for r in reports] + [resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024]
    seconds = time.perf_counter() - started
    print(json.dumps({
        "seconds": seconds,
        "rows": args.events,
        "bytes": written,
        "peak_rss": max(peaks),
        "peak_rss_sum": sum(peaks),
    }))


if __name__ == "__main__":
    main()
