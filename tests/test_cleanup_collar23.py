"""Hangers that reached a customer unflagged on heldout21 flag the shot (issue 12 §2, h-collar23).

A clip hanger's black jaws on mid-blue jeans (train/pants/c56cf310).

On mid-tone denim a waistband's shadow and pocket seams fall under clip_ends' absolute "dark" (L* 35) too: a jaw
touching them became one piece wider than a clip, so neither end held a clip and the hero went out with both clips.
"""

from __future__ import annotations

import cv2
import numpy as np

from lookbook.photos.cleanup import clip_ends, wide_at_top_edge

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


def _shirt(top: int, neck: int) -> np.ndarray:
    """Return the mask (200 x 150) of a shirt with sleeves 20..130, its shoulders from row ``top + 15`` and a slab
    ``2 * neck`` px wide over the middle from row ``top`` (a hanger's neck piece with a light panel behind it)."""
    mask = np.zeros((200, 150), np.uint8)
    cv2.rectangle(mask, (20, top + 15), (130, 190), 1, -1)
    cv2.rectangle(mask, (75 - neck, top), (75 + neck, top + 15), 1, -1)
    return mask


def test_a_slab_kept_across_the_frames_top_edge_flags_a_top() -> None:
    # heldout21's white shirt 62d2bb8a: white hanger and white crib panel kept, touching the edge 0.73 of the width.
    assert wide_at_top_edge(_shirt(0, 40))


def test_a_top_clear_of_the_edge_or_touching_it_narrowly_is_not_flagged() -> None:
    assert not wide_at_top_edge(_shirt(10, 40))  # the same slab, the frame's top 10 rows above it: hook_above's job
    assert not wide_at_top_edge(_shirt(0, 8))  # a hook or collar touching the edge narrowly: hook_off_frame's job
