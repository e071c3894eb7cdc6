"""The Shoot page on the demo library: the grid, the review filter, dragging a box, undo."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtTest import QTest

from lookbook.photos.recipes import photo_detail
from ui.pages.shoot import ShootPage
from ui.widgets.box_editor import Edge
from ui.widgets.photo_grid import PhotoFilter


def _page(qtbot, opened_demo) -> tuple[ShootPage, QUndoStack]:
    db, thumbs, _root = opened_demo
    undo = QUndoStack()
    page = ShootPage(db, thumbs, undo)
    # Stopped also when a test fails half-way: a batch left running answered into the next tests' deleted pages.
    qtbot.addWidget(page, before_close_func=lambda w: w.cleanup())
    page.resize(1200, 800)
    page.show()
    qtbot.waitExposed(page, timeout=20_000)
    return page, undo


def _detail(page: ShootPage, photo_id: int, qtbot):
    found = []
    page.db.run(photo_detail, photo_id, on_done=found.append)
    qtbot.waitUntil(lambda: bool(found), timeout=20_000)
    return found[0]


def test_the_first_photo_is_shown_with_its_box_and_renders(qtbot, opened_demo) -> None:
    page, _undo = _page(qtbot, opened_demo)
    with qtbot.waitSignal(page.render_shown, timeout=20_000) as shown:
        page.reload()
    assert page.model.rowCount() == 40
    photo_id = shown.args[0]
    assert page.current_photo_id() == photo_id
    assert page.panel.editor.box() is not None
    assert not page.panel.hero.pixmap().isNull()
    detail = _detail(page, photo_id, qtbot)
    assert detail.detected_box == page.panel.editor.box()  # the first detection was stored
    page.cleanup()


def test_dragging_a_handle_saves_the_box_rerenders_and_undo_restores(qtbot, opened_demo) -> None:
    page, undo = _page(qtbot, opened_demo)
    with qtbot.waitSignal(page.render_shown, timeout=20_000) as shown:
        page.reload()
    photo_id = shown.args[0]
    qtbot.waitUntil(lambda: page.panel.editor.photo_size() is not None, timeout=20_000)
    editor = page.panel.editor
    before = editor.box()
    start = editor.handle_position(Edge.RIGHT | Edge.BOTTOM).toPoint()
    end = start + QPoint(-25, -30)
    with qtbot.waitSignal(page.render_shown, timeout=20_000):
        QTest.mousePress(editor.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
        for i in range(1, 4):
            QTest.mouseMove(editor.viewport(), start + (end - start) * i / 3)
        QTest.mouseRelease(editor.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
    moved = editor.box()
    assert moved[0:2] == before[0:2] and moved[2] < before[2] and moved[3] < before[3]
    detail = _detail(page, photo_id, qtbot)
    assert detail.box == moved
    assert detail.rendered_recipe is not None and str(list(moved)) in detail.rendered_recipe.replace(" ", "") \
        .replace(",", ", ")
    assert undo.count() == 1 and undo.undoText() == "Move Garment Box"

    with qtbot.waitSignal(page.render_shown, timeout=20_000):
        undo.undo()
    assert _detail(page, photo_id, qtbot).box is None
    assert editor.box() == before
    with qtbot.waitSignal(page.render_shown, timeout=20_000):
        undo.redo()
    assert _detail(page, photo_id, qtbot).box == moved
    page.cleanup()


def test_review_filter_and_badge_count_photos_to_review(qtbot, opened_demo) -> None:
    _db, _thumbs, root = opened_demo
    with sqlite3.connect(root / "library.db") as conn:
        # Exactly these three (the demo's shots on a hanger are flagged by the import itself).
        conn.execute("UPDATE photos SET needs_review = (id IN (3, 5, 7))")
    page, _undo = _page(qtbot, opened_demo)
    with qtbot.waitSignal(page.badge_changed, timeout=20_000) as badge:
        page.reload()
    assert badge.args == ["3 to review"]
    assert "3 to review" in page.summary.text()
    page.review_action.trigger()
    assert page.model.rowCount() == 3
    assert {page.model.photo(r).id for r in range(3)} == {3, 5, 7}
    assert page.filter_box.currentData() is PhotoFilter.REVIEW
    page.all_action.trigger()
    assert page.model.rowCount() == 40
    page.cleanup()


def test_search_finds_photos_by_sku(qtbot, opened_demo) -> None:
    page, _undo = _page(qtbot, opened_demo)
    with qtbot.waitSignal(page.badge_changed, timeout=20_000):
        page.reload()
    qtbot.keyClicks(page.search, "hp-sh")
    qtbot.waitUntil(lambda: page.model.rowCount() < 40, timeout=20_000)
    skus = {page.model.photo(r).sku for r in range(page.model.rowCount())}
    assert skus and all(s.startswith("HP-SH") for s in skus)
    page.cleanup()


def test_an_empty_library_says_how_to_start(qtbot, runners, tmp_path: Path) -> None:
    from lookbook.store.database import create_store

    create_store(tmp_path / "Empty").close()
    db, thumbs = runners
    with qtbot.waitSignal(db.library_opened, timeout=20_000):
        db.open(tmp_path / "Empty")
    page = ShootPage(db, thumbs)
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.badge_changed, timeout=20_000) as badge:
        page.reload()
    assert badge.args == [""]
    assert page.body.currentWidget() is page.empty and "Drag photos" in page.empty.text()
    page.cleanup()


@pytest.mark.timeout(480)  # 40 photos detected and rendered: minutes on a busy machine
def test_check_all_photos_detects_renders_and_flags_with_progress(qtbot, opened_demo) -> None:
    _db, _thumbs, root = opened_demo
    # The demo imports with detection and renders; forget both, as for photos a newer detector should redo.
    with sqlite3.connect(root / "library.db") as conn:
        conn.execute("UPDATE photos SET garment_box = NULL, confidence = NULL, needs_review = 0,"
                     " rendered_recipe = NULL")
    page, _undo = _page(qtbot, opened_demo)
    with qtbot.waitSignal(page.badge_changed, timeout=20_000):
        page.reload()
    assert "40 to render (Check All Photos)" in page.summary.text()
    steps: list[int] = []
    page.import_progress.valueChanged.connect(steps.append)
    with qtbot.waitSignal(page.render_all_finished, timeout=300_000) as finished:
        page.render_all_action.trigger()
    done, problems = finished.args
    assert problems == []
    with sqlite3.connect(root / "library.db") as conn:
        checked = conn.execute("SELECT count(*) FROM photos WHERE garment_box IS NOT NULL"
                               " AND rendered_recipe IS NOT NULL").fetchone()[0]
        review = conn.execute("SELECT count(*) FROM photos WHERE needs_review").fetchone()[0]
    assert checked == 40 and done + 1 >= 40  # the first photo may have been rendered by the detail panel
    assert steps and steps[-1] == done
    qtbot.waitUntil(lambda: page.model.count(PhotoFilter.REVIEW) == review, timeout=20_000)
    qtbot.waitUntil(lambda: "to render" not in page.summary.text(), timeout=20_000)
    # A second run finds nothing to do.
    with qtbot.waitSignal(page.render_all_finished, timeout=10_000) as again:
        page.render_all_action.trigger()
    assert again.args == [0, []]
    page.cleanup()


def test_tab_goes_from_the_search_to_the_grid_to_the_box_editor(qtbot, opened_demo) -> None:
    page, _undo = _page(qtbot, opened_demo)
    with qtbot.waitSignal(page.detail_shown, timeout=10_000):
        page.reload()
    page.activateWindow()
    page.search.setFocus()
    qtbot.waitUntil(page.search.hasFocus, timeout=20_000)
    QTest.keyClick(page.search, Qt.Key.Key_Tab)
    assert page.view.hasFocus()
    QTest.keyClick(page.view, Qt.Key.Key_Tab)
    assert page.panel.editor.hasFocus()
    QTest.keyClick(page.panel.editor, Qt.Key.Key_Tab)
    assert page.panel.preset.hasFocus()
    page.cleanup()


def test_the_detail_previews_follow_the_photos_category(qtbot, opened_demo) -> None:
    from lookbook.photos.crop import detail_kinds

    page, _undo = _page(qtbot, opened_demo)
    with qtbot.waitSignal(page.render_shown, timeout=20_000) as shown:
        page.reload()
    detail = _detail(page, shown.args[0], qtbot)
    wanted = detail_kinds(detail.category)
    assert wanted  # the demo's photos are tied to garments
    for kind, preview in zip(wanted, page.panel.details, strict=True):
        assert preview.accessibleName() == f"{kind.capitalize()} detail"
        assert not preview.pixmap().isNull()
    assert " and ".join(wanted) in page.panel.render_status.text()
    page.cleanup()


def test_the_eyedropper_stores_a_white_point_rerenders_and_undo_removes_it(qtbot, opened_demo) -> None:
    page, undo = _page(qtbot, opened_demo)
    with qtbot.waitSignal(page.render_shown, timeout=20_000) as shown:
        page.reload()
    photo_id = shown.args[0]
    qtbot.waitUntil(lambda: page.panel.editor.photo_size() is not None, timeout=20_000)
    editor, panel = page.panel.editor, page.panel
    assert not panel.clear_neutral_button.isEnabled() and editor.neutral_shown() is None
    panel.pick_button.click()
    assert editor.picking() and panel.pick_button.isChecked()
    at = editor.mapFromScene(30, 40)  # a corner of the backdrop, in original pixels
    with qtbot.waitSignal(page.render_shown, timeout=20_000):
        QTest.mouseClick(editor.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at)
    assert not editor.picking() and not panel.pick_button.isChecked()  # one pick, then back to the box
    detail = _detail(page, photo_id, qtbot)
    x, y = detail.neutral
    assert abs(x - 30) < 4 and abs(y - 40) < 4  # one screen pixel is a few original pixels
    assert '"neutral"' in (detail.rendered_recipe or "") and detail.colour_shift is not None
    assert editor.neutral_shown() == detail.neutral and panel.clear_neutral_button.isEnabled()
    assert undo.undoText() == "Set White Point"

    with qtbot.waitSignal(page.render_shown, timeout=20_000):
        undo.undo()
    assert _detail(page, photo_id, qtbot).neutral is None
    assert editor.neutral_shown() is None
    with qtbot.waitSignal(page.render_shown, timeout=20_000):
        undo.redo()
    assert _detail(page, photo_id, qtbot).neutral == detail.neutral
    with qtbot.waitSignal(page.render_shown, timeout=20_000):
        panel.clear_neutral_button.click()
    assert _detail(page, photo_id, qtbot).neutral is None and undo.undoText() == "Clear White Point"
    page.cleanup()


def test_escape_ends_picking_without_a_point(qtbot, opened_demo) -> None:
    page, undo = _page(qtbot, opened_demo)
    with qtbot.waitSignal(page.render_shown, timeout=20_000):
        page.reload()
    qtbot.waitUntil(lambda: page.panel.editor.photo_size() is not None, timeout=20_000)
    page.panel.pick_button.click()
    editor = page.panel.editor
    editor.setFocus()
    with qtbot.assertNotEmitted(editor.point_picked):
        QTest.keyClick(editor, Qt.Key.Key_Escape)
    assert not editor.picking() and not page.panel.pick_button.isChecked() and undo.count() == 0
    page.cleanup()


def test_the_grid_shows_renders_or_originals(qtbot, runners, demo_library) -> None:
    """The Shoot grid's toggle: renders where a photo has one (keyed by the render's time), else the original."""
    from PySide6.QtCore import QSize

    from lookbook.photos.thumbnails import preview_source
    from lookbook.store.library import Library
    from ui.widgets.thumbnail_loader import ThumbnailLoader

    db, thumbs = runners
    library = Library(demo_library)
    import sqlite3

    with sqlite3.connect(demo_library / "library.db") as con:
        sha256, stored = con.execute("SELECT sha256, stored_path FROM photos ORDER BY id").fetchone()
    loader = ThumbnailLoader(thumbs, QSize(64, 64))
    loader.set_library(library)
    with qtbot.waitSignal(loader.ready, timeout=20_000):
        assert loader.pixmap(sha256, stored) is None
    original = loader.pixmap(sha256, stored).toImage()
    loader.set_renders(True)
    assert loader.cached() == 0  # the originals' thumbnails are forgotten
    with qtbot.waitSignal(loader.ready, timeout=20_000):
        loader.pixmap(sha256, stored)
    rendered = loader.pixmap(sha256, stored).toImage()
    key, path = preview_source(library, sha256, stored)
    assert key.startswith(f"{sha256}-r") and "renders" in path  # the demo's photos are rendered
    assert rendered != original


def test_the_shoot_toolbar_toggles_renders(qtbot, opened_demo) -> None:
    page, _undo = _page(qtbot, opened_demo)
    page.reload()
    qtbot.waitUntil(lambda: page.model.rowCount() == 40, timeout=10_000)
    assert not page.model.loader.renders
    page.renders_action.trigger()
    assert page.renders_action.isChecked() and page.model.loader.renders
    qtbot.waitUntil(lambda: page.model.loader.cached() > 0, timeout=20_000)  # the visible cells' renders load
    page.renders_action.trigger()
    assert not page.model.loader.renders
    page.cleanup()


def test_zoom_and_compare_shows_before_and_after_at_100_percent(qtbot, opened_demo) -> None:
    page, _undo = _page(qtbot, opened_demo)
    with qtbot.waitSignal(page.render_shown, timeout=20_000):
        page.reload()
    assert page.panel.detail is not None and page.panel.compare_button.isEnabled()
    page.panel.compare_button.click()
    qtbot.waitUntil(lambda: page.compare_dialog is not None, timeout=10_000)
    dialog = page.compare_dialog
    qtbot.waitUntil(lambda: len(dialog.images) == 2, timeout=20_000)
    assert dialog.showing() == "after"  # the render first: that is what customers see
    after = dialog.images["after"]
    assert dialog.picture.pixmap().size() == after.size()  # 100 %: one screen pixel per photo pixel
    dialog.before.click()
    before = dialog.images["before"]
    assert dialog.showing() == "before" and dialog.picture.pixmap().size() == before.size()
    assert before.size() != after.size()
    dialog.fit.click()
    shown = dialog.picture.pixmap().size()
    viewport = dialog.scroll_area.viewport()
    assert shown.width() <= viewport.width() and shown.height() <= viewport.height()
    assert "fitted" in dialog.message.text()
    dialog.close()
    page.cleanup()
