"""The window as a whole: badges, the first-run guide, themes, shortcuts, drag-and-drop, remembered state."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, QSettings, QSize, Qt, QUrl
from PySide6.QtGui import QDropEvent, QPalette
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from ui.main_window import MainWindow
from ui.theme import Appearance, Theme, is_dark


@pytest.fixture
def window(qtbot, runners) -> Iterator[MainWindow]:
    db, thumbs = runners
    MainWindow.ask_who_is_working = False
    win = MainWindow(db, thumbs)
    qtbot.addWidget(win)
    win.show()
    yield win
    MainWindow.ask_who_is_working = True
    win.close()


def _open(qtbot, win: MainWindow, root: Path) -> None:
    with qtbot.waitSignal(win.counts_shown, timeout=10_000):
        win.open_library(root)


def _answered(qtbot, win: MainWindow) -> None:
    """Wait until every job the window queued on the DB thread has answered (one thread answers them in order)."""
    done: list[None] = []
    win.db.run(lambda _store: None, on_done=done.append)
    qtbot.waitUntil(lambda: done == [None], timeout=20_000)


def test_shoot_badge_counts_photos_to_review(qtbot, window: MainWindow, demo_library: Path) -> None:
    with sqlite3.connect(demo_library / "library.db") as conn:
        # Exactly these two (the demo's shots on a hanger are flagged by the import itself).
        conn.execute("UPDATE photos SET needs_review = (id IN (1, 2))")
    _open(qtbot, window, demo_library)
    qtbot.waitUntil(lambda: window.sidebar.badge(0) == "2 to review", timeout=20_000)
    # The row's text stays the page's name; the badge is painted beside it and read out by screen readers.
    assert window.sidebar.item(0).text() == "Shoot"
    assert window.sidebar.item(0).data(Qt.ItemDataRole.AccessibleTextRole) == "Shoot, 2 to review"


def test_first_run_guide_shows_on_the_demo_until_dismissed(qtbot, runners, window: MainWindow,
                                                           demo_library: Path) -> None:
    _open(qtbot, window, demo_library)
    qtbot.waitUntil(window.guide.isVisible, timeout=20_000)
    window.guide.go_to.emit("Approvals")  # what clicking the step's link does
    assert window.stack.currentWidget().title == "Approvals"
    qtbot.mouseClick(window.guide.close_button, Qt.MouseButton.LeftButton)
    assert not window.guide.isVisible()
    assert QSettings().value("guide/dismissed", type=bool)

    db, thumbs = runners
    again = MainWindow(db, thumbs)
    qtbot.addWidget(again)
    again.show()
    with qtbot.waitSignal(again.counts_shown, timeout=10_000):
        again.open_library(demo_library)
    _answered(qtbot, again)  # the demo check has answered
    assert not again.guide.isVisible()
    again.show_guide()
    assert again.guide.isVisible()
    again.close()


def test_no_guide_on_an_ordinary_library(qtbot, window: MainWindow, tmp_path: Path) -> None:
    from lookbook.store.database import create_store

    create_store(tmp_path / "Shop").close()
    _open(qtbot, window, tmp_path / "Shop")
    _answered(qtbot, window)  # the demo check has answered
    assert not window.guide.isVisible()


def test_theme_switches_between_light_and_dark_and_is_remembered(qtbot, window: MainWindow) -> None:
    app = QApplication.instance()
    before_palette, before_sheet = app.palette(), app.styleSheet()
    theme = Theme(app)
    try:
        window.theme = theme
        theme.changed.connect(window._tint_icons)
        with qtbot.waitSignal(theme.changed, timeout=20_000):
            theme.set_appearance(Appearance.DARK)
        assert is_dark(app.palette())
        assert QSettings().value("view/appearance") == "dark"
        icon = window.sidebar.item(1).icon().pixmap(QSize(20, 20)).toImage()
        inked = [icon.pixelColor(x, y) for x in range(20) for y in range(20) if icon.pixelColor(x, y).alpha() > 200]
        assert inked and min(c.lightness() for c in inked) > 150  # light strokes on the dark sidebar
        with qtbot.waitSignal(theme.changed, timeout=20_000):
            theme.set_appearance(Appearance.LIGHT)
        assert not is_dark(app.palette())
        assert app.palette().color(QPalette.ColorRole.Highlight).name() == "#2f5d62"
        assert Theme(app).appearance is Appearance.LIGHT  # read back from the settings
    finally:
        app.setPalette(before_palette)
        app.setStyleSheet(before_sheet)


def test_go_shortcuts_switch_pages(qtbot, window: MainWindow) -> None:
    qtbot.waitExposed(window, timeout=20_000)
    window.activateWindow()
    QTest.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert window.stack.currentWidget().title == "Customers"
    QTest.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert window.stack.currentWidget().title == "Shoot"


def test_every_common_action_has_a_shortcut(window: MainWindow) -> None:
    shortcuts = {a.text().replace("&", ""): a.shortcut().toString() for menu in window.menuBar().actions()
                 if menu.menu() for a in menu.menu().actions() if not a.isSeparator()}
    for name in ("Open Library…", "Import Photos…", "Import Folder…", "Export Lookbook PDF…", "Undo", "Redo",
                 "Show Photos to Review", "Quit"):
        assert shortcuts.get(name), f"{name} has no shortcut"


def test_dropping_files_on_the_window_imports_them(qtbot, window: MainWindow, demo_library: Path,
                                                   monkeypatch) -> None:
    _open(qtbot, window, demo_library)
    window.go_to_page("Customers")
    imported: list[list[Path]] = []
    monkeypatch.setattr(window.shoot, "import_paths", lambda paths: imported.append(list(paths)))
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile("/tmp/a.jpg"), QUrl.fromLocalFile("/tmp/shoot-day")])
    event = QDropEvent(QPointF(100, 100), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    assert imported == [[Path("/tmp/a.jpg"), Path("/tmp/shoot-day")]]
    assert window.stack.currentWidget() is window.shoot


def test_window_remembers_page_and_splitters(qtbot, runners, window: MainWindow) -> None:
    window.go_to_page("Outbox")
    window.resize(1366, 768)  # wide enough for the sidebar's titles: narrower, it is an icon rail of its own width
    window.splitter.setSizes([300, 900])
    window.shoot.splitter.setSizes([500, 500])
    wanted = window.splitter.sizes()[0]
    window.close()
    db, thumbs = runners
    again = MainWindow(db, thumbs)
    qtbot.addWidget(again)
    assert again.stack.currentWidget().title == "Outbox"
    assert QSettings().value("main/splitter") is not None
    again.show()
    again.resize(1366, 768)  # the offscreen screen is smaller: the restored window was fitted to it, as a rail
    assert abs(again.splitter.sizes()[0] - wanted) <= 2
    again.close()


def test_theme_follows_the_system_colour_scheme(qtbot, monkeypatch) -> None:
    # Neither the offscreen nor the X11 platform lets a test change the system's scheme, so the
    # scheme is faked and the style hints' change signal is sent as the platform would send it.
    from PySide6.QtGui import QGuiApplication

    import ui.theme

    app = QApplication.instance()
    before_palette, before_sheet = app.palette(), app.styleSheet()
    hints = QGuiApplication.styleHints()
    system = {"dark": False}
    monkeypatch.setattr(ui.theme, "system_is_dark", lambda: system["dark"])
    theme = Theme(app)
    try:
        theme.set_appearance(Appearance.SYSTEM)
        assert not is_dark(app.palette())
        system["dark"] = True
        with qtbot.waitSignal(theme.changed, timeout=20_000):
            hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
        assert is_dark(app.palette())
        theme.set_appearance(Appearance.LIGHT)  # a person's choice wins over the system's
        with qtbot.assertNotEmitted(theme.changed):
            hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
        assert not is_dark(app.palette())
    finally:
        app.setPalette(before_palette)
        app.setStyleSheet(before_sheet)
