"""The brand dashboard: fans who fit the stock, against stock depth, and the verdict."""

from __future__ import annotations

import pytest

from catalog_support import add_product
from lookbook.catalog.dashboard import MAX_FRUSTRATED_SHARE_SETTING, brand_dashboard, explain
from lookbook.errors import InputError
from lookbook.store.database import Store, utcnow


def customer(store: Store, name: str, sizes: dict[str, str] | None = None, likes: tuple[int, ...] = (),
             dislikes: tuple[int, ...] = ()) -> int:
    now = utcnow()
    cid = store.db.execute("INSERT INTO customers (first_name, created_at, updated_at) VALUES (?, ?, ?)",
                           [name, now, now]).lastrowid
    for category, size in (sizes or {}).items():
        store.db.execute("INSERT INTO customer_sizes VALUES (?, ?, ?)", [cid, category, size])
    for brand_id in likes:
        store.db.execute("INSERT INTO customer_brands (customer_id, brand_id, stance) VALUES (?, ?, 'like')",
                         [cid, brand_id])
    for brand_id in dislikes:
        store.db.execute("INSERT INTO customer_brands (customer_id, brand_id, stance) VALUES (?, ?, 'dislike')",
                         [cid, brand_id])
    return int(cid)


def bought(store: Store, customer_id: int, product_id: int) -> None:
    store.db.execute("INSERT INTO purchases (customer_id, product_id, purchased_at) VALUES (?, ?, ?)",
                     [customer_id, product_id, utcnow()])


def brand(store: Store, name: str) -> int:
    return store.db.execute("SELECT id FROM brands WHERE name = ?", [name]).fetchone()[0]


@pytest.fixture
def library(store: Store) -> Store:
    """Acme: shirts in M only (2 units), trousers sold out; Nordvik: plenty of S; Gone: no fans."""
    shirt = add_product(store, "AC-SH", brand="Acme", category="shirt", sizes={"M": 2, "L": 0})
    add_product(store, "AC-TR", brand="Acme", category="trousers", sizes={"32": 0})
    add_product(store, "NV-SH", brand="Nordvik", category="shirt", sizes={"S": 10})
    add_product(store, "GO-SH", brand="Gone", category="shirt", sizes={"M": 1})
    acme, nordvik = brand(store, "Acme"), brand(store, "Nordvik")
    customer(store, "fits", {"shirt": "M", "trousers": "32"}, likes=(acme,))
    customer(store, "sold out", {"shirt": "L", "trousers": "32"}, likes=(acme,))
    customer(store, "unknown", {"dress": "S"}, likes=(acme,))
    bought(store, customer(store, "buyer", {"shirt": "M"}), shirt)
    bought(store, customer(store, "buyer who dislikes", {"shirt": "M"}, dislikes=(acme,)), shirt)
    customer(store, "also fits", {"shirt": "M"}, likes=(acme, nordvik))
    customer(store, "nordvik fan", {"shirt": "S"}, likes=(nordvik,))
    return store


def test_demand_against_stock_and_verdicts(library: Store) -> None:
    rows = {r.brand: r for r in brand_dashboard(library)}
    acme = rows["Acme"]
    assert (acme.fans, acme.fit, acme.sold_out_for, acme.size_unknown) == (5, 3, 1, 1)
    assert (acme.units, acme.sizes_in_stock, acme.products, acme.out_of_stock) == (2, 1, 2, 1)
    assert acme.beyond_stock == 1  # three fans fit, two units
    assert acme.would_frustrate == 2
    assert acme.verdict == "thin stock: would frustrate 2 customers"

    nordvik = rows["Nordvik"]
    assert (nordvik.fans, nordvik.fit, nordvik.sold_out_for, nordvik.beyond_stock) == (2, 1, 1, 0)
    assert nordvik.verdict == "thin stock: would frustrate 1 customer"  # the product's words: never "1 customers"
    library.set_setting(MAX_FRUSTRATED_SHARE_SETTING, 0.5)
    assert {r.brand: r.verdict for r in brand_dashboard(library)}["Nordvik"] == "worth a send"

    assert rows["Gone"].verdict == "no demand" and rows["Gone"].fans == 0
    assert rows["Acme"].as_dict()["verdict"] == acme.verdict


def test_a_brand_with_fans_and_no_products_shows_its_fans(library: Store) -> None:
    library.db.execute("INSERT INTO brands (name) VALUES ('Coming Soon')")
    customer(library, "early fan", {"shirt": "M"}, likes=(brand(library, "Coming Soon"),))
    row = next(r for r in brand_dashboard(library) if r.brand == "Coming Soon")
    assert (row.fans, row.fit, row.size_unknown, row.products) == (1, 0, 1, 0)
    assert row.verdict == "nothing in stock"


def test_bad_share_setting_is_refused(library: Store) -> None:
    library.set_setting(MAX_FRUSTRATED_SHARE_SETTING, "lots")
    with pytest.raises(InputError, match="dashboard.max_frustrated_share: 'lots' is not a share"):
        brand_dashboard(library)


def test_the_demand_query_looks_sizes_up_by_index(library: Store) -> None:
    plan = "\n".join(explain(library))
    # Each fan's sizes by the primary key (the table itself since m018: WITHOUT ROWID), then the small in-stock
    # table by an index: never a scan per fan.
    assert "SEARCH cs USING PRIMARY KEY (customer_id=?)" in plan
    assert "SEARCH i USING AUTOMATIC COVERING INDEX (brand_id=? AND category=? AND size=?)" in plan
    assert "SCAN cs" not in plan and "SCAN i\n" not in plan


