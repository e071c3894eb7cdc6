"""Shoes whose colour box holds the floor or a box under the pair are flagged (h-shoebox21).

The colour pass is sure of a box that takes in a patch of carpet beside and under a pair of black
trainers (heldout19 train/shoes/f7b209c5: box IoU 0.787 against the label, unflagged before); the
learned segmenter's box, lying within it, holds the shoes alone. On shoes that gap between the two
boxes is the floor or a shoe box kept in the hero, so a person is asked to look.
"""

from __future__ import annotations

import numpy as np

from lookbook.photos.cleanup import clean_detection
from lookbook.photos.detect import SEG_INSIDE_FLAG, Detection, detect_garment
from lookbook.photos.imaging import load_photo
from photo_support import labelled_photo

CARPET = "train/shoes/f7b209c5-c0c1-4ff8-b643-0b0dbdd1d600.jpg"
REASON = "the floor or a box under the shoes may show (the segmenter's box is much smaller)"


def test_shoes_boxed_with_the_carpet_under_them_are_flagged() -> None:
    decoded = load_photo(labelled_photo(CARPET))
    det = detect_garment(decoded.rgb, scale=decoded.scale)
    assert det.method == "cheap" and not det.needs_review
    assert det.seg_inside < SEG_INSIDE_FLAG
    cleaned = clean_detection(decoded.rgb, det, scale=decoded.scale, category="shoes")
    assert cleaned.needs_review
    assert REASON in cleaned.reasons
    # The flag leaves the cut-out and the box as they were.
    assert cleaned.detection.box == det.box
    # Only shoes are asked: on other categories the gap is a sleeve, a strap or a shadow the segmenter left out.
    assert REASON not in clean_detection(decoded.rgb, det, scale=decoded.scale, category="shirt").reasons


def _pair(seg_inside: float) -> Detection:
    """Two dark shoes on a plain pale floor (working scale), with the given segmenter agreement."""
    img = np.full((160, 120, 3), 225, np.uint8)
    img[40:130, 20:55] = 30
    img[40:130, 65:100] = 30
    mask = np.zeros((160, 120), np.uint8)
    mask[40:130, 20:55] = 255
    mask[40:130, 65:100] = 255
    return Detection(box=(20, 40, 100, 130), confidence=1.0, mask=mask, mask_scale=1.0, method="cheap",
                     bg_colours=np.array([[225 * 0.5, 128.0, 128.0]], np.float32), threshold=20.0,
                     seg_inside=seg_inside)


def test_the_flag_follows_the_segmenter_box_inside_the_colour_box() -> None:
    img = np.full((160, 120, 3), 225, np.uint8)
    img[40:130, 20:55] = 30
    img[40:130, 65:100] = 30
    assert REASON in clean_detection(img, _pair(0.8), category="shoes").reasons
    assert REASON not in clean_detection(img, _pair(0.97), category="shoes").reasons
    # The default (no segmenter box within the colour box) is no sign at all.
    assert Detection(box=(0, 0, 1, 1), confidence=1.0, mask=np.zeros((2, 2), np.uint8), mask_scale=1.0,
                     method="cheap", bg_colours=np.zeros((1, 3), np.float32), threshold=1.0).seg_inside == 1.0
