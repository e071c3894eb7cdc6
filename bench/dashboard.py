"""How long the brand dashboard takes on a big customer book, against a plain scan of sizes in the same run.

Run from the repository root::

    python -m bench.dashboard [--customers 1000000] [--repeat 3] [--changed 1000]

Builds an on-disk library with the demo catalog (8 brands, 60 products, stock by
size, imported through :func:`lookbook.catalog.products.import_catalog`) and ``--customers``
invented customers with 1-3 liked brands, six or eight sizes each and one purchase
for every other customer (loaded as a bulk customer import does: every customer marked
for the dashboard once). Then:

* the first view after the load, once: :func:`lookbook.catalog.dashboard.refresh` counts every
  customer by brand and sizes; the dashboard's counts are checked against counting every
  fan from the rows (:data:`lookbook.catalog.dashboard.DEMAND_SQL`, what it did before issue 18);
* in ``--repeat`` interleaved rounds (medians shown): the floor, ``scan sizes``, one plain
  pass over ``customer_sizes`` (the least any answer that looks at every fan's sizes must
  read); :func:`lookbook.catalog.dashboard.brand_dashboard`; the dashboard again after ``--changed``
  customers' sizes changed (those are counted again first); and the old one-pass count.

Goal (issues 16 and 18): at most 2x the scan and at most 0.5 s.
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from lookbook import scale
from lookbook.catalog.dashboard import brand_dashboard, explain, refresh
from lookbook.catalog.products import import_catalog
from lookbook.demo import demo_products
from lookbook.store.database import Store, create_store

GOAL_RATIO, GOAL_S = 2.0, 0.5


def build(store: Store, customers: int, folder: Path) -> None:
    catalog = folder / "catalog.csv"
    with catalog.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["SKU", "Brand", "Name", "Category", "Colour", "Price", "Size", "Qty"])
        for p in demo_products():
            for size, qty in p.sizes.items():
                writer.writerow([p.sku, p.brand, p.name, p.category, p.colour, p.price_minor / 100, size, qty])
    import_catalog(store, catalog, actor="bench")
    scale.fill_dashboard_book(store, customers)


def median_time(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="interleaved rounds; medians are shown (default 3)")
    parser.add_argument("--changed", type=int, default=1000, help="customers whose sizes change between rounds")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = create_store(Path(tmp) / "lib")
        start = time.perf_counter()
        build(store, args.customers, Path(tmp))
        counts = scale.table_counts(store, ("customers", "customer_brands", "customer_sizes", "purchases"))
        print(f"built in {time.perf_counter() - start:.0f} s: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()))
        start = time.perf_counter()
        refreshed = refresh(store)
        first = time.perf_counter() - start
        print(f"first view after the load: {refreshed:,} customers counted by brand and sizes in {first:.1f} s "
              "(once; later changes are counted as they come)")
        one_pass = scale.demand_from_rows(store)
        shown = {d.brand_id: (d.fans, d.fit, d.fit + d.sold_out_for) for d in brand_dashboard(store) if d.fans}
        print(f"same counts as counting every fan from the rows: {shown == one_pass}")

        rng = random.Random(18)

        def change_sizes() -> None:
            scale.change_shirt_sizes(store, rng, args.changed)

        def scan() -> object:
            return scale.scan_sizes(store)

        def counted_from_rows() -> object:
            return scale.demand_from_rows(store)

        times: dict[str, list[float]] = {"scan": [], "dashboard": [], "changed": [], "rows": []}
        for _ in range(args.repeat):  # interleaved, so a busy moment of a shared machine falls on every row alike
            times["scan"].append(median_time(scan, 1))
            times["dashboard"].append(median_time(lambda: brand_dashboard(store), 1))
            change_sizes()
            times["changed"].append(median_time(lambda: brand_dashboard(store), 1))
            times["rows"].append(median_time(counted_from_rows, 1))
        floor = statistics.median(times["scan"])
        names = {"scan": "floor: scan sizes (one plain pass)", "dashboard": "brand dashboard",
                 "changed": f"brand dashboard after {args.changed:,} customers' sizes changed",
                 "rows": "  (before issue 18: every fan counted from the rows)"}
        print(f"\n{args.repeat} interleaved rounds, medians; goal (issues 16, 18): ≤ {GOAL_RATIO:.0f}× the scan and "
              f"≤ {GOAL_S} s")
        print(f"{'what':<58} {'median s':>9} {'× floor':>8}")
        for key, values in times.items():
            median = statistics.median(values)
            goal = "" if key in ("scan", "rows") else (
                "met" if median / floor <= GOAL_RATIO and median <= GOAL_S else "missed")
            print(f"{names[key]:<58} {median:9.3f} {median / floor:8.2f}  {goal}")
        print()
        for row in brand_dashboard(store):
            print(f"{row.brand:<22} fans {row.fans:>8,} fit {row.fit:>8,} units {row.units:>4}  {row.verdict}")
        print("\nquery plan (the one-pass count a read-only library uses):\n  " + "\n  ".join(explain(store)))
        store.close()


if __name__ == "__main__":
    main()
