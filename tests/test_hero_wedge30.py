"""A wood-floor wedge kept where a pair of trousers' legs meet is cut, and a sunbeam sticking out of a leg is flagged
(h-wedge30).

heldout26's train/pants/68f2a5c0 (CC0) reached a customer with a tan plank wedge in the crotch-gap apex of blue jeans,
under the dark inner-crotch shadow: 1-2 thresholds from the border's lit planks (not in the backdrop map) and, in the
detector's lightness-weighted Lab, as near the jeans as the floor round it, so no wedge, bay or ring rule cut it. The
segmenter doubts it and its chroma (a*, b*) is the floor's; ``cut_floor_chroma_wedges`` cuts it.

heldout27's train/pants/c5924c48 (CC0): a sunbeam on the wood floor runs on from a sunlit spot on the right leg, and the
segmenter takes the lit planks in with the leg (over 0.9), far from the backdrop's colour: a thin spur off the outline,
unlike the garment's colours, which ``foreign_spur`` flags.
"""

from __future__ import annotations

import cv2
import numpy as np

from detection_support import stored_detection
from lookbook.photos.cleanup import clean_detection
from lookbook.photos.detect import Detection, cut_floor_chroma_wedges, foreign_spur


def _load(name: str, box: tuple[int, int, int, int], mask_scale: float, method: str,
          bg: list[list[float]]) -> tuple[np.ndarray, Detection]:
    """The photo as decoded and the detector's own detection of it (see ``stored_detection``)."""
    return stored_detection(f"wedge30_{name}", box=box, confidence=0.99, method=method, mask_scale=mask_scale, bg=bg)


def _68f2a5c0() -> tuple[np.ndarray, Detection]:
    return _load("68f2a5c0", (37, 40, 334, 504), 0.375, "cheap",
                 [[75.82, 134.63, 149.23], [84.57, 132.44, 147.54], [92.51, 130.66, 145.44],
                  [101.43, 129.66, 142.89], [106.42, 128.16, 138.93]])


def _c5924c48() -> tuple[np.ndarray, Detection]:
    return _load("c5924c48", (27, 38, 400, 668), 0.2825, "segmenter",
                 [[28.77, 150.45, 153.82], [40.3, 149.9, 158.45], [59.07, 143.05, 159.33], [89.86, 140.61, 160.32]])


def _apex_tan(rgb: np.ndarray, mask: np.ndarray) -> int:
    """How many of the mask's pixels at the crotch apex of 68f2a5c0 (working px x 60-78, y 55-80) are tan floor
    (b* well over the blue jeans' -15)."""
    h, w = mask.shape[:2]
    lab = cv2.cvtColor(cv2.resize(rgb, (w, h), interpolation=cv2.INTER_AREA), cv2.COLOR_RGB2LAB).astype(np.float32)
    tan = (lab[:, :, 2] - 128.0) > 8.0
    return int(((mask > 0) & tan)[55:80, 60:78].sum())


def test_the_cleanup_cuts_the_plank_wedge_at_the_crotch() -> None:
    rgb, det = _68f2a5c0()
    assert _apex_tan(rgb, det.mask) >= 100  # the detector's cut-out keeps the wedge
    out = clean_detection(rgb, det, category="trousers")
    assert _apex_tan(rgb, out.detection.mask) <= 0.2 * _apex_tan(rgb, det.mask)  # main kept all of it
    lost = (det.mask > 0) & ~(out.detection.mask > 0)
    assert 100 <= int(lost.sum()) <= 250  # the wedge, not a leg


def test_not_on_a_top_nor_where_the_segmenter_is_sure() -> None:
    rgb, det = _68f2a5c0()
    out = clean_detection(rgb, det, category="t-shirt")
    assert _apex_tan(rgb, out.detection.mask) >= 100
    assert det.seg_prob is not None
    m = (det.mask > 0).astype(np.uint8)
    sure = np.where(m > 0, 1.0, det.seg_prob).astype(np.float32)
    h, w = m.shape
    small = cv2.resize(rgb, (w, h), interpolation=cv2.INTER_AREA)
    assert not np.array_equal(cut_floor_chroma_wedges(m, small, det.seg_prob), m)
    assert np.array_equal(cut_floor_chroma_wedges(m, small, sure), m)


def _legs(wedge_colour: tuple[int, int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Blue jeans' two legs on a tan floor (working size, 200 x 150); the mask also keeps a 14 x 20 px wedge of
    ``wedge_colour`` at the crotch apex, which the segmenter gives 0.05."""
    h, w = 200, 150
    small = np.empty((h, w, 3), np.uint8)
    small[:] = (196, 160, 120)  # tan planks
    legs = np.zeros((h, w), bool)
    legs[20:60, 30:120] = True
    legs[20:190, 30:68] = True
    legs[20:190, 82:120] = True
    small[legs] = (40, 60, 110)  # blue denim
    mask, prob = legs.copy(), legs.astype(np.float32)
    mask[60:80, 68:82] = True
    prob[60:80, 68:82] = 0.05
    small[60:80, 68:82] = wedge_colour
    return mask.astype(np.uint8), small, prob


def test_a_synthetic_floor_wedge_goes_and_the_legs_stay() -> None:
    mask, small, prob = _legs((150, 120, 90))  # the planks in the crotch's shadow: darker, the same hue
    out = cut_floor_chroma_wedges(mask, small, prob)
    assert out[60:80, 68:82].sum() <= 0.05 * 14 * 20  # a corner pixel or two of the 280 may stay
    assert np.array_equal(out[mask == 0], mask[mask == 0])
    assert out[20:190, 30:68].all() and out[20:190, 82:120].all()


def test_a_doubted_wedge_of_the_denim_s_colour_stays() -> None:
    """A shadowed fold of the jeans the segmenter doubts: its chroma is the fabric's, so nothing is cut."""
    mask, small, prob = _legs((25, 38, 70))
    assert np.array_equal(cut_floor_chroma_wedges(mask, small, prob), mask)


def test_the_cleanup_flags_the_sunbeam_spur() -> None:
    rgb, det = _c5924c48()
    out = clean_detection(rgb, det, category="trousers")
    assert out.needs_review  # main left this hero unflagged
    assert any("spur" in r for r in out.reasons)


def test_a_spur_of_the_garment_s_colour_is_not_flagged() -> None:
    """A tie or drawstring of the jeans' own colour sticking out of a leg is the garment's."""
    mask, small, _prob = _legs((40, 60, 110))
    mask[100:106, 68:80] = 1  # a 12 x 6 px tie off the left leg's inner edge, reaching into the gap
    mask[100:106, 30 - 12:30] = 1  # and one off its outer edge
    small[100:106, 18:30] = (40, 60, 110)
    small[100:106, 68:80] = (40, 60, 110)
    assert not foreign_spur(mask, small)
    small[100:106, 18:30] = (250, 235, 215)  # a sunbeam on the planks, blown out
    assert foreign_spur(mask, small)
