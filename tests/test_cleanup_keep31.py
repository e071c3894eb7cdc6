"""A top whose cut-out leaves out a large piece the segmenter is sure is garment is flagged (h-keep31).

heldout28's train/t-shirt/67e1a4f3: a white striped T-shirt on a dark wood floor; its lower-left hem corner and side
lay in shadow, and the colour pass (the detector's cheap method) lost them to the floor: an unflagged hero with a
~100 x 100 px stepped notch cut out of the hem. The segmenter is sure of that piece (>= 0.9), 16 % of what the cut-out
keeps; no cleanup step cut it (the detector's own mask lacks it), so it is flagged for a person, not put back.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from detection_support import stored_detection
from lookbook.photos.cleanup import clean_detection
from lookbook.photos.detect import Detection, sure_part_left_out

REASON = "part may be cut away"


def _67e1a4f3() -> tuple[np.ndarray, Detection]:
    """heldout28 train/t-shirt/67e1a4f3 (CC0, as decoded: 400 x 533) and the detector's own detection of it: its
    mask and the segmenter's probability (stored in 8 bits), at the working size (150 x 200)."""
    return stored_detection("keep31_67e1a4f3", box=(50, 141, 355, 456), confidence=0.991, method="cheap",
                            bg=[[3.55, 128.8, 130.08], [9.26, 131.23, 133.14], [14.12, 130.98, 135.69],
                                [19.12, 129.94, 137.67], [29.71, 131.65, 138.28]])


def test_the_tee_missing_its_shadowed_hem_corner_is_flagged() -> None:
    rgb, det = _67e1a4f3()
    out = clean_detection(rgb, det, category="t-shirt")
    assert out.needs_review  # main: not flagged, the hero showed the notched hem
    assert any(REASON in r for r in out.reasons)
    # flag only: the cut-out is what the other steps made of it (the notch is not put back)
    kept = out.detection.mask > 0
    assert kept.sum() <= (det.mask > 0).sum()


def test_not_where_the_segmenter_is_unsure_of_the_piece() -> None:
    """The same photo with the segmenter holding only what the cut-out keeps: nothing sure is left out."""
    rgb, det = _67e1a4f3()
    assert det.seg_prob is not None
    prob = np.where(det.mask > 0, det.seg_prob, np.minimum(det.seg_prob, 0.5)).astype(np.float32)
    out = clean_detection(rgb, replace(det, seg_prob=prob), category="t-shirt")
    assert not any(REASON in r for r in out.reasons)


def test_only_tops_are_read() -> None:
    rgb, det = _67e1a4f3()
    out = clean_detection(rgb, det, category="dress")
    assert not any(REASON in r for r in out.reasons)


def _shirt() -> np.ndarray:
    m = np.zeros((100, 80), np.uint8)
    m[20:90, 20:60] = 1  # body
    m[20:35, 8:72] = 1  # sleeves
    return m


def test_a_large_sure_piece_touching_the_cut_out_counts() -> None:
    m = _shirt()
    prob = m.astype(np.float32)
    cut = m.copy()
    cut[70:90, 20:35] = 0  # a 20 x 15 hem corner (300 px, ~9 % of the rest) lost
    assert sure_part_left_out(cut, prob)
    assert not sure_part_left_out(m, prob)  # nothing left out
    assert not sure_part_left_out(cut, None)  # no segmenter, no flag


def test_small_or_apart_or_unsure_pieces_do_not() -> None:
    m = _shirt()
    prob = m.astype(np.float32)
    small = m.copy()
    small[84:90, 20:30] = 0  # 60 px: under the share
    assert not sure_part_left_out(small, prob)
    apart = prob.copy()
    apart[0:15, 0:40] = 1.0  # a sure blob away from the garment (another thing in the photo)
    assert not sure_part_left_out(m, apart)
    cut = m.copy()
    cut[70:90, 20:35] = 0
    unsure = np.where(cut > 0, 1.0, 0.8).astype(np.float32) * (m > 0)
    assert not sure_part_left_out(cut, unsure)  # under UNSEEN_SURE
