"""A clip hanger's black jaws on mid-blue jeans flag the shot (issue 12 §2, h-collar23: heldout21's c56cf310).

On mid-tone denim a waistband's shadow and pocket seams fall under clip_ends' absolute "dark" (L* 35) too: a jaw
touching them became one piece wider than a clip, so neither end held a clip and the hero went out with both clips.
"""

from __future__ import annotations

import cv2
import numpy as np

from lookbook.photos.cleanup import clip_ends

DENIM = (110, 130, 165)  # mid-blue jeans: L* about 53
SHADOW = (72, 74, 80)  # the waistband's shadow along its top: L* about 31, neutral (under L* 35, over L* 20)
JAW = (12, 12, 12)  # a black clip's jaws
WALL = (235, 232, 228)


def _jeans(clips: tuple[int, ...] = (14, 124), shadow: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Return (photo at the mask's size, mask) of mid-blue jeans 150 x 200 with black jaws at the given columns."""
    img = np.full((200, 150, 3), WALL, np.uint8)
    mask = np.zeros((200, 150), np.uint8)
    legs = np.array([[12, 12], [138, 12], [140, 195], [84, 195], [75, 90], [66, 195], [10, 195]], np.int32)
    cv2.fillPoly(mask, [legs], 1)
    img[mask > 0] = DENIM
    if shadow:  # a shadowed band along the waistband's top, from end to end
        band = np.zeros_like(mask)
        band[12:17] = 1
        img[(band > 0) & (mask > 0)] = SHADOW
    for x in clips:  # the jaws grip the waistband's top, standing a little above it
        cv2.rectangle(img, (x, 9), (x + 9, 22), JAW, -1)
        cv2.rectangle(mask, (x, 9), (x + 9, 22), 1, -1)
    return img, mask


def test_black_clips_joined_to_a_shadowed_waistband_are_clips() -> None:
    # The old rule read the shadow as dark too: jaws and band one piece as wide as the garment, no clip found.
    img, mask = _jeans()
    assert clip_ends(img, mask)


def test_shadowed_waistband_without_or_with_one_clip_is_not_clips() -> None:
    for clips in ((), (14,), (60, 75)):  # bare, one jaw, black pieces mid-waistband (a button, a label)
        img, mask = _jeans(clips)
        assert not clip_ends(img, mask), clips