def _one_pass(store: Store) -> dict[int, tuple[int, int, int]]:
    """The dashboard's demand counted from the rows, as before issue 18 (and for a read-only library)."""
    from lookbook.catalog.dashboard import DEMAND_SQL

    return {r[0]: tuple(r[1:]) for r in store.db.execute(DEMAND_SQL)}


def _shown(store: Store) -> dict[int, tuple[int, int, int]]:
    return {d.brand_id: (d.fans, d.fit, d.fit + d.sold_out_for) for d in brand_dashboard(store) if d.fans}


def test_counts_kept_up_to_date_equal_counting_from_the_rows_through_every_kind_of_change(library: Store) -> None:
    # Issue 18: the dashboard counts fans ahead (by brand and sizes) and brings changed customers up to date
    # before it reads; every change below must leave it where counting from scratch would.
    import random

    from lookbook.customers.erasure import erase_customer
    from lookbook.store.users import create_user

    store = library
    create_user(store, "maria", "secret-1", "manager")
    rng = random.Random(18)
    brands = [r[0] for r in store.db.execute("SELECT id FROM brands")]
    products = [r[0] for r in store.db.execute("SELECT id FROM products")]
    ids = [customer(store, f"c{i}", {c: rng.choice("SML") for c in ("shirt", "trousers", "dress") if rng.random() < .6},
                    likes=tuple(b for b in brands if rng.random() < .3)) for i in range(40)]
    ids += [customer(store, f"d{i}", {"shirt": "M"}, dislikes=(brands[0],)) for i in range(3)]
    for cid in ids[::3]:
        bought(store, cid, rng.choice(products))
    store.db.execute("INSERT INTO purchases (customer_id, brand_id, purchased_at) VALUES (?, ?, ?)",
                     [ids[1], brands[-1], utcnow()])
    assert _shown(store) == _one_pass(store)
    changes = [
        lambda: store.db.execute("UPDATE customer_sizes SET size = 'M' WHERE customer_id IN (?, ?)", ids[2:4]),
        lambda: store.db.execute("DELETE FROM customer_sizes WHERE customer_id = ?", [ids[5]]),
        lambda: store.db.execute("UPDATE customer_brands SET stance = 'dislike' WHERE customer_id = ?", [ids[6]]),
        lambda: store.db.execute("DELETE FROM customers WHERE id = ?", [ids[7]]),
        lambda: store.db.execute("UPDATE products SET brand_id = ? WHERE id = ?", [brands[1], products[0]]),
        lambda: store.db.execute("DELETE FROM products WHERE id = ?", [products[-1]]),
        lambda: store.db.execute("UPDATE stock SET quantity = 5"),
        lambda: store.db.execute("DELETE FROM purchases WHERE customer_id = ?", [ids[0]]),
        lambda: erase_customer(store, ids[9], actor="maria"),
        lambda: store.db.execute("DELETE FROM customer_brands WHERE customer_id = ?", [ids[40]]),
        lambda: store.db.execute("INSERT INTO purchases (customer_id, brand_id, purchased_at) VALUES (?, ?, ?)",
                                 [ids[41], brands[0], utcnow()]),
    ]
    for change in changes:
        change()
        assert _shown(store) == _one_pass(store)
    assert store.db.execute("SELECT count(*) FROM dashboard_dirty").fetchone()[0] == 0
    assert store.db.execute("SELECT count(*) FROM dashboard_fans WHERE customer_id IN (?, ?)",
                            [ids[7], ids[9]]).fetchone()[0] == 0
    # The counts by sizes hold one row per brand and distinct sizes, not one per customer.
    profiles = store.db.execute("SELECT count(*) FROM dashboard_profiles").fetchone()[0]
    fans = store.db.execute("SELECT count(*) FROM dashboard_fans").fetchone()[0]
    assert 0 < profiles and fans > 0


def test_a_bulk_customer_import_counts_its_new_customers_itself_and_keeps_the_triggers(
        library: Store, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    # A bulk load drops the per-row dashboard triggers and counts its new customers in one statement: the first
    # view after it has nobody left to count (issue 18: it used to mark them all, 67 s for a million).
    from customer_support import write_csv
    from lookbook.customers import csv_files as customer_csv
    from lookbook.customers.csv_files import import_customers
    from lookbook.store.users import create_user

    store = library
    create_user(store, "maria", "secret-1", "manager")
    brand_dashboard(store)  # brings the fixture's customers up to date
    triggers = sorted(r[0] for r in store.db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
    monkeypatch.setattr(customer_csv, "BULK_THRESHOLD", 1)
    rows = "".join(f"F{i},f{i}@example.com,Acme{';Nordvik' * (i % 2)},shirt={'MSL'[i % 3]}\n" for i in range(30))
    report = import_customers(store, write_csv(tmp_path / "c.csv", "first name,email,likes,sizes\n" + rows),
                              actor="maria")
    assert report.added == 30
    assert sorted(r[0] for r in store.db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")) == triggers
    assert store.db.execute("SELECT count(*) FROM dashboard_dirty").fetchone()[0] == 0
    assert store.db.execute("SELECT count(*) FROM dashboard_fans WHERE customer_id IN (SELECT id FROM customers"
                            " WHERE email GLOB 'f*@example.com')").fetchone()[0] == 30
    assert _shown(store) == _one_pass(store)
    acme = next(d for d in brand_dashboard(store) if d.brand == "Acme")
    assert acme.fans == _one_pass(store)[acme.brand_id][0] and acme.fans >= 30
