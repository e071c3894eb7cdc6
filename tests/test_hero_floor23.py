"""A strip of the floor closed inside a pair of shoes' cut-out is taken out (h-floor23).

The learned segmenter rounds two slippers side by side into one blob and closes the gap between them at
the toes and heels, so the wood between them is kept as a strip that touches no outside pixel (heldout21
train/shoes/db5aab31, b00f4c40): the bays and wedges (h-bays19, h-floor20) only take pieces open to the
outside, and h-floor22's flag too. Measured against the floor the gap runs on into, above and below it.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from lookbook.photos.cleanup import clean_detection
from lookbook.photos.detect import detect_garment, open_closed_floor_strips

WOOD = (170, 125, 80)
SHADED_WOOD = (140, 100, 62)  # the floor in the gap, in the shoes' shade
NAVY = (40, 45, 70)


def _slippers(gap: int = 4, floor: tuple[int, int, int] = SHADED_WOOD) -> tuple[np.ndarray, np.ndarray]:
    """Two navy slippers on a wood floor (working scale, 200 x 120), ``gap`` px apart from row 45 to 135,
    touching at the toes and heels; the mask holds both and the gap between them (closed at both ends)."""
    img = np.empty((200, 120, 3), np.uint8)
    img[:] = WOOD
    lo, hi = 60 - gap // 2, 60 + (gap - gap // 2)
    img[30:150, 25:95] = NAVY
    img[45:135, lo:hi] = floor
    mask = np.zeros((200, 120), np.uint8)
    mask[30:150, 25:95] = 1
    noise = np.random.default_rng(5).normal(0, 3, img.shape)
    return np.clip(img + noise, 0, 255).astype(np.uint8), mask


def test_a_closed_strip_of_floor_between_two_slippers_goes() -> None:
    small, mask = _slippers()
    out = open_closed_floor_strips(mask, small)
    assert out[46:134, 59:61].sum() == 0
    # The slippers stay whole, the toes and heels that close the gap too.
    assert np.array_equal(out[:, :58], mask[:, :58]) and np.array_equal(out[:, 62:], mask[:, 62:])
    assert np.array_equal(out[30:45], mask[30:45]) and np.array_equal(out[135:150], mask[135:150])


def test_a_wide_gap_and_a_navy_seam_stay() -> None:
    """Wider than WEDGE_MAX_WIDE: a part of the shoe's own shape; a seam the shoe's colour is no floor."""
    small, mask = _slippers(gap=10)
    assert np.array_equal(open_closed_floor_strips(mask, small), mask)
    small, mask = _slippers(floor=(60, 60, 90))
    assert np.array_equal(open_closed_floor_strips(mask, small), mask)


def test_the_cleanup_takes_the_strip_out_of_shoes_only() -> None:
    small, mask = _slippers()
    det = detect_garment(small, mode="cheap")
    assert det.mask is not None and det.mask.shape == mask.shape
    det = replace(det, mask=mask * 255)
    shoes = clean_detection(small, det, category="shoes").detection.mask
    assert shoes is not None and (shoes[46:134, 59:61] > 0).mean() < 0.1  # main kept all of it
    top = clean_detection(small, det, category="t-shirt").detection.mask
    assert top is not None and (top[46:134, 59:61] > 0).mean() > 0.9
