"""Import the catalog in the app: a dry run with its findings line by line, then the import, off the UI thread."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from lookbook.store.database import create_store
from lookbook.store.users import create_user
from ui.catalog_import import CatalogImportDialog
from ui.main_window import MainWindow

CATALOG = ("SKU,Brand,Name,Category,Price,Size,Qty\n"
           "A-1,Acme,Good Shirt,shirt,10.00,M,2\n"
           "A-1,Acme,Good Shirt,shirt,10.00,L,1\n"
           ",Acme,No Sku,shirt,10,M,1\n"
           "B-2,Acme,Trousers,trousers,40,32,-1\n")


@pytest.fixture
def library(tmp_path: Path) -> Path:
    store = create_store(tmp_path / "lib")
    create_user(store, "sam", "long-password", "merchandiser")
    create_user(store, "alex", "long-password", "associate")
    root = store.library.root
    store.close()
    return root


@pytest.fixture
def catalog(tmp_path: Path) -> Path:
    path = tmp_path / "catalog.csv"
    path.write_text(CATALOG, encoding="utf-8")
    return path


def _products(root: Path) -> list[str]:
    with sqlite3.connect(root / "library.db") as con:
        return [r[0] for r in con.execute("SELECT sku FROM products ORDER BY sku")]


def _open(qtbot, runners, library: Path) -> MainWindow:
    db, thumbs = runners
    window = MainWindow(db, thumbs)
    window.ask_who_is_working = False
    qtbot.addWidget(window)
    with qtbot.waitSignal(db.library_opened, timeout=10_000):
        window.open_library(library)
    return window


def _sign_in(window: MainWindow, username: str, role: str) -> None:
    from lookbook.store.users import User

    window.session.sign_in(User(1, username, username, role, True))


def test_dry_run_shows_findings_then_import_writes(qtbot, runners, library: Path, catalog: Path) -> None:
    window = _open(qtbot, runners, library)
    _sign_in(window, "sam", "merchandiser")
    progress: list[int] = []
    dialog = window.import_catalog(catalog)
    dialog.progress.valueChanged.connect(progress.append)
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=10_000)
    assert dialog.report.dry_run and _products(library) == []  # nothing written by the dry run
    rows = [dialog.model.row_values(r) for r in range(dialog.model.rowCount())]
    assert rows[0][:2] == ("4", "rejected") and "SKU is empty" in rows[0][3]
    assert rows[1][:2] == ("5", "rejected") and "negative" in rows[1][3]
    assert ("", "new product", "A-1", "") in rows and ("", "new brand", "Acme", "") in rows
    assert "Nothing was written yet" in dialog.summary.text()
    assert progress and progress[-1] == 1000
    assert dialog.import_button.isEnabled()
    with qtbot.waitSignal(dialog.finished_step, timeout=10_000):
        dialog.import_button.click()
    assert dialog.step.text() == "Imported" and not dialog.report.dry_run
    assert _products(library) == ["A-1"]
    with sqlite3.connect(library / "library.db") as con:
        assert con.execute("SELECT actor FROM audit_log WHERE action = 'catalog.import'").fetchone() == ("sam",)
    dialog.close()
    window.close()


def test_an_associate_sees_the_dry_run_but_cannot_import(qtbot, runners, library: Path, catalog: Path) -> None:
    window = _open(qtbot, runners, library)
    _sign_in(window, "alex", "associate")
    dialog = CatalogImportDialog(window.db, None, catalog, window)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=10_000)
    assert not dialog.import_button.isEnabled() and "Sign in as" in dialog.summary.text()
    # Even if asked, the import is refused in the core (the role matrix), and nothing is written.
    refused = CatalogImportDialog(window.db, "alex", catalog, window)
    qtbot.addWidget(refused)
    qtbot.waitUntil(lambda: refused.report is not None, timeout=10_000)
    with qtbot.waitSignal(refused.finished_step, timeout=10_000) as outcome:
        refused.run_import()
    assert "only a merchandiser, a manager or an admin" in str(outcome.args[0])
    assert _products(library) == []
    window.close()


def test_a_file_that_cannot_be_read_says_why_in_one_line(qtbot, runners, library: Path, tmp_path: Path) -> None:
    window = _open(qtbot, runners, library)
    bad = tmp_path / "bad.csv"
    bad.write_text("Colour,Fit\nred,slim\n", encoding="utf-8")
    dialog = CatalogImportDialog(window.db, None, bad, window)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.step.text() == "The file cannot be imported", timeout=10_000)
    assert "bad.csv" in dialog.summary.text() and "\n" not in dialog.summary.text()
    window.close()
