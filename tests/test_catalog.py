"""Catalog import: columns by header, upserts, stock-only files, bad rows, encodings, XLSX, one transaction."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import Workbook

from lookbook.catalog.products import (
    DEFAULT_CURRENCY_SETTING,
    import_catalog,
    list_brands,
    list_products,
    parse_price,
    parse_quantity,
)
from lookbook.errors import InputError
from lookbook.hooks import Changes
from lookbook.store.database import Store

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "resources" / "catalog-example.csv"


def write(tmp_path: Path, text: str, name: str = "catalog.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def product(store: Store, sku: str) -> dict:
    return next(p.as_dict() for p in list_products(store) if p.sku == sku)


def stock(store: Store) -> dict[tuple[str, str], int]:
    return {(r[0], r[1]): r[2] for r in store.db.execute(
        "SELECT p.sku, s.size, s.quantity FROM stock s JOIN products p ON p.id = s.product_id")}


def audit_count(store: Store) -> int:
    return store.db.execute("SELECT count(*) FROM audit_log").fetchone()[0]


def test_example_file_imports_products_stock_and_brands(store: Store) -> None:
    seen: list[Changes] = []
    store.hooks.library_did_change.append(seen.append)

    report = import_catalog(store, EXAMPLE, actor="sam")

    assert report.problems == []
    assert report.rows_read == report.rows_kept == 9
    assert sorted(report.new_brands) == ["Harbour & Pine", "Nordvik", "Robert Graham"]
    assert report.new_products == ["RG-SH101", "RG-SH102", "NV-KN10", "HP-TR10"]
    shirt = product(store, "RG-SH101")
    assert (shirt["price_minor"], shirt["currency"], shirt["category"]) == (19800, "USD", "shirt")
    assert [(s["size"], s["quantity"], s["barcode"]) for s in shirt["sizes"]] == [
        ("S", 2, "4006381333931"), ("M", 4, "4012345678901"), ("L", 0, "4000000000006")]
    assert product(store, "RG-SH102")["price_minor"] == 125000  # "1,250.00"
    knit = product(store, "NV-KN10")
    assert (knit["price_minor"], knit["currency"], knit["category"]) == (14500, "EUR", "longsleeve")  # "145,00"
    assert product(store, "HP-TR10")["category"] == "trousers"  # "pants"
    assert stock(store)[("HP-TR10", "34")] == 0
    assert seen and seen[-1].products
    entry = store.db.execute("SELECT actor, action, detail FROM audit_log WHERE action = 'catalog.import'").fetchone()
    assert entry[:2] == ("sam", "catalog.import")
    assert json.loads(entry[2])["new_products"] == report.new_products


def test_columns_found_by_alias_in_any_order(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "On Hand;Size;Color;Department;Title;Label;Style No.;Retail Price;UPC\n"
                           "3;m ;Navy;Tees;Pocket Tee;Nordvik;NV-TS09;1.234,50;036000291452\n")
    report = import_catalog(store, path, actor="sam")
    assert report.problems == [] and "semicolon" in report.file_format
    p = product(store, "NV-TS09")
    assert (p["brand"], p["name"], p["category"], p["colour"], p["price_minor"]) == (
        "Nordvik", "Pocket Tee", "t-shirt", "Navy", 123450)
    assert p["sizes"] == [{"size": "M", "quantity": 3, "barcode": "036000291452"}]
    assert p["barcode"] == "036000291452"  # the only code of the SKU is also the product's


def test_reimport_updates_fields_and_stock_and_dry_run_writes_nothing(store: Store, tmp_path: Path) -> None:
    import_catalog(store, EXAMPLE, actor="sam")
    changed = EXAMPLE.read_text().replace("Paisley Print Shirt", "Paisley Shirt").replace(
        "USD,M,4,", "USD,M,7,").replace("NV-KN10,Nordvik,Merino Roll-Neck,knitwear,charcoal,\"145,00\",EUR,L,2,",
                                         "NV-KN10,Nordvik,Merino Roll-Neck,knitwear,charcoal,\"145,00\",EUR,XL,1,")
    path = write(tmp_path, changed)
    before_stock, before_audit = stock(store), audit_count(store)

    preview = import_catalog(store, path, actor="sam", dry_run=True)

    assert preview.dry_run and not preview.changes
    assert stock(store) == before_stock and audit_count(store) == before_audit
    assert product(store, "RG-SH101")["name"] == "Paisley Print Shirt"
    assert preview.new_products == []
    assert [(c.sku, c.field, c.old, c.new) for c in preview.field_changes] == [
        ("RG-SH101", "name", "Paisley Print Shirt", "Paisley Shirt")]
    assert {(c.sku, c.size, c.old, c.new) for c in preview.stock_changes} == {
        ("RG-SH101", "M", 4, 7), ("NV-KN10", "XL", None, 1)}

    done = import_catalog(store, path, actor="sam")

    assert done.summary().replace("changed:", "would change:") == preview.summary()
    assert product(store, "RG-SH101")["name"] == "Paisley Shirt"
    after = stock(store)
    assert after[("RG-SH101", "M")] == 7 and after[("NV-KN10", "XL")] == 1
    assert after[("NV-KN10", "L")] == 2  # a size the file no longer lists is left as it was
    assert store.db.execute("SELECT count(*) FROM products").fetchone()[0] == 4


def test_stock_only_file_updates_quantities_and_rejects_unknown_skus(store: Store, tmp_path: Path) -> None:
    import_catalog(store, EXAMPLE, actor="sam")
    path = write(tmp_path, "sku\tsize\tqty\nRG-SH101\tL\t5\nXX-404\tM\t1\nHP-TR10\t36\t2\n")

    report = import_catalog(store, path, actor="alex")  # no brand/name/category: a stock update

    assert report.stock_only and "tab" in report.file_format
    assert [str(p) for p in report.problems] == [
        "line 3, column 1 ('sku'): SKU XX-404 is not in the catalog; import it with the full catalog file first"]
    s = stock(store)
    assert s[("RG-SH101", "L")] == 5 and s[("HP-TR10", "36")] == 2
    assert product(store, "RG-SH101")["name"] == "Paisley Print Shirt"


def test_stock_only_flag_ignores_product_columns(store: Store, tmp_path: Path) -> None:
    import_catalog(store, EXAMPLE, actor="sam")
    path = write(tmp_path, EXAMPLE.read_text().replace("Paisley Print Shirt", "Renamed").replace(",S,2,", ",S,9,"))
    report = import_catalog(store, path, actor="sam", stock_only=True)
    assert report.field_changes == [] and product(store, "RG-SH101")["name"] == "Paisley Print Shirt"
    assert stock(store)[("RG-SH101", "S")] == 9


def test_bad_rows_are_reported_with_line_column_and_reason_and_good_rows_kept(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, (
        "SKU,Brand,Name,Category,Price,Size,Qty,EAN\n"
        "A-1,Acme,Good Shirt,shirt,10.00,M,1,4006381333931\n"   # line 2: good
        ",Acme,No Sku,shirt,10,M,1,\n"                          # line 3: empty SKU
        "A-2,Acme,Neg,shirt,10,M,-2,\n"                         # line 4: negative quantity
        "A-3,Acme,Bad code,shirt,10,M,1,4006381333932\n"        # line 5: wrong check digit
        "A-4,Acme,Bad price,shirt,ten,M,1,\n"                   # line 6: price not a number
        "A-1,Acme,Good Shirt,shirt,10.00,M,3,\n"                # line 7: size already on line 2
        "A-1,Other,Good Shirt,shirt,10.00,L,3,\n"               # line 8: brand differs for the SKU
        "A-5,Acme,\"Multi\nline\",shirt,12,S,2,\n"              # lines 9-10: good, quoted newline
        "A-6,Acme,No size,shirt,12,,2,\n"                       # line 11: empty size
        "A-7,Acme,Frac,shirt,12.3456,S,2,\n"                    # line 12: four decimals
    ))
    report = import_catalog(store, path, actor="sam")

    assert [(p.line, p.column) for p in report.problems] == [
        (3, "1 ('SKU')"), (4, "7 ('Qty')"), (5, "8 ('EAN')"), (6, "5 ('Price')"), (7, "6 ('Size')"),
        (8, "2 ('Brand')"), (11, "6 ('Size')"), (12, "5 ('Price')")]
    reasons = [p.reason for p in report.problems]
    assert "SKU is empty" in reasons[0] and "negative" in reasons[1] and "check digit" in reasons[2]
    assert "not a price" in reasons[3] and "already on line 2" in reasons[4] and "differs" in reasons[5]
    assert "more than two decimals" in reasons[7]
    assert report.rows_kept == 2
    assert sorted(stock(store)) == [("A-1", "M"), ("A-5", "S")]
    assert product(store, "A-5")["name"] == "Multi line"


def test_whole_file_errors_are_one_clear_line(store: Store, tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"needs a column for: brand .*; size .*The header has 'SKU', 'Name'"):
        import_catalog(store, write(tmp_path, "SKU,Name,Category,Qty\nA,B,shirt,1\n"), actor="sam")
    with pytest.raises(InputError, match="columns 'Qty' and 'Stock' both give the quantity"):
        import_catalog(store, write(tmp_path, "SKU,Size,Qty,Stock\nA,M,1,1\n"), actor="sam")
    with pytest.raises(InputError, match="is empty"):
        import_catalog(store, write(tmp_path, "\n\n"), actor="sam")
    old_excel = tmp_path / "old.xls"
    old_excel.write_bytes(b"\xd0\xcf\x11\xe0 the rest of an OLE2 file")
    with pytest.raises(InputError, match="old Excel .xls"):
        import_catalog(store, old_excel, actor="sam")
    with pytest.raises(InputError, match="no such file"):
        import_catalog(store, tmp_path / "missing.csv", actor="sam")
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"SKU,Size\x00\x01\x02")
    with pytest.raises(InputError, match="not a text file"):
        import_catalog(store, binary, actor="sam")
    assert store.db.execute("SELECT count(*) FROM products").fetchone()[0] == 0


@pytest.mark.parametrize(("encoding", "prefix", "note"), [
    ("utf-8", b"", None), ("utf-8", b"\xef\xbb\xbf", None), ("cp1252", b"", "read as Windows-1252"),
    ("utf-16", b"", None)])
def test_encodings(store: Store, tmp_path: Path, encoding: str, prefix: bytes, note: str | None) -> None:
    text = "SKU,Brand,Name,Category,Colour,Size,Qty\nCW-1,Calder & Wren,Crêpe Dress,dress,Écru,S,1\n"
    path = tmp_path / "enc.csv"
    path.write_bytes(prefix + text.encode(encoding))
    report = import_catalog(store, path, actor="sam")
    assert report.problems == []
    assert (report.encoding_note is None) == (note is None)
    if note:
        assert note in report.encoding_note and "line 2" in report.encoding_note
    p = product(store, "CW-1")
    assert (p["name"], p["colour"]) == ("Crêpe Dress", "Écru")


def test_xlsx_numbers_codes_and_column_letters(store: Store, tmp_path: Path) -> None:
    store.set_setting(DEFAULT_CURRENCY_SETTING, "CAD")
    wb = Workbook()
    ws = wb.active
    ws.title = "Spring"
    ws.append(["Item #", "Designer", "Product Name", "Type", "Colour", "Price", "Size", "Quantity", "GTIN"])
    ws.append(["OS-1", "Oak Street", "Blazer", "Jacket", "navy", 245.5, "40", 2.0, 36000291452])  # lost zero
    ws.append(["OS-1", "Oak Street", "Blazer", "Jacket", "navy", 245.5, "42", "two", None])
    ws.append(["OS-2", "Oak Street", "Coat", "coat", "camel", "$310", "M", 0, None])
    path = tmp_path / "catalog.xlsx"
    wb.save(path)

    report = import_catalog(store, path, actor="sam")

    assert report.file_format == "XLSX, sheet 'Spring'"
    assert [str(p) for p in report.problems] == [
        "line 3, column H ('Quantity'): quantity 'two' is not a whole number of units"]
    blazer = product(store, "OS-1")
    assert (blazer["price_minor"], blazer["currency"], blazer["category"]) == (24550, "CAD", "outerwear")
    assert blazer["sizes"] == [{"size": "40", "quantity": 2, "barcode": "036000291452"}]
    coat = product(store, "OS-2")
    assert (coat["price_minor"], coat["currency"], coat["out_of_stock"]) == (31000, "CAD", True)


def test_a_failure_while_writing_leaves_the_library_as_it_was(store: Store, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    import_catalog(store, EXAMPLE, actor="sam")
    before = (stock(store), [p.as_dict() for p in list_products(store)], audit_count(store))
    path = write(tmp_path, EXAMPLE.read_text().replace(",S,2,", ",S,8,") + "ZZ-1,New Brand,X,shirt,,,1,M,1,\n")

    def crash(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(store, "audit", crash)  # the audit entry is the last write of the transaction
    with pytest.raises(OSError):
        import_catalog(store, path, actor="sam")

    assert (stock(store), [p.as_dict() for p in list_products(store)], audit_count(store)) == before
    assert [b.name for b in list_brands(store)] == ["Harbour & Pine", "Nordvik", "Robert Graham"]


@pytest.mark.parametrize(("text", "expected"), [
    ("1,234.50", (123450, None)), ("$98", (9800, "USD")), ("98,00", (9800, None)), ("1.234,50", (123450, None)),
    ("€1 234,50", (123450, "EUR")), ("12 GBP", (1200, "GBP")), ("0", (0, None)), (98.5, (9850, None))])
def test_parse_price(text: object, expected: tuple[int, str | None]) -> None:
    assert parse_price(text, "USD") == expected


@pytest.mark.parametrize("text", ["", "abc", "-5", "12 apples", "(12.00)"])
def test_parse_price_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_price(text, "USD")


def test_parse_quantity() -> None:
    assert [parse_quantity(v) for v in ("0", " 12 ", 3, 4.0, "1,200")] == [0, 12, 3, 4, 1200]
    for bad in ("", "x", "-1", "2.5", True):
        with pytest.raises(ValueError):
            parse_quantity(bad)


def test_list_brands_counts_out_of_stock_products(store: Store, tmp_path: Path) -> None:
    import_catalog(store, write(tmp_path, "sku,brand,name,category,size,qty\nA,Acme,X,shirt,M,0\nA,Acme,X,shirt,L,0\n"
                                          "B,Acme,Y,shirt,M,4\n"), actor="sam")
    [acme] = list_brands(store)
    assert (acme.products, acme.out_of_stock, acme.units) == (2, 1, 4)
    assert [p.sku for p in list_products(store, brand="ACME") if p.out_of_stock] == ["A"]
    with pytest.raises(InputError, match="brand 'Nope' is not in the catalog; brands: Acme"):
        list_products(store, brand="Nope")


def test_cli_import_preview_import_list_and_dashboard(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    from lookbook.cli import main
    from lookbook.store.database import create_store
    from lookbook.store.users import create_user

    library = tmp_path / "lib"
    made = create_store(library)
    create_user(made, "sam", "secret-pass", "merchandiser")
    create_user(made, "alex", "secret-pass", "associate")
    made.close()
    monkeypatch.setenv("LOOKBOOK_LIBRARY", str(library))
    monkeypatch.setenv("LOOKBOOK_PASSWORD", "secret-pass")

    assert main(["catalog", "import", str(EXAMPLE), "--dry-run"]) == 0  # a preview needs no sign-in
    out = capsys.readouterr().out
    assert "new product  RG-SH101" in out and "would change: 4 new products" in out
    assert main(["--as", "alex", "catalog", "import", str(EXAMPLE)]) == 1
    assert "only a merchandiser, a manager or an admin may import the catalog" in capsys.readouterr().err
    assert main(["--as", "sam", "catalog", "import", str(EXAMPLE), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["new_products"] == ["RG-SH101", "RG-SH102", "NV-KN10", "HP-TR10"]
    bad = write(tmp_path, "SKU,Size,Qty\nRG-SH101,S,-1\n", "stock.csv")
    assert main(["--as", "sam", "catalog", "import", str(bad), "--stock-only"]) == 0
    assert "rejected     stock.csv: line 2, column 3 ('Qty'): quantity '-1' is negative" in capsys.readouterr().out
    assert main(["products", "list", "--brand", "Nordvik", "--json"]) == 0
    [knit] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert knit["sku"] == "NV-KN10" and knit["units"] == 7
    assert main(["brands", "dashboard", "--json"]) == 0
    verdicts = {r["brand"]: r["verdict"] for r in map(json.loads, capsys.readouterr().out.splitlines())}
    assert verdicts == dict.fromkeys(["Harbour & Pine", "Nordvik", "Robert Graham"], "no demand")
    assert main(["catalog", "import", str(tmp_path / "nope.csv"), "--dry-run"]) == 1
    assert "nope.csv: no such file" in capsys.readouterr().err


def test_a_card_number_in_a_product_or_brand_name_is_refused_naming_line_and_column(store: Store,
                                                                                   tmp_path: Path) -> None:
    # Issue 12: a product's name is put into messages; a card number in it reached the customer.
    path = write(tmp_path, "sku,brand,name,category,size,quantity\n"
                           "NV-1,Nordvik,Tote 4111.1111.1111.1111,shirt,M,1\n"
                           "NV-2,Nordvik 5555\u00a05555\u00a05555\u00a04444,Tee,shirt,M,1\n"
                           "NV-3,Nordvik,Tee 5006381333922,shirt,M,1\n")
    report = import_catalog(store, path, actor="sam")
    assert [(p.line, p.column.split(" ")[0] if p.column else None) for p in report.problems] == [(2, "3"), (3, "2")]
    assert all("payment card number" in p.reason for p in report.problems)
    assert product(store, "NV-3")["name"] == "Tee 5006381333922"  # not Luhn-valid: kept as it is
