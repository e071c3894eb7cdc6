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
    db = store.db
    # The search index's triggers are dropped in this throwaway library only: filling a
    # full-text index for a million names would take longer than everything measured.
    for name in [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'"
                                          " AND name LIKE 'customers_fts%'")]:
        db.execute(f"DROP TRIGGER {name}")
    with store.atomic():
        db.execute(f"""
            INSERT INTO customers (id, first_name, created_at, updated_at)
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {customers})
            SELECT i, 'C' || i, '2026-01-01', '2026-01-01' FROM n""")
        db.execute("""
            INSERT OR IGNORE INTO customer_brands (customer_id, brand_id, stance)
            SELECT c.id, 1 + abs(random()) % 8, 'like' FROM customers c, (VALUES (1), (2)) k
            WHERE k.column1 = 1 OR c.id % 2 = 0""")
        db.execute("""
            INSERT OR IGNORE INTO customer_brands (customer_id, brand_id, stance)
            SELECT id, 1 + abs(random()) % 8, 'dislike' FROM customers WHERE id % 10 = 0""")
        # Sizes follow from the id (a customer has one top size and one waist), spread like the demo's.
        top = "CASE (c.id * 7) % 6 WHEN 0 THEN 'S' WHEN 1 THEN 'M' WHEN 2 THEN 'M' WHEN 3 THEN 'L'" \
              " WHEN 4 THEN 'L' ELSE 'XL' END"
        waist = "CASE (c.id * 13) % 5 WHEN 0 THEN '30' WHEN 1 THEN '32' WHEN 2 THEN '32' WHEN 3 THEN '34'" \
                " ELSE '36' END"
        db.execute(f"""
            INSERT INTO customer_sizes (customer_id, category, size)
            SELECT c.id, cat.column1, CASE WHEN cat.column1 IN ('trousers', 'shorts') THEN {waist} ELSE {top} END
            FROM customers c
            JOIN (VALUES ('shirt'), ('longsleeve'), ('t-shirt'), ('outerwear'), ('trousers'), ('shorts'),
                         ('dress'), ('skirt')) cat
            WHERE cat.column1 NOT IN ('dress', 'skirt') OR c.id % 3 = 0""")
        db.execute("""
            INSERT INTO purchases (customer_id, product_id, purchased_at)
            SELECT id, 1 + abs(random()) % 60, '2025-06-01' FROM customers WHERE id % 2 = 1""")
    db.execute("ANALYZE")


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
        counts = {t: store.db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in ("customers", "customer_brands", "customer_sizes", "purchases")}
        print(f"built in {time.perf_counter() - start:.0f} s: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()))
        dash = median_time(lambda: brand_dashboard(store), args.repeat)
        scan = median_time(lambda: store.db.execute("SELECT count(*), sum(length(size)) FROM customer_sizes")
                           .fetchone(), args.repeat)
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
