"""The Products and Customers tables fit a 1366×768 screen: no sideways scrolling, optional columns in a menu."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QTableView

from ui.main_window import MainWindow
from ui.models import FittedColumns, RowsTableModel, elided_tip


def _window_at_1366(qtbot, runners, demo_library: Path) -> MainWindow:
    db, thumbs = runners
    window = MainWindow(db, thumbs)
    qtbot.addWidget(window)
    window.guide.hide()
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window, timeout=20_000)
    with qtbot.waitSignal(window.counts_shown, timeout=10_000):
        window.open_library(demo_library)
    assert window.width() == 1366 and window.sidebar.isVisible()
    return window


def test_products_table_fits_1366_pixels_without_a_sideways_scroll_bar(qtbot, runners, demo_library: Path) -> None:
    window = _window_at_1366(qtbot, runners, demo_library)
    products = window.products
    window.sidebar.setCurrentRow(window.page_titles.index(products.title))
    qtbot.waitUntil(lambda: products.products_model.rowCount() > 0, timeout=20_000)
    view = products.products_view
    qtbot.waitUntil(lambda: view.viewport().width() > 0, timeout=20_000)
    qtbot.wait(50)
    assert view.horizontalScrollBar().maximum() == 0
    header = view.header()
    shown = [c for c in range(header.count()) if not header.isSectionHidden(c)]
    assert len(shown) == 7  # every column shows by default
    assert sum(header.sectionSize(c) for c in shown) == view.viewport().width()
    assert header.sectionSize(1) >= view.fontMetrics().averageCharWidth() * 22  # the name keeps room
    # Long stock lists are elided, with the whole text in a tooltip.
    stock = max((products.products_model.index(r, 4) for r in range(products.products_model.rowCount())),
                key=lambda i: len(i.data()))
    assert view.fontMetrics().horizontalAdvance(stock.data()) > header.sectionSize(4)
    assert elided_tip(view, stock) == stock.data()
    assert elided_tip(view, products.products_model.index(0, 0)) is None  # a SKU fits
    window.close()


def test_customers_table_fits_1366_pixels_and_its_columns_menu_is_remembered(qtbot, runners,
                                                                               demo_library: Path) -> None:
    window = _window_at_1366(qtbot, runners, demo_library)
    page = window.page(2)
    window.sidebar.setCurrentRow(2)
    qtbot.waitUntil(lambda: page.model.total == 500, timeout=20_000)
    view, header = page.view, page.view.horizontalHeader()
    qtbot.wait(50)
    assert view.horizontalScrollBar().maximum() == 0
    shown = [page.model.headerData(c, header.orientation()) for c in range(header.count())
             if not header.isSectionHidden(c)]
    assert shown == ["Name", "E-mail", "X", "Prefers", "Last contacted"]

    # Showing every column from the header's menu still fits (narrower, elided), and is remembered.
    menu = page.columns.menu()
    actions = {a.text(): a for a in menu.actions()}
    assert not actions["Name"].isEnabled() and not actions["E-mail"].isEnabled()
    for name in ("Instagram", "Phone", "Time zone", "Paused until", "Added"):
        assert not actions[name].isChecked()
        actions[name].setChecked(True)
    assert all(not header.isSectionHidden(c) for c in range(header.count()))
    qtbot.wait(50)
    assert view.horizontalScrollBar().maximum() == 0
    actions["Phone"].setChecked(False)
    assert header.isSectionHidden(4)
    assert "Phone" in QSettings().value("customers/hidden_columns")
    window.close()

    again = _window_at_1366(qtbot, runners, demo_library)
    header = again.page(2).view.horizontalHeader()
    assert [c for c in range(header.count()) if header.isSectionHidden(c)] == [4]
    again.close()


def test_fitted_columns_share_the_width_and_shrink_the_others_when_the_text_column_would_vanish(qtbot) -> None:
    model = RowsTableModel(["Name", "A", "B"])
    model.set_rows([("x" * 80, 1, 2)])
    view = QTableView()
    view.setModel(model)
    qtbot.addWidget(view)
    fitted = FittedColumns(view, "fit-test", {1: 100, 2: 100}, 0, optional=(1, 2), stretch_min=120)
    view.resize(600, 200)
    view.show()
    qtbot.waitExposed(view, timeout=20_000)
    header = view.horizontalHeader()
    width = view.viewport().width()
    assert [header.sectionSize(c) for c in (1, 2)] == [100, 100]
    assert header.sectionSize(0) == width - 200
    view.resize(250, 200)
    qtbot.waitUntil(lambda: view.viewport().width() < 250, timeout=20_000)
    width = view.viewport().width()
    assert sum(header.sectionSize(c) for c in range(3)) == width
    assert header.sectionSize(0) >= 120 and header.sectionSize(1) < 100
    assert view.horizontalScrollBar().maximum() == 0
    fitted.set_visible(0, False)  # the text column is not optional
    assert not header.isSectionHidden(0)
    fitted.set_visible(2, False)
    assert header.isSectionHidden(2) and header.sectionSize(0) + header.sectionSize(1) == width


def test_key_columns_keep_their_width_while_the_others_shrink(qtbot) -> None:
    model = RowsTableModel(["Name", "SKU", "B"])
    model.set_rows([("x" * 80, "HP-OW01", 2)])
    view = QTableView()
    view.setModel(model)
    qtbot.addWidget(view)
    FittedColumns(view, "keep-test", {1: 100, 2: 100}, 0, stretch_min=120, keep=(1,))
    view.resize(300, 200)
    view.show()
    qtbot.waitExposed(view, timeout=20_000)
    header = view.horizontalHeader()
    assert header.sectionSize(1) == 100 and header.sectionSize(2) < 100
    assert sum(header.sectionSize(c) for c in range(3)) == view.viewport().width()


def test_products_sku_and_price_are_whole_at_1366(qtbot, runners, demo_library: Path) -> None:
    window = _window_at_1366(qtbot, runners, demo_library)
    products = window.products
    window.sidebar.setCurrentRow(window.page_titles.index(products.title))
    products.brand = "Harbour & Pine"  # the longest SKUs and prices of the demo
    with qtbot.waitSignal(products.shown, timeout=10_000):
        products.reload()
    view = products.products_view
    model = products.products_model
    # At 1366 px and narrower (a wider sidebar, a smaller window), the key columns stay whole; others shrink.
    for width in (1366, 1180):
        window.resize(width, 768)
        qtbot.waitUntil(lambda width=width: window.width() == width, timeout=20_000)
        qtbot.wait(50)
        for row in range(model.rowCount()):
            for column in (0, 3):
                assert elided_tip(view, model.index(row, column)) is None, (width, model.index(row, column).data())
        assert view.horizontalScrollBar().maximum() == 0
    window.close()


def test_customers_last_contacted_is_whole_at_1366(qtbot, runners, demo_library: Path) -> None:
    window = _window_at_1366(qtbot, runners, demo_library)
    page = window.page(2)
    window.sidebar.setCurrentRow(2)
    qtbot.waitUntil(lambda: page.model.total == 500, timeout=20_000)
    qtbot.wait(50)
    view, header = page.view, page.view.horizontalHeader()
    column = page.model.headerData(7, header.orientation())
    assert column == "Last contacted" and not header.isSectionHidden(7)
    # The header's bold title (with room for the sort arrow) and a date with its time fit the column.
    width = header.sectionSize(7)
    assert header.fontMetrics().horizontalAdvance(column) + 20 <= width, width
    assert view.fontMetrics().horizontalAdvance("2024-05-01 14:30") + 8 <= width, width
    assert view.horizontalScrollBar().maximum() == 0
    window.close()


def test_a_short_text_column_leaves_its_spare_floor_to_the_others(qtbot) -> None:
    model = RowsTableModel(["Name", "A", "B"])
    model.set_rows([("short", 1, 2)])
    view = QTableView()
    view.setModel(model)
    qtbot.addWidget(view)
    fitted = FittedColumns(view, "short-test", {1: 100, 2: 100}, 0, stretch_min=120)
    view.resize(280, 200)
    view.show()
    qtbot.waitExposed(view, timeout=20_000)
    header = view.horizontalHeader()
    # 120 px kept for the name would squeeze the others below 100 px...
    assert header.sectionSize(1) < 100
    # ...but a name that needs 50 px lets them keep their width; the name still takes what is left.
    fitted.set_preferred({0: 50})
    width = view.viewport().width()
    assert [header.sectionSize(c) for c in (1, 2)] == [100, 100]
    assert header.sectionSize(0) == width - 200 >= 50


def test_match_sets_show_a_long_brand_whole_at_1366(qtbot, runners, demo_library: Path, app_style) -> None:
    # With the app's style sheet (it pads headers and cells: without it the columns fit anyway).
    window = _window_at_1366(qtbot, runners, demo_library)
    page = window.page("Match & Compose")
    window.go_to_page("Match & Compose")
    qtbot.waitUntil(lambda: page.sets_model.rowCount() > 0, timeout=20_000)
    qtbot.wait(50)
    view, model = page.sets_view, page.sets_model
    brands = {model.index(row, 1).data() for row in range(model.rowCount())}
    assert "Harbour & Pine" in brands
    for row in range(model.rowCount()):
        for column in (0, 1):
            assert elided_tip(view, model.index(row, column)) is None, model.index(row, column).data()
    assert view.horizontalScrollBar().maximum() == 0
    window.close()


def test_optional_columns_step_aside_in_a_narrow_table_and_come_back_when_it_widens(qtbot) -> None:
    model = RowsTableModel(["Name", "A", "B", "C"])
    model.set_rows([("x" * 40, 1, 2, 3)])
    view = QTableView()
    view.setModel(model)
    qtbot.addWidget(view)
    fitted = FittedColumns(view, "drop-test", {1: 100, 2: 100, 3: 100}, 0, optional=(1, 2, 3), stretch_min=150,
                           drop=(3, 2))
    view.resize(600, 200)
    view.show()
    qtbot.waitExposed(view, timeout=20_000)
    header = view.horizontalHeader()
    assert not any(header.isSectionHidden(c) for c in range(4))
    # 150 for the name leaves 100 for three columns that want 300: C, then B, step aside rather than all three
    # be cut to a third; A keeps its width and the name its floor.
    view.resize(280, 200)
    qtbot.waitUntil(lambda: header.isSectionHidden(2), timeout=20_000)
    assert [header.isSectionHidden(c) for c in range(4)] == [False, False, True, True]
    assert fitted.dropped == {2, 3}
    assert header.sectionSize(1) >= 80 and header.sectionSize(0) >= 150
    assert "widen the table" in [a.text() for a in fitted.menu().actions()][3]
    view.resize(600, 200)
    qtbot.waitUntil(lambda: not header.isSectionHidden(3), timeout=20_000)
    assert fitted.dropped == set()
    # Once the person picks columns from the menu, what they chose shows, narrower.
    fitted.set_visible(1, True)
    view.resize(280, 200)
    qtbot.waitUntil(lambda: view.viewport().width() < 280, timeout=20_000)
    qtbot.wait(20)
    assert not any(header.isSectionHidden(c) for c in range(4))
