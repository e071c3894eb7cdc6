"""Floor left inside a pair of shoes' cut-out is taken out, or the shot is flagged (h-floor22).

The wood wedge between two ballet flats (heldout19: train/shoes/22c96e26) stayed because their pale
insoles are the floor's colour: over 0.15 of the mask looked like the floor and the wedges (h-floor20)
gave up on the whole pair. Floor patches round toddler sandals or between a sandal's straps
(train/shoes/c96187e8, ea4afd28) cannot be cut safely, since a strap the floor's colour passes the same
colour test; those shots are flagged instead.
"""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np

from lookbook.photos.cleanup import clean_detection
from lookbook.photos.detect import backdrop_map, detect_garment, floor_left, open_floor_wedges

WOOD = (150, 95, 60)
SHADED_WOOD = (118, 72, 44)  # the floor in the gap, in the shoes' shade
INSOLE = (160, 104, 68)  # a tan insole, within the threshold of the floor
NAVY = (30, 35, 70)


def _noisy(img: np.ndarray, seed: int) -> np.ndarray:
    noise = np.random.default_rng(seed).normal(0, 3, img.shape)
    return np.clip(img + noise, 0, 255).astype(np.uint8)


def _flats(insole: tuple[int, int, int] = INSOLE) -> tuple[np.ndarray, np.ndarray]:
    """Two navy flats on a wood floor (working scale), touching at the toes and 4 px apart below, each with
    an insole of ``insole``'s colour; the mask holds the gap's upper 90 px (a wedge) and leaves its lower
    30 px out."""
    img = np.empty((200, 200, 3), np.uint8)
    img[:] = WOOD
    img[40:180, 50:98] = NAVY
    img[40:180, 102:150] = NAVY
    img[70:150, 64:84] = insole
    img[70:150, 116:136] = insole
    img[60:180, 98:102] = SHADED_WOOD
    img[40:60, 98:102] = NAVY  # the toes touch
    mask = np.zeros((200, 200), np.uint8)
    mask[40:180, 50:150] = 1
    mask[150:180, 98:102] = 0
    return _noisy(img, 7), mask


def test_a_wedge_between_shoes_with_floor_coloured_insoles_goes() -> None:
    small, mask = _flats()
    dist, thresh = backdrop_map(small)
    near = float((dist[mask > 0] < thresh).mean())
    assert 0.15 < near < 0.3  # the insoles: past the bays' garment guard, which stopped this wedge on main
    out = open_floor_wedges(mask, small)
    assert out[62:150, 99:101].sum() == 0  # its blurred rims next to the shoes may stay
    # The shoes and their insoles stay whole.
    assert np.array_equal(out[:, 50:98], mask[:, 50:98]) and np.array_equal(out[:, 102:150], mask[:, 102:150])


def test_shoes_the_colour_of_the_floor_keep_their_wedge() -> None:
    """Tan shoes on wood (most of the mask like the floor): their folds cannot be told from a wedge."""
    small, mask = _flats()
    img = small.copy()
    shoe = (mask > 0) & (np.abs(img.astype(int) - np.array(NAVY)).sum(2) < 30)
    img[shoe] = INSOLE
    assert np.array_equal(open_floor_wedges(mask, _noisy(img, 8)), mask)


def _sandals(patch: bool) -> tuple[np.ndarray, np.ndarray]:
    """Navy sandals with floor-coloured straps (wood) on a wood floor (working scale); with ``patch`` the mask
    also holds a 14 x 14 px patch of the floor beside the left sandal."""
    img = np.empty((200, 200, 3), np.uint8)
    img[:] = WOOD
    img[40:180, 50:95] = NAVY
    img[40:180, 105:150] = NAVY
    for y0 in (60, 90, 120, 150):  # straps across each sandal, the floor's colour: over the bays' guard
        img[y0:y0 + 10, 56:89] = INSOLE
        img[y0:y0 + 10, 111:144] = INSOLE
    mask = np.zeros((200, 200), np.uint8)
    mask[40:180, 50:95] = 1
    mask[40:180, 105:150] = 1
    if patch:
        mask[100:114, 36:50] = 1
    return _noisy(img, 9), mask


def test_a_floor_patch_left_beside_sandals_is_seen() -> None:
    small, mask = _sandals(patch=True)
    assert floor_left(mask, small)
    clean_small, clean_mask = _sandals(patch=False)
    assert not floor_left(clean_mask, clean_small)


def test_the_cleanup_flags_the_floor_patch_on_shoes_only() -> None:
    small, mask = _sandals(patch=True)
    img = cv2.resize(small, (400, 400), interpolation=cv2.INTER_NEAREST)
    det = detect_garment(img, mode="cheap")
    assert det.mask is not None
    h, w = det.mask.shape[:2]
    det = replace(det, mask=cv2.resize(mask * 255, (w, h), interpolation=cv2.INTER_NEAREST))
    shoes = clean_detection(img, det, category="shoes")
    assert shoes.needs_review
    assert any("floor" in r for r in shoes.reasons)
    shorts = clean_detection(img, det, category="shorts")
    assert not any("floor-coloured" in r for r in shorts.reasons)
