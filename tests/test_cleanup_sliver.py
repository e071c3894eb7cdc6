"""A silhouette whose top lies on the photo's last rows does not crash the clip and bar rules.

h-tidy32 found that :func:`dark_bar_on_top` and :func:`grey_clips_at_ends` read rows under the silhouette's top
without looking where the mask ends: a sliver of 50 or more pixels on the last one or two rows (a garment's edge
left at the bottom of the frame) raised IndexError, and the cleanup with it, for a bottom. They now read only the
rows there are.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from detection_support import stored_detection
from lookbook.photos.cleanup import clean_detection, dark_bar_on_top, grey_clips_at_ends


def _sliver(rows: int) -> tuple[np.ndarray, np.ndarray]:
    """A grey photo (200 x 200) with a 120 px wide mask on its last ``rows`` rows, dark and neutral there."""
    rgb = np.full((200, 200, 3), 180, np.uint8)
    mask = np.zeros((200, 200), np.uint8)
    mask[200 - rows:, 40:160] = 1
    rgb[200 - rows:, 40:160] = 25
    return rgb, mask


@pytest.mark.parametrize("rows", [1, 2])
def test_the_bar_and_clip_rules_read_only_the_rows_there_are(rows: int) -> None:
    rgb, mask = _sliver(rows)
    assert dark_bar_on_top(rgb, mask) is False  # nothing under the bar to be fabric
    assert grey_clips_at_ends(rgb, mask) is False


def test_a_bottom_cut_to_a_sliver_on_the_last_rows_is_cleaned_without_an_error() -> None:
    rgb, det = stored_detection("tape32_0add1694", box=(16, 88, 390, 454), confidence=1.0, method="cheap",
                                seg_inside=0.993, bg=[[25.82, 159.22, 136.2], [33.83, 165.84, 137.24],
                                                      [44.06, 172.64, 137.79]])
    mask = np.zeros_like(det.mask)
    mask[-2:, 20:-20] = 255
    out = clean_detection(rgb, replace(det, mask=mask), category="pants")
    assert out.detection.mask.shape == mask.shape
