"""Every page of the main window fits a 960×600 (the window's minimum), a 1366×768 and a 1920×1080 window on the
demo library.

A layout given less room than its widgets need does not fail: it paints them over one another (issue: the
Approvals page's "315 / 100,000 characters" across the e-mail and the Save Edit button at 1366×768). These tests
open the real window on the demo with a set waiting for approval, show each page and check with
:mod:`layout_support` that no two widgets of one layout overlap and none is cut shorter than it needs. At 960×600
the sidebar is an icon rail, nothing is squeezed narrower than it needs or scrolls sideways, and the key columns
of the Customers, Products and Match tables show whole.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QProxyStyle,
    QScrollArea,
    QStyle,
    QStyleOption,
    QStyleOptionViewItem,
    QWidget,
)
from pytestqt.exceptions import TimeoutError as WaitTimeout

from layout_support import narrowed, overlaps, squeezed
from lookbook.demo import DEMO_SET, DEMO_TEMPLATE
from lookbook.outbox import messages as outbox
from lookbook.store.database import open_store
from lookbook.store.library import Library
from lookbook.store.users import User
from ui.main_window import MainWindow
from ui.models import elided_tip
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
        assert (title, overlaps(window), squeezed(window), narrowed(window)) == (title, [], [], [])


# -- 960×600, the window's minimum -------------------------------------------------------------------------------

def _at_960(qtbot, window_at, root: Path) -> MainWindow:
    """Open the window at its minimum size, the first-run guide closed (it opens once the demo is read)."""
    window = window_at(root, 960, 600)
    _answered(qtbot, window)
    window.guide.hide()
    return window


def _visit(qtbot, window: MainWindow, title: str) -> None:
    window.go_to_page(title)
    _answered(qtbot, window)
    _answered(qtbot, window)  # what a page's first answer asked for (a profile, an e-mail) has answered too
    qtbot.wait(50)


@pytest.mark.parametrize("guide", [False, True], ids=["guide-closed", "guide-open"])
def test_at_960_by_600_no_page_overlaps_squeezes_or_scrolls_sideways(qtbot, window_at, demo_with_approvals: Path,
                                                                      app_style, guide: bool) -> None:
    # With the app's style sheet, whose padding makes rows and buttons as wide as the app shows them.
    window = _at_960(qtbot, window_at, demo_with_approvals)
    # The demo opens with the first-run guide above every page: in a window this short it shows its steps as
    # links alone (its full text took 135 pixels and squeezed the Products page's buttons over each other).
    window.guide.setVisible(guide)
    assert window.guide.compact and not window.guide.also_row.isVisible()
    for title in window.page_titles:
        _visit(qtbot, window, title)
        page = window.page(title)

        def problems(page: QWidget = page) -> tuple[list[str], ...]:
            # Compose's bar wanted 890 of the page's 867 pixels and ran off its edge; Settings scrolled sideways.
            sideways = [area.objectName() or type(area.widget()).__name__ for area in page.findChildren(QScrollArea)
                        if area.isVisible() and area.horizontalScrollBar().maximum() > 0]
            return overlaps(window), squeezed(window), narrowed(window), sideways

        # A word-wrapped label asks for its height after its first resize: give the layout a moment to settle
        # (on a busy machine 50 ms is not always enough), then whatever is still wrong is wrong.
        with contextlib.suppress(WaitTimeout):
            qtbot.waitUntil(lambda: problems() == ([], [], [], []), timeout=3_000)
        assert (title, *problems()) == (title, [], [], [], [])
        assert page.width() >= page.minimumSizeHint().width(), title


class _TitleRecorder(QProxyStyle):
    """A style that records each sidebar row's text as the delegate asks it drawn, with the room it has."""

    def __init__(self) -> None:
        super().__init__()
        self.drawn: list[tuple[str, int]] = []

    def drawControl(self, element: QStyle.ControlElement, option: QStyleOption, painter, widget=None) -> None:
        if element == QStyle.ControlElement.CE_ItemViewItem and isinstance(option, QStyleOptionViewItem):
            room = self.subElementRect(QStyle.SubElement.SE_ItemViewItemText, option, widget).width()
            self.drawn.append((option.text, room))
        super().drawControl(element, option, painter, widget)


def _titles_painted(window: MainWindow, recorder: _TitleRecorder) -> list[tuple[str, int]]:
    recorder.drawn.clear()
    window.sidebar.grab()  # paints every row through the delegate
    return list(recorder.drawn)


