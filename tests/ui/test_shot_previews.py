"""Shots are pictures where they are chosen: a product's shots, the shots not tied, a set's shots."""

from __future__ import annotations

import shutil
import sqlite3

from lookbook.photos.ties import unassign_photos
from ui.pages.products import _ID, _PREVIEW, ProductsPage


def _icons(model) -> list[bool]:
    return [not model.item(r).icon().isNull() for r in range(model.rowCount())]


def test_lists_of_shots_show_pictures_renders_first(qtbot, opened_demo) -> None:
    db, thumbs, root = opened_demo
    with sqlite3.connect(root / "library.db") as con:
        rendered, untied = con.execute("SELECT id, sha256, stored_path FROM photos ORDER BY id LIMIT 2").fetchall()
    # One shot has a render (its small file): the lists show the render; the other, not rendered, its original.
    render = root / "renders" / rendered[1][:2] / f"{rendered[1]}-thumb.jpg"
    render.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(root / rendered[2], render)
    for old in (root / "renders" / untied[1][:2]).glob(f"{untied[1]}-*.jpg"):
        old.unlink()
    done: list[object] = []
    db.run(lambda store: unassign_photos(store, [rendered[0], untied[0]], "test"), on_done=done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=20_000)

    page = ProductsPage(db, thumbs=thumbs)
    qtbot.addWidget(page)
    page.brand = "Harbour & Pine"  # the demo's set is of this brand
    with qtbot.waitSignal(page.shown, timeout=10_000):
        page.reload()
    assert page.unassigned_model.rowCount() == 2
    qtbot.waitUntil(lambda: all(_icons(page.unassigned_model)), timeout=20_000)
    keys = {int(page.unassigned_model.item(r).data(_ID)): page.unassigned_model.item(r).data(_PREVIEW)
            for r in range(2)}
    assert keys[rendered[0]].startswith(f"{rendered[1]}-r")  # the render's picture, keyed by its file's time
    assert keys[untied[0]] == untied[1]  # not rendered: the original's
    # A set's shots and a product's shots are pictures too.
    qtbot.waitUntil(lambda: page.set_items_model.rowCount() > 0, timeout=20_000)
    qtbot.waitUntil(lambda: all(_icons(page.set_items_model)), timeout=20_000)
    page.products_view.setCurrentIndex(page.products_model.index(0, 0))
    qtbot.waitUntil(lambda: page.shots_model.rowCount() > 0, timeout=20_000)
    qtbot.waitUntil(lambda: all(_icons(page.shots_model)), timeout=20_000)
    assert page.shots_view.iconSize().width() >= 64
