"""How the customer book is stored (issue 18: a million-row import wrote 1.15 GB): the same answers from less.

Migration m018 keeps sizes and brand stances in their key alone (WITHOUT ROWID), gives an import's consent
entries one ``consent_batches`` record for their time, user and note (each entry keeps its line), and drops the
search index's column sizes. ``consents`` reads as before: same ids, columns and values.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from customer_support import add_brand, add_customer, write_csv
from lookbook.customers import book as customers
from lookbook.customers import consent, csv_files
from lookbook.customers.csv_files import import_customers
from lookbook.customers.duplicates import merge
from lookbook.customers.erasure import erase_customer
from lookbook.store.database import Store, open_store
from lookbook.store.library import Library
from lookbook.store.migrations import migrations
from lookbook.store.sqlitedb import Database
from lookbook.store.users import create_user

M018 = "m018_customers_compact_storage"
FILE = ("first name,email,likes,sizes,consent email,consent x,x handle,consent source\n"
        "Ana,ana@example.com,Marlowe,shirt=M;trousers=32,subscribed,1 to 1 only,ana_x,till\n"
        "Bo,bo@example.com,,dress=8,unsubscribed,,,\n"
        "Cy,cy@example.com,Marlowe,,1 to 1 only,subscribed,cy_x,web form\n")


@pytest.fixture(params=[False, True], ids=["small", "bulk"])
def imported(request: pytest.FixtureRequest, store: Store, tmp_path: Path,
             monkeypatch: pytest.MonkeyPatch) -> Store:
    """The store after importing :data:`FILE` (as a bulk load too: the threshold lowered to 1 row)."""
    if request.param:
        monkeypatch.setattr(csv_files, "BULK_THRESHOLD", 1)
    add_brand(store, "Marlowe")
    report = import_customers(store, write_csv(tmp_path / "book.csv", FILE), actor="maria")
    assert (report.added, report.rejected, report.consent_entries) == (3, 0, 8)
    return store


def _ids(store: Store) -> dict[str, int]:
    return {name: cid for cid, name in store.db.execute("SELECT id, first_name FROM customers")}


def test_an_import_writes_one_ledger_record_and_each_entry_only_its_line(imported: Store) -> None:
    db = imported.db
    batches = db.execute("SELECT by_user, note FROM consent_batches").fetchall()
    assert batches == [("maria", "import of book.csv, line ")]
    # The time, the user and the note are the batch's; the entry keeps what differs: its line and source.
    assert db.execute("SELECT count(*) FROM consent_entries WHERE at IS NOT NULL OR by_user IS NOT NULL"
                      " OR note IS NOT NULL").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM consent_entries WHERE batch_id IS NULL").fetchone()[0] == 0
    ids = _ids(imported)
    history = consent.ledger(imported, ids["Ana"])
    assert {(e.channel, e.scope, e.granted, e.by_user, e.source, e.note) for e in history} == {
        ("email", "one_to_one", True, "maria", "till", "import of book.csv, line 2"),
        ("email", "marketing", True, "maria", "till", "import of book.csv, line 2"),
        ("x", "one_to_one", True, "maria", "till", "import of book.csv, line 2")}
    assert [e.id for e in history] == sorted((e.id for e in history), reverse=True)
    at = history[0].at
    assert at and all(e.at == at for e in history)
    bo = consent.ledger(imported, ids["Bo"])
    assert {(e.scope, e.granted, e.source, e.note) for e in bo} == {
        ("one_to_one", False, "import", "import of book.csv, line 3"),
        ("marketing", False, "import", "import of book.csv, line 3")}
    # The current consent (what matching and the opt-out check read) carries the batch's time.
    assert consent.consent_state(imported, ids["Bo"], "email").withdrawn
    assert consent.channel_consents(imported, ids["Cy"])["x"].label == "subscribed to marketing"
    assert {r[0] for r in imported.db.execute("SELECT at FROM consent_current")} == {at}


def test_an_opt_out_after_an_import_takes_effect_at_once_and_numbers_on(imported: Store) -> None:
    ids = _ids(imported)
    last = imported.db.execute("SELECT max(id) FROM consents").fetchone()[0]
    consent.record(imported, ids["Ana"], "email", "marketing", False, by_user="alex", source="reply",
                   note="STOP")
    assert not consent.has_consent(imported, ids["Ana"], "email", "marketing")
    newest = consent.ledger(imported, ids["Ana"])[0]
    assert (newest.id, newest.by_user, newest.source, newest.note, newest.granted) == (last + 1, "alex", "reply",
                                                                                       "STOP", False)
    assert imported.db.execute("SELECT consent_id FROM consent_current WHERE customer_id = ? AND channel = 'email'"
                               " AND scope = 'marketing'", [ids["Ana"]]).fetchone()[0] == last + 1
    # Re-subscribing the customer who just opted out still needs a confirmation.
    with pytest.raises(consent.ConfirmationRequired):
        consent.record(imported, ids["Ana"], "email", "marketing", True, by_user="alex", source="in store")


def test_erasure_blanks_an_imported_entrys_note_and_keeps_the_rest(imported: Store) -> None:
    ids = _ids(imported)
    before = consent.ledger(imported, ids["Cy"])
    other = consent.ledger(imported, ids["Ana"])
    create_user(imported, "maria", "secret-1", "manager")
    erase_customer(imported, ids["Cy"], actor="maria")
    after = consent.ledger(imported, ids["Cy"])
    assert [e.note for e in after] == [""] * len(before)
    assert [(e.id, e.channel, e.scope, e.granted, e.at, e.by_user, e.source) for e in after] == [
        (e.id, e.channel, e.scope, e.granted, e.at, e.by_user, e.source) for e in before]
    assert consent.ledger(imported, ids["Ana"]) == other  # the batch's note is the other customers' still
    # Nothing of the note is left behind the view either: not even the line it came from.
    assert imported.db.execute("SELECT count(*) FROM consent_entries WHERE customer_id = ? AND (note != ''"
                               " OR line IS NOT NULL)", [ids["Cy"]]).fetchone()[0] == 0


def test_a_merge_moves_imported_entries_with_their_time_user_and_note(imported: Store) -> None:
    ids = _ids(imported)
    moved = consent.ledger(imported, ids["Bo"])
    kept = consent.ledger(imported, ids["Ana"])
    create_user(imported, "maria", "secret-1", "manager")
    merge(imported, [ids["Ana"], ids["Bo"]], actor="maria")
    assert sorted(consent.ledger(imported, ids["Ana"]), key=lambda e: e.id) == sorted(kept + moved,
                                                                                   key=lambda e: e.id)
    # The latest entry per channel and scope is the current consent again: Bo's withdrawals came later.
    assert consent.channel_consents(imported, ids["Ana"])["email"].label == "unsubscribed"


def test_writing_through_the_consents_view_works_as_the_table_did(store: Store) -> None:
    cid = add_customer(store, "Dee")
    store.db.execute("INSERT INTO consents (customer_id, channel, scope, granted, at, by_user, source)"
                     " VALUES (?, 'sms', 'one_to_one', 1, '2026-01-02T00:00:00+00:00', 'sam', 'in store')", [cid])
    entry = consent.ledger(store, cid)[0]
    assert (entry.channel, entry.granted, entry.at, entry.by_user, entry.note) == (
        "sms", True, "2026-01-02T00:00:00+00:00", "sam", "")
    assert consent.has_consent(store, cid, "sms")
    with pytest.raises(sqlite3.IntegrityError):  # an entry of no import must say when and by whom
        store.db.execute("INSERT INTO consents (customer_id, channel, scope, granted, by_user, source)"
                         " VALUES (?, 'sms', 'one_to_one', 0, 'sam', 'in store')", [cid])
    store.db.execute("DELETE FROM consents WHERE customer_id = ?", [cid])
    assert consent.ledger(store, cid) == []


def test_sizes_and_stances_are_kept_in_their_key_alone(imported: Store) -> None:
    sql = dict(imported.db.execute("SELECT name, sql FROM sqlite_master WHERE name IN ('customer_sizes',"
                                   " 'customer_brands', 'customers_fts')").fetchall())
    assert "WITHOUT ROWID" in sql["customer_sizes"] and "WITHOUT ROWID" in sql["customer_brands"]
    assert "columnsize = 0" in sql["customers_fts"]
    ids = _ids(imported)
    profile = customers.get_profile(imported, ids["Ana"])
    assert profile.sizes == {"shirt": "M", "trousers": "32"}
    assert [c.first_name for c in customers.search_customers(imported, "ana_x")] == ["Ana"]
    # The dashboard still hears of a changed size (its triggers came along with the table).
    imported.db.execute("DELETE FROM dashboard_dirty")
    customers.set_sizes(imported, ids["Bo"], {"dress": "10"}, actor="test")
    assert imported.db.execute("SELECT customer_id FROM dashboard_dirty").fetchall() == [(ids["Bo"],)]


def test_a_library_of_the_old_form_is_converted_with_every_answer_kept(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    conn = sqlite3.connect(lib / "library.db", isolation_level=None)
    db = Database(conn)
    db.execute("PRAGMA foreign_keys = ON")
    migrations.apply(db, stop_before=M018)
    now = "2026-05-01T10:00:00+00:00"
    db.execute("INSERT INTO brands (id, name) VALUES (1, 'Marlowe'), (2, 'Ashby')")
    db.execute("INSERT INTO customers (id, first_name, last_name, email, x_handle, created_at, updated_at) VALUES"
               " (1, 'Ana', 'Silva', 'ana@example.com', 'ana_x', ?, ?), (2, 'Bo', 'Ng', 'bo@example.com', NULL, ?, ?)",
               [now] * 4)
    db.execute("INSERT INTO customer_sizes (customer_id, category, size) VALUES (2, 'dress', '8'), (1, 'shirt', 'M'),"
               " (1, 'trousers', '32')")
    db.execute("INSERT INTO customer_brands (customer_id, brand_id, stance, source) VALUES (1, 1, 'like', 'import'),"
               " (1, 2, 'dislike', 'not this brand'), (2, 1, 'like', 'stated')")
    rows = [(1, "email", "one_to_one", 1, now, "maria", "import", "import of old.csv, line 2", None, None, None),
            (1, "email", "marketing", 1, now, "maria", "import", "import of old.csv, line 2", None, None, None),
            (2, "x", "one_to_one", 0, "2026-05-02T09:00:00+00:00", "alex", "reply", "STOP", None, None, None),
            (2, "x", "one_to_one", 1, "2026-05-03T09:00:00+00:00", "alex", "in store", "", "alex", "2026-05-03",
             "signed the form"),
            (1, "email", "marketing", 0, "2026-05-04T09:00:00+00:00", "sam", "reply", "", None, None, None)]
    conn.executemany("INSERT INTO consents (customer_id, channel, scope, granted, at, by_user, source, note,"
                     " confirmed_by, confirmed_at, confirmation) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    queries = ["SELECT * FROM consents ORDER BY id", "SELECT * FROM consent_current ORDER BY 1, 2, 3",
               "SELECT * FROM customer_sizes ORDER BY 1, 2", "SELECT * FROM customer_brands ORDER BY 1, 2",
               "SELECT rowid FROM customers_fts WHERE customers_fts MATCH '\"ana\"*' ORDER BY 1",
               "SELECT rowid FROM customers_fts WHERE customers_fts MATCH '\"ng\"*' ORDER BY 1"]
    before = [conn.execute(q).fetchall() for q in queries]
    conn.close()

    store = open_store(Library.locate(lib))
    try:
        assert M018 in {m.name for m in migrations.applied(store.db)}
        objects = {name for (name,) in store.db.execute("SELECT name FROM sqlite_master")}
        assert "idx_customer_brands_brand" not in objects and {
            "idx_customer_brands_brand_customer", "idx_customer_sizes_category", "dashboard_dirty_customer_sizes_ai",
            "dashboard_dirty_customer_brands_ad", "consents_current_ai"} <= objects
        assert [store.db.execute(q).fetchall() for q in queries] == before
        assert len(before[0]) == 5 and before[4] == [(1,)]
        assert [(e.id, e.note, e.confirmation) for e in consent.ledger(store, 2)] == [
            (4, "", "signed the form"), (3, "STOP", None)]
        assert consent.channel_consents(store, 1)["email"].label == "1 to 1 only"
        # New entries number on after the old ones and change the current consent at once.
        consent.record(store, 2, "x", "one_to_one", False, by_user="alex", source="reply", note="stop")
        assert consent.ledger(store, 2)[0].id == 6 and not consent.has_consent(store, 2, "x")
        assert [c.first_name for c in customers.search_customers(store, "silva")] == ["Ana"]
    finally:
        store.close()
