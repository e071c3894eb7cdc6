"""Clip hanger jaws at the ends of a waistband narrower than the legs below it (h-legs25).

heldout23's jeans ``a88db2dc`` kept both black clips of a clip hanger on the ends of their waistband, unflagged: the
legs splay wider than the waistband, so the left clip sits 0.16 of the garment's width in from its side, past
``CLIP_OUTER`` (0.15), and :func:`clip_ends` read nothing. Against the waistband's own widest top row the clips sit
0.08 and 0.92 across.
"""

import numpy as np

from lookbook.photos.cleanup import clip_ends

NAVY = (35, 40, 62)  # dark denim: L* about 17, blue enough (chroma > 15) not to count as a dark neutral
BLACK = (6, 6, 6)


def _jeans(clips: bool, clip_px: int = 6) -> tuple[np.ndarray, np.ndarray]:
    """Return a photo and mask of dark jeans whose legs (x 10-135) splay past their waistband (x 30-122)."""
    img = np.full((200, 150, 3), 230, np.uint8)
    mask = np.zeros((200, 150), np.uint8)
    mask[10:40, 30:123] = 1
    for y in range(40, 190):
        # Legs widening from the waistband's width to x 10-135 at the hem.
        t = (y - 40) / 150.0
        mask[y, int(30 - 20 * t):int(123 + 13 * t)] = 1
    img[mask > 0] = NAVY
    if clips:
        img[10:10 + clip_px, 31:31 + clip_px] = BLACK
        img[12:12 + clip_px, 115:115 + clip_px] = BLACK
    return img, mask


def test_clips_on_a_narrow_waistband_are_found() -> None:
    img, mask = _jeans(clips=True)
    assert clip_ends(img, mask)


def test_bare_waistband_and_tiny_dark_marks_are_not_clips() -> None:
    img, mask = _jeans(clips=False)
    assert not clip_ends(img, mask)
    # Rivets or belt-loop shadows of 9 px: under CLIP_WAIST_AREA.
    img, mask = _jeans(clips=True, clip_px=3)
    assert not clip_ends(img, mask)
