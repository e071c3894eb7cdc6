"""The Shoot page says why a shot is flagged: its reasons under the hero, the grid's tooltip, the button's words."""

from __future__ import annotations

import sqlite3

from PySide6.QtCore import Qt

from lookbook.photos.recipes import PhotoDetail
from lookbook.photos.review import EARLIER, ReviewReason, colour_reason, dumps
from ui.pages.shoot import ShootPage
from ui.widgets.photo_detail import PhotoDetailPanel

HOOK = ReviewReason("cutout", "a hanger's hook above the garment")
HAND = ReviewReason("cutout", "a hand may show (skin at the edge of the garment)")
BOX = ReviewReason("box", "the box is unsure (confidence 31%): check it holds the whole garment and nothing else")


def _detail(reasons: tuple[ReviewReason, ...]) -> PhotoDetail:
    return PhotoDetail(id=1, sha256="0" * 64, name="BL-DR01.jpg", stored_path="originals/x.jpg", sku="BL-DR01",
                       brand="Bellamy", product_name="Dress", detected_box=(10, 10, 200, 300), confidence=0.9,
                       needs_review=bool(reasons), box=None, preset=None, rendered_recipe=None,
                       review_reasons=reasons)


def test_the_button_is_worded_for_what_the_reasons_ask_to_check(qtbot) -> None:
    panel = PhotoDetailPanel()
    qtbot.addWidget(panel)
    for reasons, words in [((BOX,), "Box Is Right"), ((HOOK, HAND), "Hero Is Clean"),
                           ((colour_reason(14),), "Looks Right"), ((BOX, HOOK), "Looks Right"),
                           ((EARLIER,), "Looks Right")]:
        panel.show_detail(_detail(reasons))
        assert panel.reviewed_button.text().replace("&", "") == words
        assert panel.reviewed_button.accessibleName() == words and panel.reviewed_button.isEnabled()
        assert all(r.text in panel.reasons.text() for r in reasons) and not panel.reasons.isHidden()
        assert f"“{words}”" in panel.status.text()
    panel.show_detail(_detail(()))
    assert panel.reasons.isHidden() and not panel.reviewed_button.isEnabled()


def test_the_status_line_names_what_the_cutout_check_saw(qtbot) -> None:
    panel = PhotoDetailPanel()
    qtbot.addWidget(panel)
    panel.show_detail(_detail((HOOK,)))
    assert "Please check the cut-out:</b></span> a hanger's hook above the garment (the box" in panel.status.text()
    panel.show_detail(_detail((HOOK, HAND)))
    assert "a hanger's hook above the garment (and 1 more, listed below)" in panel.status.text()
    panel.show_detail(_detail((EARLIER,)))  # flagged before reasons were kept: the general words
    assert "a hanger, hook or prop may still show in the hero" in panel.status.text()


def test_a_flagged_shot_shows_its_reasons_and_reviewing_it_clears_them(qtbot, opened_demo) -> None:
    _db, thumbs, root = opened_demo
    with sqlite3.connect(root / "library.db") as conn:
        conn.execute("UPDATE photos SET needs_review = 0, review_reasons = NULL")
        conn.execute("UPDATE photos SET needs_review = 1, review_reasons = ? WHERE id = 2", [dumps((HOOK, HAND))])
    page = ShootPage(opened_demo[0], thumbs)
    qtbot.addWidget(page)
    page.resize(1200, 800)
    page.show()
    qtbot.waitExposed(page, timeout=20_000)
    with qtbot.waitSignal(page.badge_changed, timeout=20_000):
        page.reload()
    row = next(r for r in range(page.model.rowCount()) if page.model.photo(r).id == 2)
    tip = page.model.data(page.model.index(row), Qt.ItemDataRole.ToolTipRole)
    assert "Flagged for review:" in tip and HOOK.text in tip and HAND.text in tip
    assert HOOK.text in page.model.data(page.model.index(row), Qt.ItemDataRole.AccessibleTextRole)

    with qtbot.waitSignal(page.detail_shown, timeout=10_000, check_params_cb=lambda pid: pid == 2):
        page.view.setCurrentIndex(page.model.index(row))
    panel = page.panel
    assert panel.reasons.isVisible() and panel.reasons.wordWrap()
    assert panel.reasons.text() == f"Flagged for review:\n• {HOOK.text}\n• {HAND.text}"
    assert panel.reasons.accessibleName() == "Why this shot is flagged for review"
    assert panel.reviewed_button.text() == "&Hero Is Clean"

    with qtbot.waitSignal(page.detail_shown, timeout=10_000):
        panel.reviewed_button.click()
    assert panel.detail is not None and not panel.detail.needs_review
    qtbot.waitUntil(lambda: not panel.reasons.isVisible(), timeout=20_000)
    with sqlite3.connect(root / "library.db") as conn:
        assert conn.execute("SELECT needs_review, review_reasons FROM photos WHERE id = 2").fetchone() == (0, None)
    page.cleanup()
