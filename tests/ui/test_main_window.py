"""The main window on the demo library, offscreen."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QMessageBox

from ui.main_window import MainWindow


def test_window_opens_on_the_demo_library_and_shows_its_counts(qtbot, runners, demo_library: Path) -> None:
    db, thumbs = runners
    window = MainWindow(db, thumbs)
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.counts_shown, timeout=10_000) as blocker:
        window.open_library(demo_library)
    counts = blocker.args[0]
    assert counts["photos"] == 40 and counts["customers"] == 500
    assert "40 photos" in window.counts_label.text()
    assert "500 customers" in window.counts_label.text()
    assert demo_library.name in window.library_label.text()
    assert [window.sidebar.item(i).text() for i in range(window.sidebar.count())] == [
        "Shoot", "Products & Brands", "Customers", "Match & Compose", "Compose Card", "Approvals", "Outbox",
        "Conversations", "Tasks", "Reports", "Settings"]
    shoot, products, customers = window.page(0), window.page(1), window.page(2)
    qtbot.waitUntil(lambda: shoot.model.rowCount() == 40, timeout=20_000)
    qtbot.waitUntil(lambda: products.model.rowCount() == 8, timeout=20_000)
    qtbot.waitUntil(lambda: customers.model.total == 500, timeout=20_000)
    window.close()


def test_sidebar_switches_pages(qtbot, runners) -> None:
    db, thumbs = runners
    window = MainWindow(db, thumbs)
    qtbot.addWidget(window)
    window.sidebar.setCurrentRow(2)
    assert window.stack.currentWidget() is window.page(2)


def test_opening_a_folder_without_a_library_shows_a_readable_error(qtbot, runners, tmp_path: Path,
                                                                    monkeypatch) -> None:
    db, thumbs = runners
    window = MainWindow(db, thumbs)
    qtbot.addWidget(window)
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: shown.append(text))
    window.open_library(tmp_path)
    qtbot.waitUntil(lambda: bool(shown), timeout=20_000)
    assert "not a Lookbook library" in shown[0] and str(tmp_path) in shown[0]
