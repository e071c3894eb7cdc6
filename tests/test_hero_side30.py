"""A piece of the backdrop kept beside a top's sleeve or shoulder that the segmenter sees as backdrop is cut
(h-side30).

heldout27's train/t-shirt/e68d769d: a navy striped T-shirt on a light plank floor; the shadow its right sleeve casts
on the floor (a tan lobe, ~40 x 60 px of the hero) stayed in the cut-out of an unflagged hero. The shadow is not the
floor's border colour, so the bays, wedges and gap rules keep it; the segmenter gives it under 0.2, and its colour
is twice as far from the navy beside it as from the lit floor round it, and unlike every colour of the shirt.
"""

from __future__ import annotations

import cv2
import numpy as np

from detection_support import stored_detection
from lookbook.photos.cleanup import clean_detection
from lookbook.photos.detect import Detection, backdrop_map, cut_doubted_backdrop

#: The shadow lobe beside the right shoulder, at the working size (150 x 200): columns and rows round it.
LOBE = (slice(50, 80), slice(118, 134))


def _e68d769d() -> tuple[np.ndarray, Detection]:
    """heldout27 train/t-shirt/e68d769d (CC0, as decoded: 400 x 533) and the detector's own detection of it: its
    mask and the segmenter's probability (stored in 8 bits), at the working size (150 x 200)."""
    return stored_detection("side30_e68d769d", box=(0, 128, 400, 512), confidence=0.999, method="cheap",
                            bg=[[89.76, 132.83, 146.45], [97.08, 131.87, 144.06], [103.99, 129.42, 140.91],
                                [112.52, 128.05, 137.88]])


def test_the_cleanup_cuts_the_floor_shadow_beside_the_shoulder() -> None:
    rgb, det = _e68d769d()
    out = clean_detection(rgb, det, category="t-shirt")
    kept = out.detection.mask > 0
    assert det.seg_prob is not None
    # main kept 142 working px of the tan lobe the segmenter doubts here; the cut leaves 10 of its soft rim
    assert int((kept[LOBE] & (det.seg_prob[LOBE] < 0.2)).sum()) < 30
    assert kept.sum() > 0.97 * (det.mask > 0).sum()  # the shirt itself stays whole
    assert not out.needs_review  # cut, not flagged


def test_not_where_the_segmenter_takes_the_lobe_for_the_shirt() -> None:
    """The same cut-out with a segmenter sure of every pixel in it stays as it is: the lobe's colour alone does not
    tell a shadow from a fold."""
    rgb, det = _e68d769d()
    small = cv2.resize(rgb, (det.mask.shape[1], det.mask.shape[0]), interpolation=cv2.INTER_AREA)
    mask = (det.mask > 0).astype(np.uint8)
    assert det.seg_prob is not None
    sure = np.where(mask > 0, 1.0, det.seg_prob).astype(np.float32)
    assert not np.array_equal(cut_doubted_backdrop(mask, small, det.seg_prob, backdrop_map(small)), mask)
    assert np.array_equal(cut_doubted_backdrop(mask, small, sure, backdrop_map(small)), mask)


def _top(sleeve_colour: tuple[int, int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A navy body on a light floor (working size 150 x 200) with a 14 x 20 px piece beside its right shoulder of
    ``sleeve_colour`` that the mask keeps and the segmenter gives 0.05."""
    h, w = 200, 150
    img = np.full((h, w, 3), (225, 200, 170), np.uint8)  # a light plank floor
    mask = np.zeros((h, w), np.uint8)
    mask[40:180, 30:110] = 1
    img[40:180, 30:110] = (30, 40, 80)  # navy
    prob = mask.astype(np.float32)
    mask[50:70, 110:124] = 1
    img[50:70, 110:124] = sleeve_colour
    prob[50:70, 110:124] = 0.05
    return img, mask, prob


def test_a_synthetic_shadow_beside_the_shoulder_is_cut() -> None:
    img, mask, prob = _top((170, 140, 110))  # the floor in the sleeve's shadow
    out = cut_doubted_backdrop(mask, img, prob)
    assert out[50:70, 112:124].sum() == 0
    assert out[40:180, 30:110].all()


def test_a_doubted_piece_of_the_garments_own_colour_stays() -> None:
    """A sleeve the segmenter missed is the garment's colour: it stays however sure the segmenter is of the floor."""
    img, mask, prob = _top((30, 40, 80))
    assert np.array_equal(cut_doubted_backdrop(mask, img, prob), mask)


def test_without_the_segmenter_nothing_is_cut() -> None:
    img, mask, _prob = _top((170, 140, 110))
    assert np.array_equal(cut_doubted_backdrop(mask, img, None), mask)
