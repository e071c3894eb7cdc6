"""A hanger's two arms kept inside a top's neck opening flag the shot (h-neck31).

heldout28's white mock-neck T-shirt ``2a7c1877`` (CC0, train/t-shirt, as decoded: 400 x 533) with the detector's own
detection of it (its mask and the segmenter's probability in 8 bits, at the working size 150 x 200): the gold hanger's
hook and the wall were cut, but its two arms, running from the neck's middle down along the shoulder line over the
inside of the collar, stayed on an unflagged hero. :func:`neck_bar` wants one piece across the neck; the arms meet in
pixels mixed with the wall, so they are two shorter slanting pieces.
"""

from __future__ import annotations

import cv2
import numpy as np

from detection_support import stored_detection
from lookbook.photos.cleanup import clean_detection, hanger_arms_in_neck
from lookbook.photos.detect import Detection


def _2a7c1877() -> tuple[np.ndarray, Detection]:
    return stored_detection("neck31_2a7c1877", box=(0, 80, 400, 436), confidence=0.847, method="segmenter",
                            threshold=13.75, bg=[[68.81, 139.79, 139.1], [80.08, 137.16, 139.55],
                                                 [89.25, 136.69, 143.01]])


def _without_arms(rgb: np.ndarray) -> np.ndarray:
    """The photo with the hanger's gold painted the collar's white in the neck (rows 70-95, where the arms lie)."""
    out = rgb.copy()
    lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB).astype(np.int32)
    gold = np.zeros(rgb.shape[:2], np.uint8)
    gold[70:96, 140:235] = ((lab[70:96, 140:235, 2] > 145) & (lab[70:96, 140:235, 0] > 120)).astype(np.uint8)
    gold = cv2.dilate(gold, np.ones((3, 3), np.uint8))
    out[gold > 0] = np.median(rgb[110:130, 180:220].reshape(-1, 3), axis=0).astype(np.uint8)
    return out


def test_the_cleanup_flags_the_arms_in_the_neck() -> None:
    rgb, det = _2a7c1877()
    out = clean_detection(rgb, det, category="t-shirt")
    assert out.needs_review  # main left this hero unflagged
    assert any("arms inside the neck" in r for r in out.reasons)
    # flag only: the cut-out is what it was without the rule (the collar's inside stays)
    assert (out.detection.mask > 0).sum() > 0.99 * (det.mask > 0).sum()


def test_the_arms_are_found_on_the_cut_out() -> None:
    rgb, det = _2a7c1877()
    kept = clean_detection(rgb, det, category="t-shirt").detection.mask
    assert hanger_arms_in_neck(rgb, kept)


def test_without_the_gold_the_neck_is_clean() -> None:
    # The same shot with the arms painted the collar's white: the neck label (dark, level, lower) and the collar's
    # rim are not arms, and the shot is not flagged.
    rgb, det = _2a7c1877()
    plain = _without_arms(rgb)
    assert not hanger_arms_in_neck(plain, det.mask)
    assert not clean_detection(plain, det, category="t-shirt").needs_review


def _neck(stroke: tuple[int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    """A white top (400 x 400, mask 200 x 200) on a dark red wall, two strokes of ``stroke`` slanting down from either
    side of its neck's middle, 3 px thick, along its top edge."""
    rgb = np.full((400, 400, 3), (120, 30, 40), np.uint8)
    mask = np.zeros((200, 200), np.uint8)
    mask[20:190, 20:180] = 255
    rgb[40:380, 40:360] = (240, 240, 236)
    for sign in (-1, 1):
        cv2.line(rgb, (200 + sign * 4, 42), (200 + sign * 44, 56), stroke, 3)
    return rgb, mask


def test_gold_strokes_are_arms_but_a_wall_and_garment_mix_is_not() -> None:
    # The outline's pixels along a shoulder mix the garment with the wall: their colour lies on the line between the
    # two, and a shirt's collar rims on a dark backdrop read so. A gold stroke lies well off it.
    gold, mask = _neck((200, 170, 90))
    assert hanger_arms_in_neck(gold, mask)
    mix, mask = _neck((180, 135, 138))  # halfway between the white and the wall: unlike the garment, yet a mix
    assert not hanger_arms_in_neck(mix, mask)
