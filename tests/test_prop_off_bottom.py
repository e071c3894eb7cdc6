"""Shoes whose cut-out runs off the photo's bottom edge flag the shot: a box under them may show (h-prop23)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from lookbook.photos.cleanup import _suspicions, runs_off_bottom
from lookbook.photos.detect import Detection

SHARED = Path(__file__).resolve().parents[2] / "shared" / "photos" / "clothing-small"
REASON = "run off the photo's bottom edge"


def _det(mask: np.ndarray) -> Detection:
    return Detection(box=(0, 0, mask.shape[1], mask.shape[0]), confidence=0.9, mask=mask, mask_scale=1.0,
                     method="segmenter", bg_colours=np.array([[200.0, 128.0, 128.0]], np.float32), threshold=10.0,
                     seg_inside=1.0)


def _pair(box_off_frame: bool) -> tuple[np.ndarray, np.ndarray]:
    # Two black shoes side by side; with the box, they stand on a black box whose front runs off the bottom edge
    # (heldout21's train/shoes/17f835b2: the segmenter's cut-out holds the box's front, a V down to the edge).
    img = np.full((150, 200, 3), (200, 196, 190), np.uint8)
    mask = np.zeros((150, 200), np.uint8)
    for x0 in (30, 100):
        cv2.ellipse(mask, (x0 + 35, 60), (38, 22), 0, 0, 360, 1, -1)
    if box_off_frame:
        cv2.fillPoly(mask, [np.array([[40, 70], [170, 70], [120, 149], [80, 149]], np.int32)], 1)
    img[mask > 0] = (20, 20, 22)
    return img, mask


def test_a_box_running_off_the_bottom_under_shoes_flags_the_shot() -> None:
    img, mask = _pair(True)
    assert runs_off_bottom(mask)
    assert any(REASON in r for r in _suspicions(img, img, mask, _det(mask), "shoes"))


def test_shoes_inside_the_frame_are_not_flagged() -> None:
    img, mask = _pair(False)
    assert not runs_off_bottom(mask)
    assert not any(REASON in r for r in _suspicions(img, img, mask, _det(mask), "shoes"))


def test_a_toe_grazing_the_edge_is_not_enough() -> None:
    # A clean pair whose toe touches the last row over a few pixels (heldout15's eb1677ad: 0.04 of the width).
    img, mask = _pair(False)
    cv2.rectangle(mask, (60, 80), (64, 149), 1, -1)
    assert not runs_off_bottom(mask)


def test_only_shoes_are_read() -> None:
    # A garment hung to the frame's bottom has its own hem rule (prop_at_hem); this one is for shoes.
    img, mask = _pair(True)
    assert not any(REASON in r for r in _suspicions(img, img, mask, _det(mask), "skirt"))


@pytest.mark.skipif(not SHARED.exists(), reason="labelled photos not present")
def test_real_black_shoes_on_their_black_box_flag_the_shot() -> None:
    # heldout21: black Adidas shoes on their black box; the segmenter takes the box's front with them (box IoU
    # 0.689) and no colour rule sees it, so the hero went out unflagged.
    from lookbook.photos.cleanup import clean_detection
    from lookbook.photos.detect import detect_garment
    from lookbook.photos.imaging import load_photo

    photo = load_photo(SHARED / "train" / "shoes" / "17f835b2-a006-42a3-8ce8-d16b593a8d11.jpg")
    det = detect_garment(photo.rgb, scale=photo.scale)
    cleaned = clean_detection(photo.rgb, det, scale=photo.scale, category="shoes")
    assert cleaned.needs_review
    assert any(REASON in r for r in cleaned.reasons)
