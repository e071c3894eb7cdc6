"""library.db, its backups and exports are readable by their owner only (0600 files in 0700 folders) on POSIX."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from lookbook.customers.csv_files import export_customers
from lookbook.store.database import create_store, open_store
from lookbook.store.library import Library
from outbox_support import add_staff, add_world

pytestmark = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX; Windows keeps profiles private")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def _usual_umask() -> None:
    old = os.umask(0o022)  # the common default, which makes new files readable by everyone
    yield
    os.umask(old)


def test_a_new_library_its_database_backups_and_exports_are_the_owners_only(tmp_path: Path) -> None:
    store = create_store(tmp_path / "lib")
    add_staff(store)
    add_world(store, customers=2)
    lib = store.library
    assert _mode(lib.root) == _mode(lib.backups_dir) == _mode(lib.exports_dir) == 0o700
    assert _mode(lib.db_path) == 0o600
    wal = lib.db_path.with_name("library.db-wal")
    assert wal.exists() and _mode(wal) == 0o600
    from lookbook.lookbooks.composer import write_card

    card = lib.root / write_card(store, 1)
    assert _mode(card) == 0o600
    backup = store.backup("manual").path  # lookbook.store.backups.take_backup
    assert _mode(backup) == 0o600
    export_customers(store, tmp_path / "book.csv", actor="maria")
    assert _mode(tmp_path / "book.csv") == 0o600
    store.close()


def test_an_older_library_is_tightened_when_opened(tmp_path: Path) -> None:
    create_store(tmp_path / "lib").close()
    lib = Library(tmp_path / "lib")
    for path, mode in ((lib.root, 0o755), (lib.backups_dir, 0o755), (lib.exports_dir, 0o775), (lib.db_path, 0o644)):
        path.chmod(mode)
    (lib.backups_dir / "lookbook_old.db").write_bytes(b"")
    (lib.backups_dir / "lookbook_old.db").chmod(0o644)
    open_store(lib).close()
    assert _mode(lib.root) == _mode(lib.backups_dir) == _mode(lib.exports_dir) == 0o700
    assert _mode(lib.db_path) == _mode(lib.backups_dir / "lookbook_old.db") == 0o600
