"""Every page of the main window fits a 1366×768 and a 1920×1080 window on the demo library.

A layout given less room than its widgets need does not fail: it paints them over one another (issue: the
Approvals page's "315 / 100,000 characters" across the e-mail and the Save Edit button at 1366×768). These tests
open the real window on the demo with a set waiting for approval, show each page and check with
:mod:`layout_support` that no two widgets of one layout overlap and none is cut shorter than it needs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QWidget

from layout_support import overlaps, squeezed
from lookbook.demo import DEMO_SET, DEMO_TEMPLATE
from lookbook.outbox import messages as outbox
from lookbook.store.database import open_store
from lookbook.store.library import Library
from lookbook.store.users import User
from ui.main_window import MainWindow
from ui.pages.approvals import ApprovalsPage

MARIA = User(2, "maria", "Maria Lopez", "manager", True)


@pytest.fixture
def demo_with_approvals(demo_library: Path) -> Path:
    """The demo library with its set drafted by alex and waiting for a manager (e-mails and X messages)."""
    store = open_store(Library(demo_library))
    [set_id] = [r[0] for r in store.db.execute("SELECT id FROM sets WHERE name = ?", [DEMO_SET])]
    outbox.draft_set(store, set_id, "alex", DEMO_TEMPLATE)
    outbox.submit(store, set_id, "alex")
    store.close()
    return demo_library


@pytest.fixture
def window_at(qtbot, runners) -> Iterator[Callable[[Path, int, int], MainWindow]]:
    """Open the main window on a library at a size, with a manager signed in; closed after the test."""
    opened: list[MainWindow] = []
    MainWindow.ask_who_is_working = False

    def open_at(root: Path, width: int, height: int) -> MainWindow:
        db, thumbs = runners
        window = MainWindow(db, thumbs)
        qtbot.addWidget(window)
        window.resize(width, height)
        window.show()
        qtbot.waitExposed(window, timeout=20_000)
        with qtbot.waitSignal(window.counts_shown, timeout=20_000):
            window.open_library(root)
        window.session.sign_in(MARIA)
        opened.append(window)
        assert (window.width(), window.height()) == (width, height)
        return window

    yield open_at
    MainWindow.ask_who_is_working = True
    for window in opened:
        window.close()


def _answered(qtbot, window: MainWindow) -> None:
    """Wait until every job queued on the DB thread has answered (one thread answers them in order)."""
    done: list[None] = []
    window.db.run(lambda _store: None, on_done=done.append)
    qtbot.waitUntil(lambda: done == [None], timeout=20_000)


def _rect(widget: QWidget, root: QWidget) -> QRect:
    return QRect(widget.mapTo(root, QPoint(0, 0)), widget.size())


def _show_an_email(qtbot, window: MainWindow) -> ApprovalsPage:
    window.go_to_page("Approvals")
    page = window.page(ApprovalsPage)
    qtbot.waitUntil(lambda: page.messages_model.rowCount() > 0, timeout=20_000)
    channels = [page.messages_model.row_values(r)[1] for r in range(page.messages_model.rowCount())]
    page.messages_view.selectRow(channels.index("e-mail"))
    qtbot.waitUntil(lambda: page.email_shown() is not None, timeout=20_000)
    _answered(qtbot, window)
    qtbot.wait(50)  # the layout settles after the e-mail and the card are shown
    return page


@pytest.mark.parametrize("guide", [False, True], ids=["guide-closed", "guide-open"])
def test_at_1366_by_768_the_character_counter_covers_neither_the_email_nor_save_edit(
        qtbot, window_at, demo_with_approvals: Path, guide: bool) -> None:
    window = window_at(demo_with_approvals, 1366, 768)
    window.guide.setVisible(guide)  # the demo opens with the first-run guide above every page
    page = _show_an_email(qtbot, window)
    assert "/ 100,000 characters" in page.counter.text()
    counter = _rect(page.counter, window)
    for other in (page.body, page.email_view, page.save_edit, page.subject, page.recipient):
        assert other.isVisible()
        assert not counter.intersects(_rect(other, window)), f"the counter covers {other.accessibleName()}"
    assert not _rect(page.save_edit, window).intersects(_rect(page.email_view, window))
    assert overlaps(window) == [] and squeezed(window) == []
    # The e-mail keeps room to be read: at least four lines of it.
    assert page.email_view.viewport().height() >= 4 * page.email_view.fontMetrics().lineSpacing()


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)], ids=["1366x768", "1920x1080"])
def test_the_staff_list_shows_every_account_of_the_demo(qtbot, window_at, demo_library: Path,
                                                        size: tuple[int, int]) -> None:
    window = window_at(demo_library, *size)
    window.go_to_page("Settings")
    staff = window.page("Settings").staff
    qtbot.waitUntil(lambda: staff.model.rowCount() == 5, timeout=20_000)
    _answered(qtbot, window)
    qtbot.wait(50)
    # All five rows whole, not three and a half above an empty band.
    assert staff.view.verticalScrollBar().maximum() == 0
    assert staff.view.verticalHeader().length() <= staff.view.viewport().height()


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)], ids=["1366x768", "1920x1080"])
def test_the_brand_dashboard_shows_its_headings_and_verdicts_whole(qtbot, window_at, demo_library: Path,
                                                                   size: tuple[int, int]) -> None:
    window = window_at(demo_library, *size)
    window.go_to_page("Products & Brands")
    page = window.products
    qtbot.waitUntil(lambda: page.model.rowCount() == 8, timeout=20_000)
    with qtbot.waitSignal(page.dashboard_shown, timeout=20_000):
        page.tabs.setCurrentWidget(page.dashboard_view)
    qtbot.wait(50)
    view, header = page.dashboard_view, page.dashboard_view.horizontalHeader()
    for column in range(header.count()):  # "Sizes in stock", not "izes in stock"
        assert header.sectionSize(column) >= header.sectionSizeHint(column), page.dashboard_model.headerData(
            column, header.orientation())
    verdicts = [page.dashboard_model.item(r, 9).text() for r in range(page.dashboard_model.rowCount())]
    assert any(v.startswith("thin stock: would frustrate") for v in verdicts)  # the demo's longest
    widest = max(view.fontMetrics().horizontalAdvance(v) for v in verdicts)
    assert header.sectionSize(9) > widest  # "thin stock: would frustrate 9 customers", not "thin stock: would frustra…"
    # The brands beside the products say their verdict too: wrapped in their column, never under a sideways scroll.
    brands = page.brands_view
    assert brands.horizontalScrollBar().maximum() == 0
    for row in range(page.model.rowCount()):
        assert brands.visualRect(page.model.index(row, 0)).right() <= brands.viewport().width()
    assert overlaps(window) == [] and squeezed(window) == []


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)], ids=["1366x768", "1920x1080"])
def test_no_page_lays_one_widget_over_another(qtbot, window_at, demo_with_approvals: Path,
                                              size: tuple[int, int]) -> None:
    window = window_at(demo_with_approvals, *size)
    window.guide.hide()
    for title in window.page_titles:
        window.go_to_page(title)
        _answered(qtbot, window)
        _answered(qtbot, window)  # what a page's first answer asked for (a profile, an e-mail) has answered too
        qtbot.wait(50)
        assert (title, overlaps(window), squeezed(window)) == (title, [], [])
