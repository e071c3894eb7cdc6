"""The Products & Brands page on the demo library: brands, stock, shots, dropping shots on a product, sets."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QItemSelectionModel, QPointF, Qt
from PySide6.QtGui import QDropEvent

from lookbook.photos.ties import unassign_photos
from ui.pages.products import ProductsPage


@pytest.fixture
def wired(qtbot, opened_demo) -> Iterator[tuple]:
    """The demo's runners, with pages' change handlers connected as the main window does, and unhooked after."""
    db, thumbs, path = opened_demo
    pages: list[ProductsPage] = []
    yield db, pages
    for page in pages:
        db.library_changed.disconnect(page.on_library_changed)
        page.close()


def shown_page(qtbot, db, brand: str | None = None, pages: list | None = None) -> ProductsPage:
    page = ProductsPage(db)
    qtbot.addWidget(page)
    page.actor = "sam"  # as the main window sets it when sam (a merchandiser) signs in: sets are theirs
    if pages is not None:
        db.library_changed.connect(page.on_library_changed)
        pages.append(page)
    page.brand = brand
    with qtbot.waitSignal(page.shown, timeout=10_000):
        page.reload()
    return page


def products(page: ProductsPage) -> dict[str, list[str]]:
    m = page.products_model
    return {m.item(r, 0).text(): [m.item(r, c).text() for c in range(m.columnCount())] for r in range(m.rowCount())}


def test_brands_products_stock_and_dashboard(qtbot, opened_demo) -> None:
    db, _thumbs, _path = opened_demo
    page = shown_page(qtbot, db, "Calder & Wren")

    assert page.model.rowCount() == 8
    assert "Calder & Wren" in page.summary.text() and "2 out of stock" in page.summary.text()
    rows = products(page)
    assert len(rows) == 7
    sold_out = [sku for sku, cells in rows.items() if cells[5] == "OUT OF STOCK"]
    assert len(sold_out) == 2
    assert page.products_model.item(0, 4).text().count(":") >= 4  # stock by size, e.g. "XS:3  S:0 ..."
    # Prices read as the card and the e-mail show them ("$125.00"), not as stored ("125.00 USD").
    with sqlite3.connect(_path / "library.db") as con:
        prices = dict(con.execute("SELECT sku, price_minor FROM products WHERE price_minor IS NOT NULL").fetchall())
    assert prices
    for sku, minor in prices.items():
        if sku in rows:
            assert rows[sku][3] == f"${minor / 100:,.2f}"
    # The colour is a column the header menu can show (hidden at first) and always in the name's tooltip.
    with sqlite3.connect(_path / "library.db") as con:
        colours = dict(con.execute("SELECT sku, colour FROM products").fetchall())
    assert page.products_view.isColumnHidden(7)
    for row in range(page.products_model.rowCount()):
        sku, colour = page.products_model.item(row, 0).text(), page.products_model.item(row, 7).text()
        assert colour == colours[sku] and colour
        if page.products_model.item(row, 5).text() != "OUT OF STOCK":  # those say why they are grey instead
            assert colour in page.products_model.item(row, 1).toolTip()
    assert page.dashboard_model.rowCount() == 0  # computed only when its tab is shown
    with qtbot.waitSignal(page.dashboard_shown, timeout=10_000):
        page.tabs.setCurrentWidget(page.dashboard_view)
    assert page.dashboard_model.rowCount() == 8
    assert "thin stock: would frustrate" in page.model.item(5).text()  # Marlowe, in the brand list too
    verdicts = {page.dashboard_model.item(r, 0).text(): page.dashboard_model.item(r, 9).text()
                for r in range(8)}
    assert verdicts["Marlowe"].startswith("thin stock: would frustrate")


def test_choosing_a_product_lists_its_shots(qtbot, opened_demo) -> None:
    db, _thumbs, _path = opened_demo
    page = shown_page(qtbot, db, "Harbour & Pine")
    row = next(r for r in range(page.products_model.rowCount()) if page.products_model.item(r, 0).text() == "HP-SH01")
    page.products_view.setCurrentIndex(page.products_model.index(row, 0))
    qtbot.waitUntil(lambda: page.shots_model.rowCount() == 1, timeout=20_000)
    # The shot's line names the file and how it was tied; a shot the detector doubts also says so.
    text = page.shots_model.item(0).text()
    assert text == "HP-SH01.jpg (filename)" or text.startswith("HP-SH01.jpg (filename) · needs review: ")


def test_dropping_unassigned_shots_on_a_product_ties_them(qtbot, wired) -> None:
    db, pages = wired
    done = []
    db.run(lambda store: unassign_photos(store, ["HP-SH02.jpg"], "test"), on_done=done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=20_000)
    page = shown_page(qtbot, db, "Harbour & Pine", pages)
    assert page.unassigned_model.rowCount() == 1

    mime = page.unassigned_model.mimeData([page.unassigned_model.index(0, 0)])
    row = next(r for r in range(page.products_model.rowCount()) if page.products_model.item(r, 0).text() == "HP-SH03")
    target = page.products_view.visualRect(page.products_model.index(row, 0)).center()
    drop = QDropEvent(QPointF(target), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(page.shown, timeout=10_000):  # the change hook reloads the page
        page.products_view.dropEvent(drop)

    assert page.unassigned_model.rowCount() == 0
    assert products(page)["HP-SH03"][6] == "2"  # now two shots
    tied: list = []
    db.run(lambda store: store.db.execute("SELECT p.sku, ph.assigned_by FROM photos ph JOIN products p"
                                          " ON p.id = ph.product_id WHERE ph.original_name = 'HP-SH02.jpg'")
           .fetchone(), on_done=tied.append)
    qtbot.waitUntil(lambda: bool(tied), timeout=20_000)
    assert tuple(tied[0]) == ("HP-SH03", "hand")


def test_new_set_from_selected_shots_then_edit_it(qtbot, wired) -> None:
    db, pages = wired
    page = shown_page(qtbot, db, "Harbour & Pine", pages)
    row = next(r for r in range(page.products_model.rowCount()) if page.products_model.item(r, 0).text() == "HP-SH01")
    page.products_view.setCurrentIndex(page.products_model.index(row, 0))
    qtbot.waitUntil(lambda: page.shots_model.rowCount() == 1, timeout=20_000)
    page.shots_view.selectionModel().select(page.shots_model.index(0, 0),
                                            QItemSelectionModel.SelectionFlag.Select)
    before = page.sets_model.rowCount()  # the demo already has a set of this brand's shirts
    with qtbot.waitSignal(page.shown, timeout=10_000):
        page.new_set("Spring shirts")
    assert page.sets_model.rowCount() == before + 1
    names = [page.sets_model.item(r).text() for r in range(page.sets_model.rowCount())]
    assert "Spring shirts — 1 shot, 1 product" in names

    qtbot.waitUntil(lambda: page.set_items_model.rowCount() == 1, timeout=20_000)  # the new set is shown
    assert page.set_items_model.item(0).text() == "1. HP-SH01.jpg — HP-SH01"
    with qtbot.waitSignal(page.shown, timeout=10_000):
        page.delete_current_set()
    assert page.sets_model.rowCount() == before


def test_an_error_is_shown_on_the_page_not_raised(qtbot, opened_demo) -> None:
    db, _thumbs, _path = opened_demo
    page = shown_page(qtbot, db, "Harbour & Pine")
    page.tie_shots([999_999], "HP-SH01")
    qtbot.waitUntil(lambda: "is no photo" in page.error.text(), timeout=20_000)


def test_an_associate_may_not_change_sets_and_is_told_why(qtbot, wired) -> None:
    db, pages = wired
    page = shown_page(qtbot, db, "Harbour & Pine", pages)
    page.actor = "alex"
    row = next(r for r in range(page.products_model.rowCount()) if page.products_model.item(r, 0).text() == "HP-SH01")
    page.products_view.setCurrentIndex(page.products_model.index(row, 0))
    qtbot.waitUntil(lambda: page.shots_model.rowCount() == 1, timeout=20_000)
    page.shots_view.selectionModel().select(page.shots_model.index(0, 0),
                                            QItemSelectionModel.SelectionFlag.Select)
    before = page.sets_model.rowCount()
    page.new_set("Alex's shirts")
    qtbot.waitUntil(lambda: "only a merchandiser, a manager or an admin may create" in page.error.text(),
                    timeout=20_000)
    assert page.sets_model.rowCount() == before


def test_an_ampersand_in_a_brand_shows_as_written_in_the_new_set_dialog(qtbot, wired, monkeypatch) -> None:
    # Issue 12: the dialog read "Name of the new Harbour _Pine set:" (Qt took "&" for a shortcut mark).
    from PySide6.QtWidgets import QInputDialog, QLabel, QLineEdit

    db, pages = wired
    page = shown_page(qtbot, db, pages=pages)
    page.brand = "Harbour & Pine"
    asked: list[str] = []
    monkeypatch.setattr(QInputDialog, "getText", lambda parent, title, label, *a: (asked.append(label), ("", False))[1])
    page.new_set()
    # Shown as QInputDialog shows it: a label with the line edit as its buddy.
    shown = QLabel(asked[0])
    shown.setBuddy(QLineEdit())
    written = QLabel("Name of the new Harbour & Pine set:")  # no buddy: every character shown as it is
    qtbot.addWidget(shown)
    qtbot.addWidget(written)
    assert shown.sizeHint().width() == written.sizeHint().width()


def test_dragging_shots_over_a_product_marks_it_and_says_what_a_drop_does(qtbot, wired) -> None:
    from PySide6.QtGui import QDragMoveEvent

    db, pages = wired
    done = []
    db.run(lambda store: unassign_photos(store, ["HP-SH02.jpg"], "test"), on_done=done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=20_000)
    page = shown_page(qtbot, db, "Harbour & Pine", pages)
    mime = page.unassigned_model.mimeData([page.unassigned_model.index(0, 0)])
    row = next(r for r in range(page.products_model.rowCount()) if page.products_model.item(r, 0).text() == "HP-SH03")
    target = page.products_view.visualRect(page.products_model.index(row, 0)).center()
    move = QDragMoveEvent(target, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                          Qt.KeyboardModifier.NoModifier)
    page.products_view.dragMoveEvent(move)
    assert move.isAccepted()
    assert page.products_view.hover_row == row
    assert page.tie_hint.text() == "Drop to tie 1 shot to HP-SH03."
    page.products_view.dragLeaveEvent(None)
    assert page.products_view.hover_row == -1
    drop = QDropEvent(QPointF(target), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    page.products_view.dropEvent(drop)
    qtbot.waitUntil(lambda: page.tie_hint.text() == "Tied 1 shot to HP-SH03.", timeout=10_000)


def test_a_product_without_shots_says_so_not_choose_a_product(qtbot, opened_demo) -> None:
    db, _thumbs, _path = opened_demo
    page = shown_page(qtbot, db, "Ashby Row")  # the demo photographed none of its products
    page.resize(1100, 700)
    page.show()
    hint = page.shots_empty
    assert hint.isVisible() and hint.text() == "Choose a product to see its shots."
    assert page.products_model.item(0, 6).text() == "0"
    page.products_view.setCurrentIndex(page.products_model.index(0, 0))
    qtbot.waitUntil(lambda: "No shots of this product yet" in hint.text(), timeout=20_000)
    assert hint.isVisible() and page.shots_model.rowCount() == 0
    # Another brand: no product is chosen again, and the list says so.
    page.brands_view.setCurrentIndex(page.model.index(1, 0))
    qtbot.waitUntil(lambda: hint.text() == "Choose a product to see its shots.", timeout=20_000)


def test_one_size_stock_reads_one_size(qtbot, opened_demo) -> None:
    db, _thumbs, path = opened_demo
    import sqlite3

    with sqlite3.connect(path / "library.db") as con:
        con.execute("INSERT INTO stock (product_id, size, quantity, updated_at) SELECT id, 'ONE SIZE', 3,"
                    " '2026-01-01' FROM products WHERE sku = 'AR-OW01'")
    page = shown_page(qtbot, db, "Ashby Row")
    [cells] = [v for k, v in products(page).items() if k == "AR-OW01"]
    assert "One Size:3" in cells[4] and "ONE SIZE" not in cells[4]
