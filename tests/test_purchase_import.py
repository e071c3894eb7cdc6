"""Purchase history from a till export: customers found by id, e-mail or handle; SKU or brand; never twice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import Workbook

from customer_support import add_brand, add_customer, add_product, write_csv
from lookbook.customers.matching import match_set
from lookbook.customers.purchases import import_purchases
from lookbook.errors import InputError
from lookbook.store.database import Store


@pytest.fixture
def shop(store: Store) -> dict[str, int]:
    hp = add_brand(store, "Harbour & Pine")
    add_brand(store, "Nordvik")
    add_product(store, hp, "HP-SH01", "shirt", {"M": 2, "L": 1})
    return {
        "ann": add_customer(store, "Ann", email="Ann.Lee@example.com"),
        "ben": add_customer(store, "Ben", x_handle="ben_b", email=None),
        "cat": add_customer(store, "Cat"),
    }


def purchases(store: Store) -> list[tuple]:
    return store.db.execute(
        "SELECT pu.customer_id, p.sku, b.name, pu.size, pu.purchased_at FROM purchases pu"
        " LEFT JOIN products p ON p.id = pu.product_id JOIN brands b ON b.id = pu.brand_id"
        " ORDER BY pu.customer_id, pu.purchased_at").fetchall()


def test_a_till_export_adds_purchases_by_sku_or_brand_and_names_bad_rows(store: Store, shop: dict[str, int],
                                                                      tmp_path: Path) -> None:
    path = write_csv(tmp_path / "till.csv",
                     "Receipt;E-mail;Customer ID;Twitter;Article;Brand;Size;Sale date;Card number\n"
                     "R1;ann.lee@EXAMPLE.com;;;HP-SH01;;M;2026-10-02;4111111111111111\n"
                     f"R2;;{shop['cat']};;;nordvik;;2026-10-03T15:20:00+02:00;\n"
                     "R3;;;@ben_b;hp-sh01;;L;2026-10-04;\n"
                     "R4;nobody@example.com;;;HP-SH01;;M;2026-10-05;\n"
                     "R5;;999;;HP-SH01;;M;2026-10-05;\n"
                     "R6;;;ben_b;XX-404;;M;2026-10-05;\n"
                     "R7;;;ben_b;HP-SH01;;M;last tuesday;\n"
                     "R8;;;;HP-SH01;;M;2026-10-05;\n")

    report = import_purchases(store, path, actor="maria")

    assert purchases(store) == [
        (shop["ann"], "HP-SH01", "Harbour & Pine", "M", "2026-10-02T00:00:00+00:00"),
        (shop["ben"], "HP-SH01", "Harbour & Pine", "L", "2026-10-04T00:00:00+00:00"),
        (shop["cat"], None, "Nordvik", None, "2026-10-03T13:20:00+00:00"),
    ]
    assert (report.added, report.customers, report.rejected) == (3, 3, 5)
    problems = [str(p) for p in report.problems]
    assert problems[0].startswith("line 5, column 2 (E-mail): no customer with e-mail nobody@example.com")
    assert problems[1].startswith("line 6, column 3 (Customer ID): no customer with id 999")
    assert problems[2].startswith("line 7, column 5 (Article): SKU 'XX-404' is not in the catalog")
    assert problems[3].startswith("line 8, column 8 (Sale date): 'last tuesday' is not a date")
    assert problems[4].startswith("line 9, column 3 (Customer ID): names no customer")
    # Nothing of the card column is kept, and the report says so.
    assert report.card_columns == ["Card number"] and "Card number" in report.ignored_columns
    dump = json.dumps(store.db.execute("SELECT * FROM purchases").fetchall()) + json.dumps(
        store.db.execute("SELECT detail FROM audit_log").fetchall())
    assert "4111111111111111" not in dump
    audit = store.db.execute(
        "SELECT actor, detail FROM audit_log WHERE action = 'customer.purchases_import'").fetchall()
    assert audit[0][0] == "maria" and json.loads(audit[0][1])["added"] == 3


def test_importing_the_same_export_again_adds_nothing_and_a_dry_run_writes_nothing(
        store: Store, shop: dict[str, int], tmp_path: Path) -> None:
    path = write_csv(tmp_path / "till.csv", "Customer ID,SKU,Size,Date\n"
                                            f"{shop['ann']},HP-SH01,M,2026-10-02\n"
                                            f"{shop['ann']},HP-SH01,M,2026-10-02\n"  # scanned twice at the till
                                            f"{shop['cat']},HP-SH01,L,2026-10-02\n")
    dry = import_purchases(store, path, actor="maria", dry_run=True)
    assert (dry.added, dry.already_recorded) == (2, 1) and purchases(store) == []
    assert dry.summary().startswith("Would add 2 purchases for 2 customers")
    first = import_purchases(store, path, actor="maria")
    again = import_purchases(store, path, actor="maria")
    assert (first.added, again.added, again.already_recorded) == (2, 0, 3)
    assert len(purchases(store)) == 2


def test_purchases_make_a_customer_a_fan_for_matching(store: Store, shop: dict[str, int], tmp_path: Path) -> None:
    from customer_support import add_set
    from lookbook.customers import book as customers
    from lookbook.customers import consent

    hp = store.db.execute("SELECT id FROM brands WHERE name = 'Harbour & Pine'").fetchone()[0]
    customers.set_sizes(store, shop["cat"], {"shirt": "M"}, actor="test")
    consent.set_level(store, shop["cat"], "email", "marketing", by_user="test", source="in store")
    set_id = add_set(store, hp, ["HP-SH01"], scope="marketing")
    assert shop["cat"] not in {m.customer_id for m in match_set(store, set_id).matches}
    import_purchases(store, write_csv(tmp_path / "t.csv", f"customer,sku,date\n{shop['cat']},HP-SH01,2026-09-01\n"),
                     actor="maria")
    assert shop["cat"] in {m.customer_id for m in match_set(store, set_id).matches}


def test_xlsx_exports_and_files_missing_a_needed_column(store: Store, shop: dict[str, int], tmp_path: Path) -> None:
    import datetime as dt

    book = Workbook()
    sheet = book.active
    sheet.append(["Customer number", "Brand", "Purchase date"])
    sheet.append([float(shop["ann"]), "Harbour & Pine", dt.datetime(2026, 10, 2, 12, 0)])
    book.save(tmp_path / "till.xlsx")
    assert import_purchases(store, tmp_path / "till.xlsx", actor="maria").added == 1
    assert purchases(store)[0][2:] == ("Harbour & Pine", None, "2026-10-02T12:00:00+00:00")

    for header, needs in (("Name,SKU,Date", "naming the customer"), ("E-mail,Size,Date", "what was bought"),
                          ("E-mail,SKU,Size", "no date column")):
        bad = write_csv(tmp_path / "bad.csv", header + "\nx,y,z\n")
        with pytest.raises(InputError, match=needs) as info:
            import_purchases(store, bad, actor="maria")
        assert "bad.csv" in str(info.value)
    with pytest.raises(InputError, match="is empty"):
        import_purchases(store, write_csv(tmp_path / "empty.csv", ""), actor="maria")


def test_command_line_imports_a_till_export_into_the_demo(demo_library: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import sqlite3

    from lookbook.cli import main

    with sqlite3.connect(demo_library / "library.db") as con:
        email, = con.execute("SELECT email FROM customers WHERE email IS NOT NULL ORDER BY id LIMIT 1").fetchone()
        sku, = con.execute("SELECT sku FROM products ORDER BY id LIMIT 1").fetchone()
        before = con.execute("SELECT count(*) FROM purchases").fetchone()[0]
    till = write_csv(tmp_path / "till.csv", f"Email,SKU,Size,Date,PAN\n{email},{sku},M,2026-11-01,4111111111111111\n"
                                            "someone@else.example,NOPE-1,M,2026-11-01,\n")
    monkeypatch.setenv("LOOKBOOK_PASSWORD", "demo-pass")
    lib = ["--library", str(demo_library), "--as", "maria"]
    assert main([*lib, "customers", "import-purchases", str(till)]) == 0
    out = capsys.readouterr()
    assert "Added 1 purchase for 1 customer; 1 row rejected" in out.out
    assert "payment cards were ignored and not stored: PAN" in out.err
    assert "till.csv: line 3, column 1 (Email): no customer with e-mail someone@else.example" in out.err
    with sqlite3.connect(demo_library / "library.db") as con:
        assert con.execute("SELECT count(*) FROM purchases").fetchone()[0] == before + 1
    assert main([*lib, "customers", "import-purchases", str(tmp_path / "nope.csv")]) == 1
    assert "nope.csv" in capsys.readouterr().err