def test_at_960_by_600_the_sidebar_is_an_icon_rail_whose_titles_stay_reachable(qtbot, window_at,
                                                                               demo_with_approvals: Path) -> None:
    window = _at_960(qtbot, window_at, demo_with_approvals)
    sidebar = window.sidebar
    recorder = _TitleRecorder()
    sidebar.setStyle(recorder)
    metrics = sidebar.fontMetrics()
    for title in window.page_titles:
        _visit(qtbot, window, title)
        # No row paints a title cut to "Sh…" or one wider than its room (the style would elide it): a rail
        # paints icons only. The sidebar was 50 px wide beside Compose Card, each row "…".
        for text, room in _titles_painted(window, recorder):
            assert "…" not in text and metrics.horizontalAdvance(text) <= room, (title, text, room)
    assert sidebar.width() <= 64  # a rail: the pages have the width
    assert all(text == "" for text, _room in _titles_painted(window, recorder))
    # Each title stays reachable: first line of the row's tooltip, its accessible name, the Go menu.
    approvals = window.page_titles.index("Approvals")
    assert sidebar.badge(approvals) == "63 to approve"
    for row, title in enumerate(window.page_titles):
        item = sidebar.item(row)
        assert item.toolTip().split("\n")[0] == title
        assert item.data(Qt.ItemDataRole.AccessibleTextRole).split(",")[0] == title
    assert sidebar.item(approvals).toolTip().endswith("63 to approve.")
    go = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Go")
    assert [a.text() for a in go.actions()] == window.page_titles
    # The badge shows as a count pill over the icon of its row.
    image = sidebar.grab().toImage()
    rect = sidebar.visualItemRect(sidebar.item(approvals))
    orange = [QColor(image.pixel(x, y)) for x in range(rect.left(), rect.right())
              for y in range(rect.top(), rect.bottom())]
    assert any(c.red() > 200 and 100 < c.green() < 160 and c.blue() < 80 for c in orange)

    # Wide again, the titles come back whole beside their icons.
    window.resize(1366, 768)
    qtbot.waitUntil(lambda: window.width() == 1366, timeout=20_000)
    qtbot.wait(50)
    assert sidebar.width() >= 200
    painted = _titles_painted(window, recorder)
    assert sorted(text for text, _room in painted) == sorted(window.page_titles)
    assert all(metrics.horizontalAdvance(text) <= room for text, room in painted)


def test_at_960_by_600_the_key_columns_show_whole(qtbot, window_at, demo_library: Path, app_style) -> None:
    # With the app's style sheet: without its padding the columns fit where they do not in the app.
    window = _at_960(qtbot, window_at, demo_library)

    # Customers: each name in view whole beside the profile (it was cut to "lam" in a 100-pixel table).
    window.go_to_page("Customers")
    customers = window.page("Customers")
    qtbot.waitUntil(lambda: customers.model.total == 500, timeout=20_000)
    customers.view.selectRow(0)
    _answered(qtbot, window)
    qtbot.wait(50)
    view, header = customers.view, customers.view.horizontalHeader()
    in_view = [r for r in range(customers.model.rowCount())
               if view.visualRect(customers.model.index(r, 0)).bottom() <= view.viewport().height()]
    assert len(in_view) >= 10
    for row in in_view:
        assert elided_tip(view, customers.model.index(row, 0)) is None, customers.model.index(row, 0).data()
    assert header.sectionSize(0) >= header.sectionSizeHint(0)  # "Name", not "lam"
    assert view.horizontalScrollBar().maximum() == 0

    # Products: every product's SKU, name and price whole, brand by brand (names were cut to "Nan").
    window.go_to_page("Products & Brands")
    products = window.products
    qtbot.waitUntil(lambda: products.model.rowCount() == 8, timeout=20_000)
    view, model, header = products.products_view, products.products_model, products.products_view.header()
    brands = products.model.rowCount()
    for brand in [*range(1, brands), 0]:  # the first is shown already: each choice is a change
        with qtbot.waitSignal(products.shown, timeout=20_000):
            products.brands_view.setCurrentIndex(products.model.index(brand, 0))
        qtbot.wait(50)
        assert model.rowCount() > 0
        for row in range(model.rowCount()):
            for column in (0, 1, 3):
                assert elided_tip(view, model.index(row, column)) is None, model.index(row, column).data()
        for column in (0, 1, 3):
            assert header.sectionSize(column) >= header.sectionSizeHint(column), model.headerData(
                column, Qt.Orientation.Horizontal)
        assert view.horizontalScrollBar().maximum() == 0

    # Match & Compose: each set's name and brand whole, and every heading shown whole ("roduct", "tatu" before).
    window.go_to_page("Match & Compose")
    match = window.page("Match & Compose")
    qtbot.waitUntil(lambda: match.sets_model.rowCount() > 0, timeout=20_000)
    _answered(qtbot, window)
    qtbot.wait(50)
    view, model, header = match.sets_view, match.sets_model, match.sets_view.horizontalHeader()
    assert "Harbour & Pine" in {model.index(row, 1).data() for row in range(model.rowCount())}
    for row in range(model.rowCount()):
        for column in (0, 1):
            assert elided_tip(view, model.index(row, column)) is None, model.index(row, column).data()
    for column in range(header.count()):
        if not header.isSectionHidden(column):
            assert header.sectionSize(column) >= header.sectionSizeHint(column), model.headerData(
                column, Qt.Orientation.Horizontal)
    assert view.horizontalScrollBar().maximum() == 0

    # Grown to 1366 px, the sets' pane takes its columns' width again (it kept 960's share: "Harbour & Pi…").
    window.resize(1366, 768)
    qtbot.waitUntil(lambda: window.width() == 1366, timeout=20_000)
    qtbot.wait(50)
    for row in range(model.rowCount()):
        for column in (0, 1):
            assert elided_tip(view, model.index(row, column)) is None, (1366, model.index(row, column).data())
    assert all(not header.isSectionHidden(c) for c in range(header.count()) if c not in match.sets_columns.hidden())
