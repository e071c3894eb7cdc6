"""A strip of floor between two shoes that only the segmenter tells from shoe flags the shot (h-shoefloor24).

The colour rules (h-floor20's wedges, h-floor22's flag, h-floor23's closed strips) take a piece of the cut-out for
floor when it is the backdrop's colour. A warm tile strip between black trainers (heldout22 test/shoes/d3db25f4)
or the floor between two slides (heldout17 test/shoes/5d147b66) is not the border's colour, and stayed on the hero
unflagged; the segmenter's probability is low there. A narrow, tall piece of the cut-out it does not see as shoe,
shoe on both sides and nearer the floor beside the pair than the shoe in colour, flags the shot.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from lookbook.photos.cleanup import clean_detection
from lookbook.photos.detect import detect_garment, floor_strip_unseen

TILE = (226, 200, 174)
WALL = (120, 135, 160)  # what the border band sees: not the tile round the shoes
SHADED_TILE = (200, 172, 148)  # the tile in the gap, in the shoes' shade
BLACK = (30, 30, 34)
REASON = "a strip between the shoes the segmenter sees as floor (the floor may show between them)"


def _trainers(gap: tuple[int, int] = (57, 63), strip: tuple[int, int, int] = SHADED_TILE
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two black trainers on a tile (working scale, 200 x 120; a blue-grey wall in the border band, so the tile
    is not the backdrop's colour) with the tile showing between them in columns ``gap`` from row 45 to 135; the
    mask holds both and the gap. Returns (photo, mask, segmenter probability: sure on the trainers, low on the
    gap and outside)."""
    img = np.empty((200, 120, 3), np.uint8)
    img[:] = WALL
    img[12:188, 8:112] = TILE
    img[30:150, 25:95] = BLACK
    img[45:135, gap[0]:gap[1]] = strip
    mask = np.zeros((200, 120), np.uint8)
    mask[30:150, 25:95] = 1
    prob = np.zeros((200, 120), np.float32)
    prob[30:150, 25:95] = 0.98
    prob[45:135, gap[0]:gap[1]] = 0.2
    noise = np.random.default_rng(7).normal(0, 3, img.shape)
    return np.clip(img + noise, 0, 255).astype(np.uint8), mask, prob


def test_a_tile_strip_the_segmenter_leaves_out_is_found() -> None:
    small, mask, prob = _trainers()
    assert floor_strip_unseen(mask, small, prob)


def test_the_segmenter_sure_of_it_or_no_segmenter_finds_nothing() -> None:
    small, mask, prob = _trainers()
    assert not floor_strip_unseen(mask, small, np.where(mask > 0, 0.98, 0.0).astype(np.float32))
    assert not floor_strip_unseen(mask, small, None)


def test_an_insole_and_a_dark_gap_are_not_floor() -> None:
    """Wide, not a strip between two shoes: an insole the segmenter half sees; a gap the shoes' dark colour."""
    small, mask, prob = _trainers(gap=(35, 85))
    prob[45:135, 35:85] = 0.98
    prob[60:90, 35:85] = 0.2  # a 50 x 30 piece: wider than tall
    assert not floor_strip_unseen(mask, small, prob)
    small, mask, prob = _trainers(strip=(45, 42, 45))
    assert not floor_strip_unseen(mask, small, prob)


def test_the_cleanup_flags_shoes_with_the_strip() -> None:
    small, mask, prob = _trainers()
    det = replace(detect_garment(small, mode="cheap"), mask=mask * 255)
    old = clean_detection(small, det, category="shoes")
    assert REASON not in old.reasons  # without the segmenter's map (as before h-shoefloor24)
    new = clean_detection(small, replace(det, seg_prob=prob), category="shoes")
    assert new.needs_review and REASON in new.reasons
    assert new.detection.mask is not None and np.array_equal(new.detection.mask > 0, old.detection.mask > 0)
    # A person's own box is theirs: no flag.
    assert REASON not in clean_detection(small, replace(det, seg_prob=prob), category="shoes",
                                         trim_box=False).reasons
