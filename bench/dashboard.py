"""How long the brand dashboard takes on a big customer book.

Run from the repository root::

    python -m bench.dashboard [--customers 1000000] [--repeat 3]

Builds an on-disk library with the demo catalog (8 brands, 60 products, stock by
size, imported through :func:`lookbook.catalog.import_catalog`) and ``--customers``
invented customers with 1-3 liked brands, six or eight sizes each and one purchase
for every other customer, then prints the median of ``--repeat`` runs of

* ``dashboard``: :func:`lookbook.dashboard.brand_dashboard` (all brands);
* the baseline, measured in the same run: ``scan sizes``, one plain pass over
  ``customer_sizes`` (the least any answer that looks at every fan's sizes must read);

with the ratio dashboard / baseline, and the query plan.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from lookbook import scale
from lookbook.catalog import import_catalog
from lookbook.dashboard import brand_dashboard, explain
from lookbook.demo import demo_products
from lookbook.store import Store, create_store


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
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = create_store(Path(tmp) / "lib")
        start = time.perf_counter()
        build(store, args.customers, Path(tmp))
        counts = scale.table_counts(store, ("customers", "customer_brands", "customer_sizes", "purchases"))
        print(f"built in {time.perf_counter() - start:.0f} s: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()))
        dash = median_time(lambda: brand_dashboard(store), args.repeat)
        scan = median_time(lambda: scale.scan_sizes(store), args.repeat)
        print(f"\n{'what':<14} {'median s':>9} {'ratio':>6}")
        print(f"{'scan sizes':<14} {scan:>9.2f} {1.0:>6.2f}")
        print(f"{'dashboard':<14} {dash:>9.2f} {dash / scan:>6.2f}")
        print()
        for row in brand_dashboard(store):
            print(f"{row.brand:<22} fans {row.fans:>8,} fit {row.fit:>8,} units {row.units:>4}  {row.verdict}")
        print("\nquery plan:\n  " + "\n  ".join(explain(store)))
        store.close()


if __name__ == "__main__":
    main()
