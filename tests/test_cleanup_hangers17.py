"""A clip hanger's black jaws on dark jeans flag the shot (issue 12 §2, h-hangers17: heldout16's 4c9dc9d8)."""

from __future__ import annotations

import cv2
import numpy as np

from lookbook.photos.cleanup import clip_ends

DENIM = (52, 60, 80)  # dark blue denim: L* about 25, chroma under 15, so under clip_ends' absolute "dark" too
JAW = (12, 12, 12)  # a black clip's jaws
WALL = (235, 232, 228)


def _dark_jeans(clips: tuple[int, ...] = (20, 120)) -> tuple[np.ndarray, np.ndarray]:
    """Return (photo at the mask's size, mask) of dark jeans 150 x 200 with black jaws at the given columns."""
    img = np.full((200, 150, 3), WALL, np.uint8)
    mask = np.zeros((200, 150), np.uint8)
    legs = np.array([[18, 12], [132, 12], [136, 195], [84, 195], [75, 90], [66, 195], [14, 195]], np.int32)
    cv2.fillPoly(mask, [legs], 1)
    img[mask > 0] = DENIM
    for x in clips:  # the jaws grip the waistband's top, standing a little above it
        cv2.rectangle(img, (x, 9), (x + 9, 17), JAW, -1)
        cv2.rectangle(mask, (x, 9), (x + 9, 17), 1, -1)
    return img, mask


def test_black_clips_on_dark_jeans_are_clips() -> None:
    # The old rule read every pixel under L* 35 as dark: the denim too, so the jaws merged with the waistband into
    # one piece as wide as the garment and no clip was found.
    img, mask = _dark_jeans()
    assert clip_ends(img, mask)


def test_dark_jeans_without_or_with_one_clip_are_not_clips() -> None:
    for clips in ((), (20,), (60, 75)):  # bare, one jaw, dark pieces mid-waistband (a button, a label)
        img, mask = _dark_jeans(clips)
        assert not clip_ends(img, mask), clips
