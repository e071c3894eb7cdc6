"""A strip of the wall kept between a pair of trousers' legs, which only the segmenter tells from the leg, flags
the shot (h-legfloor29).

heldout26's train/pants/205092bd: charcoal trousers hung on a grey wall; a lit strip of the wall (~14-20 x 110-135 px
of the hero) along the left leg's inner edge, from the knee to the hem, reached a customer unflagged. Its colour is
1-1.5 times the threshold from the wall's border colours (not in the backdrop map) and nearer the fabric than the
wall round it, so the wedges, bays, ``backdrop_at_outline`` and ``backdrop_between_legs`` all pass it; the segmenter
gives it under 0.2 with the legs it is sure of on both sides.
"""

from __future__ import annotations

import numpy as np

from detection_support import stored_detection
from lookbook.photos.cleanup import clean_detection
from lookbook.photos.detect import Detection, doubted_strip_between_legs


def _205092bd() -> tuple[np.ndarray, Detection]:
    """heldout26 train/pants/205092bd (CC0, as decoded: 400 x 534) and the detector's own detection of it: its mask
    and the segmenter's probability (stored in 8 bits), at the working size (150 x 200)."""
    return stored_detection("legfloor29_205092bd", box=(50, 8, 323, 526), confidence=0.998, method="cheap",
                            seg_inside=0.99, bg=[[83.63, 128.98, 135.2], [94.74, 129.14, 134.13],
                                                 [102.61, 128.8, 134.0], [108.37, 128.94, 134.3]])


def test_the_cleanup_flags_the_wall_strip_between_the_legs() -> None:
    rgb, det = _205092bd()
    out = clean_detection(rgb, det, category="trousers")
    assert out.needs_review  # main left this hero unflagged
    assert any("segmenter sees as backdrop" in r for r in out.reasons)


def test_not_where_the_segmenter_takes_the_strip_for_the_leg() -> None:
    """The same cut-out with a segmenter sure of every pixel in it (a seam or a shadowed fold of the leg) stays
    unflagged: the strip's colour alone does not tell it from the fabric."""
    _rgb, det = _205092bd()
    assert det.seg_prob is not None
    sure = np.where(det.mask > 0, 1.0, det.seg_prob).astype(np.float32)
    assert doubted_strip_between_legs((det.mask > 0).astype(np.uint8), det.seg_prob)
    assert not doubted_strip_between_legs((det.mask > 0).astype(np.uint8), sure)


def _trousers(strip: bool) -> tuple[np.ndarray, np.ndarray]:
    """Two legs (working scale, 200 x 150) the segmenter is sure of; with ``strip`` the mask also holds a 6 px strip
    beside the left leg's inner edge, 60 rows long, the segmenter gives 0.05."""
    h, w = 200, 150
    legs = np.zeros((h, w), bool)
    legs[20:60, 30:120] = True
    legs[20:190, 30:65] = True
    legs[20:190, 85:120] = True
    mask, prob = legs.copy(), legs.astype(np.float32)
    if strip:
        mask[120:180, 65:71] = True
        prob[120:180, 65:71] = 0.05
        mask[120:180, 71:85] = True  # the rest of the gap too: the strip then has the other leg within reach
        prob[120:180, 71:85] = 0.95
    return mask.astype(np.uint8), prob


def test_a_synthetic_doubted_strip_between_the_legs_is_seen() -> None:
    mask, prob = _trousers(strip=True)
    assert doubted_strip_between_legs(mask, prob)


def test_a_clean_cut_of_the_same_trousers_is_not() -> None:
    mask, prob = _trousers(strip=False)
    assert not doubted_strip_between_legs(mask, prob)


def test_a_soft_rim_along_the_outline_is_not() -> None:
    """The segmenter's soft edge: a 2 px doubted rim along the whole outer edge of each leg is opened away."""
    mask, prob = _trousers(strip=False)
    prob[20:190, 30:32] = 0.1
    prob[20:190, 118:120] = 0.1
    assert not doubted_strip_between_legs(mask, prob)
