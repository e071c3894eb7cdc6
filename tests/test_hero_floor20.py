"""Narrow wedges of the floor between two legs are taken out of the cut-out (h-floor20).

The cut rounds over the corner where two legs of shorts part at the hem and keeps a wedge of the
wood floor there (heldout18: train/shorts/0a69bc16, 92af39a3). Wood in the legs' shade is within
the colour pass's threshold of the floor but not near enough the border's colours for the bays
(h-bays19), so only the wedge's shape (narrow, tall, garment on both sides) lets it go.
"""

from __future__ import annotations

import numpy as np

from lookbook.photos.cleanup import clean_detection
from lookbook.photos.detect import detect_garment, open_backdrop_bays, open_floor_wedges

WOOD = (150, 95, 60)
SHADED_WOOD = (118, 72, 44)  # the floor in the gap, in the legs' shade
SAGE = (170, 180, 160)


def _noisy(img: np.ndarray, seed: int) -> np.ndarray:
    noise = np.random.default_rng(seed).normal(0, 3, img.shape)
    return np.clip(img + noise, 0, 255).astype(np.uint8)


def _shorts(gap: int = 4, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Sage shorts on a wood floor (working scale), their legs ``gap`` px apart over the bottom 60 px; the
    mask holds the gap's upper 30 px (a wedge) and leaves its lower 30 px (the notch at the hem) out."""
    img = np.empty((200, 200, 3), np.uint8)
    img[:] = WOOD
    lo, hi = 100 - gap // 2, 100 + (gap - gap // 2)
    img[40:180, 50:150] = SAGE
    img[120:180, lo:hi] = SHADED_WOOD
    mask = np.zeros((200, 200), np.uint8)
    mask[40:180, 50:150] = 1
    mask[150:180, lo:hi] = 0
    return _noisy(img, seed), mask


def test_a_wedge_of_shaded_floor_between_two_legs_goes() -> None:
    small, mask = _shorts()
    # The bays leave it: the shaded wood is 0.69 of the threshold from the floor's colours (BAY_NEAR 0.45).
    assert np.array_equal(open_backdrop_bays(mask, small), mask)
    out = open_floor_wedges(mask, small)
    assert out[121:150, 98:102].sum() == 0
    # The legs and the seat stay whole.
    assert np.array_equal(out[40:120], mask[40:120])
    assert np.array_equal(out[:, 50:98], mask[:, 50:98]) and np.array_equal(out[:, 102:150], mask[:, 102:150])


def test_a_wide_gap_stays() -> None:
    """Wider than WEDGE_MAX_WIDE: not a wedge the cut rounded over but a part of the garment's own shape."""
    small, mask = _shorts(gap=10)
    assert np.array_equal(open_floor_wedges(mask, small), mask)


def test_a_strip_along_one_edge_stays() -> None:
    """Shaded floor along the garment's side has garment on one side only: a hem's shadow, a sole's rim."""
    img = np.empty((200, 200, 3), np.uint8)
    img[:] = WOOD
    img[40:180, 50:150] = SAGE
    img[120:150, 150:154] = SHADED_WOOD
    small = _noisy(img, 5)
    mask = np.zeros((200, 200), np.uint8)
    mask[40:180, 50:154] = 1
    mask[150:180, 150:154] = 0
    assert np.array_equal(open_floor_wedges(mask, small), mask)


def test_a_garment_the_colour_of_the_floor_keeps_its_wedge() -> None:
    """Brown shorts on a wood floor: their own shaded folds look like the floor (the bays' garment guard)."""
    small, mask = _shorts()
    brown = small.copy()
    brown[40:180, 50:150][mask[40:180, 50:150] > 0] = np.clip(
        small[40:180, 50:150][mask[40:180, 50:150] > 0].astype(int) - np.array(SAGE) + np.array(WOOD) + 8, 0, 255)
    assert np.array_equal(open_floor_wedges(mask, brown), mask)


def _shorts_photo() -> np.ndarray:
    """Sage shorts on a wood floor (400 px), their legs parting from 4 px at the crotch to 24 px at the hem
    over shaded wood: the cut leaves the wide part near the hem out and rounds over the narrow top."""
    img = np.empty((400, 400, 3), np.uint8)
    img[:] = WOOD
    img[80:360, 100:300] = SAGE
    for y in range(240, 360):
        half = 2 + (y - 240) * 10 // 120
        img[y, 200 - half:200 + half] = SHADED_WOOD
    return _noisy(img, 3)


def _wedge_share(mask: np.ndarray, f: float) -> float:
    return float((mask[int(245 * f):int(300 * f), int(199 * f):int(201 * f)] > 0).mean())


def test_the_cleanup_takes_the_wedge_out_of_shorts_only() -> None:
    img = _shorts_photo()
    det = detect_garment(img, mode="cheap")
    shorts = clean_detection(img, det, category="shorts").detection
    assert shorts.mask is not None
    f = shorts.mask_scale
    assert _wedge_share(shorts.mask, f) < 0.1  # main kept 0.75 of it
    legs = shorts.mask[int(245 * f):int(355 * f)]
    assert (legs[:, int(105 * f):int(180 * f)] > 0).mean() > 0.97
    assert (legs[:, int(220 * f):int(295 * f)] > 0).mean() > 0.97
    # On a top the same shape is a sleeve-body gap, left to the hole and bay passes.
    top = clean_detection(img, det, category="t-shirt").detection
    assert top.mask is not None and _wedge_share(top.mask, f) > 0.5
