"""The customer import checked a column at a time (issue 18) stages what the row checks stage, word for word.

The whole import is compared with the previous version's, table by table, by ``tests/customer_import_identity.py``
(run by hand: it imports with two versions of the code); these tests hold the parts of that promise that one
version can check on its own.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from customer_import_identity import write_messy, write_updates
from customer_support import add_brand, write_csv
from lookbook.catalog import dashboard
from lookbook.customers import book
from lookbook.customers import csv_files as customer_csv
from lookbook.customers.book import FieldError, check_phone
from lookbook.customers.csv_files import import_customers, import_customers_steps
from lookbook.progress import Cancelled, run_to_end
from lookbook.store.database import Store
from lookbook.store.tabular import CsvRows, detect_encoding
from lookbook.store.users import create_user

BRANDS = ["Harbour & Pine", "Marlowe", "Northfield", "Oak & Ash"]


def _library(store: Store) -> None:
    for name in BRANDS:
        add_brand(store, name)
    create_user(store, "alex", "alex-pass-123", "associate", "Alex Kim")


def _library_phone(text: str, country: str | None) -> str:
    """Return what ``phonenumbers`` itself makes of a number (the fast path turned off)."""
    fast = book._NANP_WHOLE
    book._NANP_WHOLE = book.re.compile(r"(?!)")  # matches nothing
    try:
        return check_phone(text, country)
    except FieldError as exc:
        return f"refused: {exc}"
    finally:
        book._NANP_WHOLE = fast


@settings(max_examples=300, deadline=None)
@given(area=st.integers(200, 999), exchange=st.integers(0, 999), line=st.integers(0, 9999),
       seps=st.lists(st.sampled_from(["", " ", "-", "."]), min_size=3, max_size=3), brackets=st.booleans(),
       country=st.sampled_from([None, "US", "GB", "DE"]))
def test_a_north_american_number_written_whole_reads_as_phonenumbers_reads_it(
        area: int, exchange: int, line: int, seps: list[str], brackets: bool, country: str | None) -> None:
    text = f"+1{seps[0]}{f'({area})' if brackets else area}{seps[1]}{exchange:03d}{seps[2]}{line:04d}"
    assert book._NANP_WHOLE.fullmatch(text)
    assert check_phone(text, country) == _library_phone(text, country)


@pytest.mark.parametrize("text", ["+1 155 555 0100", "+1 055 555 0100", "+1 212 555 010", "+1 212 555 01000",
                                  "+12125550100 ext 2", "+44 161 496 0000", "(212) 555-0100", "+1 212 555 0100 "])
def test_numbers_the_shortcut_cannot_be_sure_of_are_left_to_phonenumbers(text: str) -> None:
    # A leading 1 or 0 may be a trunk prefix, an extension or another country is the library's to read.
    assert not book._NANP_WHOLE.fullmatch(text)


@pytest.mark.parametrize("kind", ["messy", "updates"])
def test_a_chunk_checked_by_column_stages_and_refuses_what_the_row_checks_do(store: Store, tmp_path: Path,
                                                                            kind: str) -> None:
    # The updates file has the other columns: ids, a full name to split, consent confirmations.
    _library(store)
    store.set_setting(book.PHONE_COUNTRY_SETTING, "US")
    path = tmp_path / f"{kind}.csv"
    if kind == "messy":
        write_messy(path, 3000, BRANDS)
    else:
        write_updates(path, 3000)
    reader = CsvRows(path, detect_encoding(path, "CSV"))
    rows = iter(reader)
    _, header = next(rows)
    report = customer_csv.ImportReport(path)
    checker = customer_csv._RowChecker(store, customer_csv._map_header(header, 1, path, report), len(header))
    chunk = [(line, cells) for line, cells in rows if "".join(cells).strip()]
    reader.close()
    expected_rows, expected_refused = [], []
    for line, cells in chunk:
        try:
            expected_rows.append(checker.stage(line, cells))
        except customer_csv._Bad as bad:
            expected_refused.append((line, bad.column, str(bad)))
    staged, refused = checker.stage_chunk(chunk)
    assert [(line, bad.column, str(bad)) for line, bad in refused] == expected_refused
    assert [row[:len(checker.stage_columns)] for row in staged] == expected_rows
    # Every kind of refusal the file is built to hold is in it, and most rows are good.
    assert {column for _, column, _ in expected_refused} >= ({
        None, "email", "x_handle", "x_user_id", "instagram", "phone", "timezone", "preferred_channel", "associate",
        "last_contacted_at", "brand_likes", "brand_dislikes", "sizes", "consent_x", "first_name", "notes"}
        if kind == "messy" else {"id", "name", "brand_likes", "timezone", "consent_x"})
    assert len(staged) > (len(refused) if kind == "messy" else 300)


def test_a_chunk_stages_the_dashboard_columns_of_each_row_as_a_row_at_a_time_would(store: Store,
                                                                                 tmp_path: Path) -> None:
    # The two dashboard columns are worked out a column at a time; rows too long or too short go through the
    # row checks and get theirs from what those give back.
    _library(store)
    path = tmp_path / "messy.csv"
    write_messy(path, 3000, BRANDS)
    reader = CsvRows(path, detect_encoding(path, "CSV"))
    rows = iter(reader)
    _, header = next(rows)
    checker = customer_csv._RowChecker(store, customer_csv._map_header(header, 1, path,
                                                                       customer_csv.ImportReport(path)), len(header))
    chunk = [(line, cells) for line, cells in rows if "".join(cells).strip()]
    reader.close()
    # Rows with empty cells past the header's width are kept, through the row checks.
    chunk += [(100_000 + line, [*cells, "", " "]) for line, cells in chunk[:100] if len(cells) == len(header)]
    staged, _ = checker.stage_chunk(chunk)
    likes_at, sizes_at = checker._fan_at
    assert checker.fan_columns and sizes_at is not None
    width = len(checker.stage_columns)
    assert [row[width:] for row in staged] == [
        (checker.fan_profile(row[sizes_at]), checker.fan_brands(row[likes_at])) for row in staged]
    odd = {line for line, cells in chunk if len(cells) != len(header)}
    assert odd & {row[0] for row in staged if row[likes_at]}  # rows of another width that like a brand are in it


def _book_tables(store: Store) -> dict[str, list[tuple[object, ...]]]:
    tables = ("customers", "customer_brands", "customer_sizes", "consents", "consent_current", "dashboard_fans",
              "dashboard_profiles", "dashboard_dirty")
    return {t: sorted(store.db.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables}


@pytest.mark.parametrize(("kind", "bulk"), [("messy", False), ("messy", True), ("updates", False)])
def test_an_empty_book_staged_with_its_new_ids_ends_as_the_general_way_would(
        store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str, bulk: bool) -> None:
    # Into an empty book each row is staged as the customer its line numbers; the general way stages no id
    # and gives them out after the checks. Same file, same book, same everything (but the times). The updates
    # file names customer ids (none of which an empty book has), full names and consent confirmations.
    from lookbook.hooks import Hooks
    from lookbook.store.database import memory_store

    if bulk:
        monkeypatch.setattr(customer_csv, "BULK_THRESHOLD", 10)
    path = tmp_path / f"{kind}.csv"
    if kind == "messy":
        write_messy(path, 2000, BRANDS)
    else:
        write_updates(path, 2000)
    other = memory_store(tmp_path / "other", Hooks())
    try:
        reports, tables = [], []
        for target in (store, other):
            _library(target)
            if target is other:  # the general way, as for a book that already holds customers
                monkeypatch.setattr(customer_csv, "_book_is_empty", lambda _store: False)
            report = import_customers(target, path, actor="maria")
            reports.append({k: v for k, v in report.as_dict().items() if k != "file"})
            tables.append(_book_tables(target))
            target.db.execute("UPDATE customers SET created_at = 'now', updated_at = 'now'")
            tables[-1]["customers"] = sorted(target.db.execute("SELECT * FROM customers").fetchall(), key=repr)
            at = {r[0] for r in target.db.execute("SELECT at FROM consent_current")}
            tables[-1]["consent_current"] = [r[:4] + r[5:] for r in tables[-1]["consent_current"]]
            tables[-1]["consents"] = [r[:5] + r[6:] for r in tables[-1]["consents"]]
            assert len(at) == 1
        assert reports[0] == reports[1]
        assert reports[0]["added"] > (500 if kind == "messy" else 100) and reports[0]["problems"]
        if kind == "updates":
            # Rows naming an id are refused (no customer has it; a repeated one as the same id as an earlier line).
            reasons = [p["reason"] for p in reports[0]["problems"]]
            assert any("no customer has id" in r for r in reasons) and any("same id as" in r for r in reasons)
        assert tables[0] == tables[1]
    finally:
        other.close()


def test_a_bulk_load_counts_its_new_customers_for_the_dashboard_as_a_refresh_would(
        store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _library(store)
    monkeypatch.setattr(customer_csv, "BULK_THRESHOLD", 10)
    path = tmp_path / "messy.csv"
    write_messy(path, 2000, BRANDS)
    report = import_customers(store, path, actor="maria")
    assert report.added > 500
    fans = store.db.execute("SELECT * FROM dashboard_fans ORDER BY customer_id").fetchall()
    profiles = store.db.execute("SELECT * FROM dashboard_profiles ORDER BY brand_id, profile").fetchall()
    # Nothing is left for the dashboard's first view to count (before: every new customer, 67 s for a million).
    assert store.db.execute("SELECT count(*) FROM dashboard_dirty").fetchone()[0] == 0
    assert len(fans) > 300
    # Counting everyone again from their likes and sizes gives the same rows.
    with store.atomic():
        store.db.execute("INSERT INTO dashboard_dirty (customer_id) SELECT id FROM customers")
    dashboard.refresh(store)
    assert store.db.execute("SELECT * FROM dashboard_fans ORDER BY customer_id").fetchall() == fans
    assert store.db.execute("SELECT * FROM dashboard_profiles WHERE fans > 0 ORDER BY brand_id, profile"
                            ).fetchall() == [p for p in profiles if p[2] > 0]
    # The current consent is each customer's latest ledger row, as the trigger keeps it.
    assert store.db.execute("SELECT customer_id, channel, scope, granted, at, consent_id FROM consent_current"
                            " ORDER BY 1, 2, 3").fetchall() == store.db.execute(
        "SELECT customer_id, channel, scope, granted, at, id FROM consents AS c WHERE id = (SELECT max(id)"
        " FROM consents AS l WHERE l.customer_id = c.customer_id AND l.channel = c.channel"
        " AND l.scope = c.scope) ORDER BY 1, 2, 3").fetchall()
    # The triggers the load dropped are back: a later change marks the customer again.
    store.db.execute("UPDATE customer_sizes SET size = 'XS' WHERE customer_id = ?", [fans[0][0]])
    assert store.db.execute("SELECT customer_id FROM dashboard_dirty").fetchall() == [(fans[0][0],)]


def test_a_fan_profile_is_the_text_json_group_object_writes(store: Store) -> None:
    checker = customer_csv._RowChecker(store, {"first_name": 0, "brand_likes": 1, "sizes": 2}, 3)
    for sizes in ({"trousers": "32", "shirt": "M"}, {"dress": "½", "shirt": 'Größe "M"'}, {"skirt": "a\tb\\c"}):
        staged = json.dumps(sizes)
        want = store.db.execute("SELECT json_group_object(key, value) FROM (SELECT key, value FROM json_each(?)"
                                " ORDER BY key)", [staged]).fetchone()[0]
        assert checker.fan_profile(staged) == want


def test_a_cancelled_bulk_load_leaves_the_book_as_it_was(store: Store, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    _library(store)
    monkeypatch.setattr(customer_csv, "BULK_THRESHOLD", 10)
    monkeypatch.setattr(customer_csv, "_CHUNK", 500)
    path = write_csv(tmp_path / "few.csv", "first name,email\nAna,ana@example.com\n")
    import_customers(store, path, actor="maria")
    schema = store.db.execute("SELECT * FROM sqlite_master ORDER BY name").fetchall()
    big = tmp_path / "messy.csv"
    write_messy(big, 2000, BRANDS)
    cancel = threading.Event()
    seen: list[str] = []

    def progress(step: object) -> None:
        seen.append(str(getattr(step, "message", "")))
        if len(seen) == 3:
            cancel.set()

    with pytest.raises(Cancelled):
        run_to_end(import_customers_steps(store, big, actor="maria"), progress, cancel=cancel)
    assert any(m.startswith("Checked ") for m in seen)
    assert store.db.execute("SELECT count(*) FROM customers").fetchone()[0] == 1
    assert store.db.execute("SELECT * FROM sqlite_master ORDER BY name").fetchall() == schema
    report = import_customers(store, big, actor="maria")
    assert report.added > 500
