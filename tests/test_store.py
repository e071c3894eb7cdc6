"""The library store: migrations, re-opening, backups, refusals."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest

from lookbook.errors import LibraryError, LibraryTooNewError
from lookbook.hooks import Changes, Hooks
from lookbook.store.database import Store, create_store, open_store
from lookbook.store.library import Library
from lookbook.store.migrations import migrations

DATA = Path(__file__).parent / "data"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_create_applies_every_migration_and_records_the_version(tmp_path: Path) -> None:
    store = create_store(tmp_path / "lib")
    names = [m.name for m in migrations.applied(store.db)]
    assert names == [m.name for m in migrations._migrations]
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == len(names)
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    for table in ("photos", "products", "stock", "customers", "consents", "sets", "messages", "users", "audit_log"):
        assert store.db[table].exists(), table
    store.close()


def test_reopening_keeps_data_and_takes_no_backup_when_nothing_is_pending(tmp_path: Path) -> None:
    store = create_store(tmp_path / "lib")
    store.db.execute("INSERT INTO brands (name) VALUES ('Marlowe')")
    store.close()
    again = open_store(Library.locate(tmp_path / "lib"))
    assert again.db.execute("SELECT name FROM brands").fetchall() == [("Marlowe",)]
    assert list((tmp_path / "lib" / "backups").iterdir()) == []
    again.close()


def test_old_library_is_backed_up_then_upgraded_with_its_data(tmp_path: Path) -> None:
    lib = tmp_path / "old"
    lib.mkdir()
    shutil.copyfile(DATA / "library_m001.db", lib / "library.db")
    before = _digest(lib / "library.db")
    store = open_store(Library.locate(lib))
    assert [m.name for m in migrations.applied(store.db)] == [m.name for m in migrations._migrations]
    assert store.db.execute("SELECT sku FROM products").fetchall() == [("HP-SH01",)]
    assert store.db.execute("SELECT email FROM customers").fetchall() == [("ada@example.com",)]
    store.close()
    backups = list((lib / "backups").glob("lookbook_*.db"))
    assert len(backups) == 1
    old = sqlite3.connect(backups[0])
    assert old.execute("SELECT name FROM _sqlite_migrations").fetchall() == [("m001_initial",)]
    old.close()
    assert _digest(lib / "library.db") != before


def test_library_from_a_newer_version_is_refused_and_left_untouched(tmp_path: Path) -> None:
    store = create_store(tmp_path / "lib")
    store.db.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                     "VALUES ('lookbook', 'm999_from_the_future', '2030-01-01')")
    store.close()
    db_file = tmp_path / "lib" / "library.db"
    before = _digest(db_file)
    with pytest.raises(LibraryTooNewError, match="newer Lookbook Studio"):
        open_store(Library.locate(tmp_path / "lib"))
    assert _digest(db_file) == before
    assert list((tmp_path / "lib" / "backups").iterdir()) == []


def test_a_file_that_is_not_a_database_is_refused_and_not_overwritten(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    junk = b"these are not the bytes of a SQLite database" * 100
    (lib / "library.db").write_bytes(junk)
    with pytest.raises(LibraryError, match=r"library\.db: not a Lookbook library database"):
        open_store(Library.locate(lib))
    assert (lib / "library.db").read_bytes() == junk


def test_missing_folder_and_missing_database_name_the_path(tmp_path: Path) -> None:
    with pytest.raises(LibraryError, match="no such folder"):
        Library.locate(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(LibraryError, match="not a Lookbook library"):
        Library.locate(tmp_path / "empty")
    assert list((tmp_path / "empty").iterdir()) == []


def test_create_refuses_an_existing_library_and_a_missing_parent(tmp_path: Path) -> None:
    create_store(tmp_path / "lib").close()
    before = _digest(tmp_path / "lib" / "library.db")
    with pytest.raises(LibraryError, match="already exists"):
        create_store(tmp_path / "lib")
    assert _digest(tmp_path / "lib" / "library.db") == before
    with pytest.raises(LibraryError, match="no such folder"):
        create_store(tmp_path / "a" / "b" / "c")
    assert not (tmp_path / "a").exists()


def test_create_refuses_an_unwritable_place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests may run as root, for whom chmod does not stop writes; ask os.access instead.
    monkeypatch.setattr("lookbook.store.library.os.access", lambda path, mode: False)
    with pytest.raises(LibraryError, match="not writable"):
        create_store(tmp_path / "lib")
    assert not (tmp_path / "lib").exists()


def test_audit_log_is_append_only(store: Store) -> None:
    store.audit("maria", "message.approve", "message", 7, comment="ok")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store.db.execute("UPDATE audit_log SET actor = 'someone else'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store.db.execute("DELETE FROM audit_log")
    assert store.db.execute("SELECT actor, action, entity_id FROM audit_log").fetchall() == [
        ("maria", "message.approve", "7")]


def test_atomic_rolls_back_every_row_on_failure(store: Store) -> None:
    with pytest.raises(RuntimeError):
        with store.atomic():
            store.db.execute("INSERT INTO brands (name) VALUES ('A')")
            store.db.execute("INSERT INTO brands (name) VALUES ('B')")
            raise RuntimeError("crash half-way")
    assert store.db.execute("SELECT count(*) FROM brands").fetchone()[0] == 0


def test_settings_round_trip_and_notify_subscribers(tmp_path: Path) -> None:
    hooks = Hooks()
    seen: list[Changes] = []
    hooks.library_did_change.append(seen.append)
    store = create_store(tmp_path / "lib", hooks)
    store.set_setting("frequency_cap_days", 7)
    assert store.get_setting("frequency_cap_days") == 7
    assert store.get_setting("missing", "default") == "default"
    assert seen == [Changes(settings=True)]
    store.close()


def test_originals_are_stored_under_their_content_hash_once(tmp_path: Path) -> None:
    lib = Library.prepare_new(tmp_path / "lib")
    photo = tmp_path / "shirt.JPG"
    photo.write_bytes(b"\xff\xd8 pretend jpeg bytes")
    digest, stored = lib.store_original(photo)
    assert stored == lib.originals_dir / digest[:2] / f"{digest}.jpg"
    assert stored.read_bytes() == photo.read_bytes()
    again, stored_again = lib.store_original(photo)
    assert (again, stored_again) == (digest, stored)
    assert len(list(lib.originals_dir.rglob("*.jpg"))) == 1


def test_the_apps_own_data_folder_is_created_on_a_fresh_machine(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "home" / ".local" / "share" / "Lookbook Studio"
    monkeypatch.setattr("platformdirs.user_data_dir", lambda *a, **k: str(data))  # imported when first needed
    from lookbook.store.library import default_demo_path

    store = create_store(default_demo_path())
    assert store.library.root == data / "Demo Library" and (data / "Demo Library" / "library.db").is_file()
    store.close()
    # Anywhere else a missing parent is still refused, not created.
    with pytest.raises(LibraryError, match="no such folder"):
        create_store(tmp_path / "elsewhere" / "lib")
