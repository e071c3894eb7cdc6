"""File ▸ Restore… and the warning at open on a damaged library (issue 13)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from PySide6.QtWidgets import QDialog, QMessageBox

from ui.main_window import MainWindow
from ui.restore_dialog import RestoreDialog


def _damage(db: Path) -> None:
    conn = sqlite3.connect(db)
    page = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'customers'").fetchone()[0]
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    with db.open("r+b") as fh:
        fh.seek((root - 1) * page)
        fh.write(b"\xff" * 24)


def test_a_damaged_library_warns_at_open_and_file_restore_puts_back_a_backup(
        qtbot, runners, demo_library: Path, monkeypatch) -> None:
    _damage(demo_library / "library.db")
    db, thumbs = runners
    window = MainWindow(db, thumbs)
    window.ask_who_is_working = False
    qtbot.addWidget(window)
    warned: list[str] = []
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: warned.append(text))
    monkeypatch.setattr(QMessageBox, "information", lambda parent, title, text: told.append(text))
    window.open_library(demo_library)
    qtbot.waitUntil(lambda: bool(warned), timeout=10_000)
    assert "library.db is damaged" in warned[0] and "File ▸ Restore…" in warned[0]
    assert any(a.text() == "&Restore…" for a in window.menuBar().actions()[0].menu().actions())

    shown: list[RestoreDialog] = []

    def accept(dialog: RestoreDialog) -> int:
        shown.append(dialog)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(RestoreDialog, "exec", accept)
    window.restore_dialog()
    qtbot.waitUntil(lambda: bool(told), timeout=10_000)
    dialog = shown[0]
    assert dialog.table.rowCount() >= 1 and "UTC" in dialog.table.item(0, 0).text()
    assert "Restored the backup of" in told[0] and "The damaged library.db is kept as" in told[0]
    with qtbot.waitCallback(timeout=10_000) as done:
        db.run(lambda store: (store.writable, store.counts()["customers"]), on_done=done)
    assert done.args[0] == (True, 500)
    window.close()
