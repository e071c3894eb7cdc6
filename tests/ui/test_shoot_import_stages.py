"""The Shoot page's import bar names the import's last stage: shots tied to a hat, shoes or a bottom rendered again."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from PySide6.QtGui import QUndoStack

from lookbook.photos.importer import PhotoProgress
from ui.pages.shoot import ShootPage


def test_the_import_bar_says_when_tied_shots_are_rendered_again(qtbot, opened_demo) -> None:
    db, thumbs, _root = opened_demo
    page = ShootPage(db, thumbs, QUndoStack())
    qtbot.addWidget(page)
    page.resize(1200, 800)
    page.show()
    qtbot.waitExposed(page, timeout=20_000)
    page._cancel = threading.Event()  # an import under way
    page._job = "Importing"
    page.import_bar.show()
    page._import_progress(PhotoProgress(3, 7, "Imported IMG_0003.jpg", stage="importing", current=Path("IMG_0003.jpg")))
    assert page.import_label.text() == "Importing 3 of 7 — IMG_0003.jpg"
    page._import_progress(PhotoProgress(1, 2, "Rendered IMG_0002.jpg again", stage="rendering",
                                        current=Path("IMG_0002.jpg")))
    assert page.import_label.text() == "Rendering again for the product 1 of 2 — IMG_0002.jpg"
    assert (page.import_progress.value(), page.import_progress.maximum()) == (1, 2)
    qtbot.wait(100)
    if os.environ.get("LOOKBOOK_SHOT"):
        page.grab().save(os.environ["LOOKBOOK_SHOT"])
    page._cancel = None
    page.cleanup()
