"""Undo for set edits: removing or moving a shot is undone and redone through the core."""

from __future__ import annotations

from PySide6.QtGui import QUndoStack

from lookbook.lookbooks.sets import create_set, remove_from_set, reorder_set
from ui.undo import SetEditCommand, set_order


def _order(qtbot, db, set_id: int) -> list[int]:
    got: list[list[int]] = []
    db.run(set_order, set_id, on_done=got.append)
    qtbot.waitUntil(lambda: bool(got), timeout=20_000)
    return got[0]


def _make_set(qtbot, db) -> tuple[int, list[int]]:
    made = []

    def make(store) -> tuple[int, list[int]]:
        photos = [r[0] for r in store.db.execute(
            "SELECT ph.id FROM photos ph JOIN products p ON p.id = ph.product_id WHERE p.sku LIKE 'HP-SH%'"
            " ORDER BY p.sku")]
        photo_set = create_set(store, brand="Harbour & Pine", name="Shirts", actor="sam", photos=photos)
        return photo_set.id, [i.photo_id for i in photo_set.items]

    db.run(make, on_done=made.append)
    qtbot.waitUntil(lambda: bool(made), timeout=20_000)
    return made[0]


def test_remove_then_undo_then_redo(qtbot, opened_demo) -> None:
    db, _thumbs, _root = opened_demo
    set_id, order = _make_set(qtbot, db)
    assert len(order) >= 3
    stack, failures = QUndoStack(), []
    stack.push(SetEditCommand("Remove Shot from Set", db, set_id, order,
                              lambda store: remove_from_set(store, set_id, [order[1]], "sam"), "sam", failures.append))
    qtbot.waitUntil(lambda: _order(qtbot, db, set_id) == [order[0], *order[2:]], timeout=20_000)
    stack.undo()
    qtbot.waitUntil(lambda: _order(qtbot, db, set_id) == order, timeout=20_000)
    stack.redo()
    qtbot.waitUntil(lambda: _order(qtbot, db, set_id) == [order[0], *order[2:]], timeout=20_000)
    assert failures == []


def test_move_to_front_is_undone_to_the_old_order(qtbot, opened_demo) -> None:
    db, _thumbs, _root = opened_demo
    set_id, order = _make_set(qtbot, db)
    stack = QUndoStack()
    stack.push(SetEditCommand("Move Shot to Front", db, set_id, order,
                              lambda store: reorder_set(store, set_id, [order[-1]], "sam"), "sam", print))
    qtbot.waitUntil(lambda: _order(qtbot, db, set_id)[0] == order[-1], timeout=20_000)
    stack.undo()
    qtbot.waitUntil(lambda: _order(qtbot, db, set_id) == order, timeout=20_000)


def test_a_failed_edit_leaves_nothing_to_undo(qtbot, opened_demo) -> None:
    db, _thumbs, _root = opened_demo
    set_id, order = _make_set(qtbot, db)
    stack, failures = QUndoStack(), []
    stack.push(SetEditCommand("Remove Shot from Set", db, set_id, order,
                              lambda store: remove_from_set(store, set_id, [999_999], "sam"), "sam", failures.append))
    qtbot.waitUntil(lambda: bool(failures), timeout=20_000)
    assert "not in it" in str(failures[0]) or "999999" in str(failures[0])
    stack.undo()  # the obsolete command is dropped, the set is untouched
    assert _order(qtbot, db, set_id) == order


def test_products_page_set_edits_go_on_the_undo_stack(qtbot, opened_demo) -> None:
    from PySide6.QtCore import QItemSelectionModel

    from ui.pages.products import ProductsPage

    db, _thumbs, _root = opened_demo
    set_id, order = _make_set(qtbot, db)
    page = ProductsPage(db)
    qtbot.addWidget(page)
    page.actor = "sam"  # as the main window sets it when sam (a merchandiser) signs in
    page.undo_stack = stack = QUndoStack()
    db.library_changed.connect(page.on_library_changed)
    try:
        page.brand = "Harbour & Pine"
        with qtbot.waitSignal(page.shown, timeout=10_000):
            page.reload()
        page.sets_view.setCurrentIndex(page.sets_model.index(0, 0))
        qtbot.waitUntil(lambda: page.set_items_model.rowCount() == len(order), timeout=20_000)
        page.set_items_view.selectionModel().setCurrentIndex(page.set_items_model.index(1, 0),
                                                             QItemSelectionModel.SelectionFlag.ClearAndSelect)
        page.remove_selected()
        qtbot.waitUntil(lambda: _order(qtbot, db, set_id) == [order[0], *order[2:]], timeout=20_000)
        assert stack.undoText() == "Remove Shot from Set"
        stack.undo()
        qtbot.waitUntil(lambda: _order(qtbot, db, set_id) == order, timeout=20_000)
        qtbot.waitUntil(lambda: page.set_items_model.rowCount() == len(order), timeout=20_000)  # the page reloaded
    finally:
        db.library_changed.disconnect(page.on_library_changed)
