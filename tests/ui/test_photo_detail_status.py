"""The Shoot page's detail panel says why a photo is flagged, not "unsure of this box" for a sure box."""

from __future__ import annotations

from lookbook.photos.recipes import PhotoDetail
from ui.widgets.photo_detail import PhotoDetailPanel


def _detail(confidence: float, needs_review: bool) -> PhotoDetail:
    return PhotoDetail(id=1, sha256="0" * 64, name="BL-DR01.jpg", stored_path="originals/x.jpg", sku="BL-DR01",
                       brand="Bellamy", product_name="Dress", detected_box=(10, 10, 200, 300),
                       confidence=confidence, needs_review=needs_review, box=None, preset=None,
                       rendered_recipe=None)


def test_a_sure_box_flagged_by_the_hanger_cleanup_says_so() -> None:
    text = PhotoDetailPanel._status_text(_detail(0.99, True))
    assert "hanger" in text and "unsure of this box" not in text and "99%" in text


def test_an_unsure_box_still_says_it_is_unsure() -> None:
    text = PhotoDetailPanel._status_text(_detail(0.3, True))
    assert "unsure of this box (confidence 30%)" in text


def test_an_unflagged_box_is_just_described() -> None:
    assert PhotoDetailPanel._status_text(_detail(0.99, False)).startswith("Box found by the app (confidence 99%)")
