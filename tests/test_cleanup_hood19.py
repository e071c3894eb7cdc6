"""A hanger seen through an outerwear garment's hood or collar flags the shot (issue 12 §2, h-hood19): heldout6
``739eee88``, heldout16 ``337e74ee`` and ``ccb1280e`` showed the hanger in the neck, no hook above the fabric."""

from __future__ import annotations

import cv2
import numpy as np

from lookbook.photos.cleanup import clean_detection, hanger_in_hood
from lookbook.photos.detect import Detection

NAVY = (40, 60, 140)  # a jacket's fabric
SILVER = (170, 170, 172)  # a hanger's metal hook and neck plate
PINK = (220, 40, 120)  # a brand label
REASON = "a hanger inside the hood or collar"


def _jacket() -> tuple[np.ndarray, np.ndarray]:
    # A jacket at the detector's grid (150 x 200), on a light wall: its top (row 10) spans columns 50-100, its middle
    # column is 75, it is 101 px wide and 181 px high.
    small = np.full((200, 150, 3), (225, 222, 215), np.uint8)
    mask = np.zeros((200, 150), np.uint8)
    outline = np.array([[50, 10], [100, 10], [125, 30], [120, 190], [30, 190], [25, 30]], np.int32)
    cv2.fillPoly(mask, [outline], 1)
    small[mask > 0] = NAVY
    return small, mask


def test_a_grey_piece_at_the_top_of_a_hood_is_a_hanger() -> None:
    small, mask = _jacket()
    assert not hanger_in_hood(small, mask)
    small[13:19, 70:80] = SILVER  # the hanger's neck plate at the hood's top, a colour found nowhere else
    assert hanger_in_hood(small, mask)


def test_labels_linings_and_the_garments_own_colours_are_not_a_hanger() -> None:
    # A brand label sits lower, under the collar, not at the garment's very top.
    small, mask = _jacket()
    small[40:48, 70:80] = SILVER
    assert not hanger_in_hood(small, mask)
    # A coloured label at the top is not a hanger's black, grey or silver.
    small, mask = _jacket()
    small[13:19, 70:80] = PINK
    assert not hanger_in_hood(small, mask)
    # A grey the garment shows elsewhere (a print, a zip, a panel) is its own.
    small, mask = _jacket()
    small[13:19, 70:80] = SILVER
    for y in range(80, 180, 20):
        small[y:y + 3][mask[y:y + 3] > 0] = SILVER
    assert not hanger_in_hood(small, mask)
    # A hood's whole lining in a light grey is far larger than a hanger.
    small, mask = _jacket()
    small[12:40, 55:95] = SILVER
    assert not hanger_in_hood(small, mask)


def test_the_hanger_in_a_hood_flags_an_outerwear_shot_only() -> None:
    # End to end: before h-hood19 nothing flagged it (no hook stands above the fabric, the piece is inside the mask).
    small, mask = _jacket()
    small[13:19, 70:80] = SILVER
    rgb = cv2.resize(small, (300, 400), interpolation=cv2.INTER_NEAREST)
    det = Detection(box=(50, 20, 250, 380), confidence=0.9, mask=mask * 255, mask_scale=0.5, method="segmenter",
                    bg_colours=np.zeros((0, 3), np.float32), threshold=10.0)
    cleaned = clean_detection(rgb, det, category="outwear")
    assert cleaned.needs_review
    assert REASON in cleaned.reasons, cleaned.reasons
    # A top's or a dress's prints and labels read like it (measured): they are not asked.
    as_shirt = clean_detection(rgb, det, category="shirt")
    assert REASON not in as_shirt.reasons
    # The rule only flags: the cut-out is the one the other category gets.
    assert np.array_equal(cleaned.detection.mask, as_shirt.detection.mask)
