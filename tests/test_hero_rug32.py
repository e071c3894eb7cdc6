"""The carpet the segmenter doubts in a top's sleeve-body gaps is cut in pieces from 20 px, not h-side30's 60 (h-rug32).

heldout31's train/longsleeve/90ccc52e: a navy fleece jacket laid on a grey-beige shag carpet; the unflagged hero kept
the carpet in both gaps between the sleeves and the body (about 25 x 110 and 15 x 110 px of the hero). The carpet is
near the backdrop's border colours but the shag's texture leaves it in the cut-out; the segmenter gives it under 0.2,
in pieces of 51 and 59 working px in the right gap and 18, 25 and 31 in the left, all under h-side30's old 60 px floor.
"""

from __future__ import annotations

import numpy as np

from detection_support import stored_detection
from lookbook.photos.cleanup import clean_detection
from lookbook.photos.detect import SIDE_MIN_PX, Detection

#: The two sleeve-body gaps at the working size (150 x 200): rows and columns round each.
LEFT_GAP = (slice(95, 150), slice(15, 35))
RIGHT_GAP = (slice(95, 150), slice(110, 132))


def _90ccc52e() -> tuple[np.ndarray, Detection]:
    """heldout31 train/longsleeve/90ccc52e (CC0, as decoded: 400 x 533) and the detector's own detection of it: its
    mask and the segmenter's probability (stored in 8 bits), at the working size (150 x 200)."""
    return stored_detection("rug32_90ccc52e", box=(8, 85, 392, 390), confidence=1.0, method="cheap",
                            seg_inside=0.976,
                            bg=[[92.82, 127.15, 135.57], [101.71, 126.76, 132.71], [107.21, 126.72, 131.22],
                                [111.95, 126.88, 130.08]])


def _doubted_kept(kept: np.ndarray, prob: np.ndarray) -> tuple[int, int]:
    """The doubted pixels kept in the left and the right gap."""
    left, right = ((kept[gap] & (prob[gap] < 0.2)).sum() for gap in (LEFT_GAP, RIGHT_GAP))
    return int(left), int(right)


def test_the_cleanup_cuts_the_carpet_in_the_sleeve_gaps() -> None:
    rgb, det = _90ccc52e()
    assert det.seg_prob is not None
    out = clean_detection(rgb, det, category="longsleeve")
    kept = out.detection.mask > 0
    # main kept 129 and 120 doubted working px in the left and right gaps; the cut leaves 63 (the 18 px piece and
    # the soft rims) and 11
    left, right = _doubted_kept(kept, det.seg_prob)
    assert left < 80
    assert right < 30
    assert kept.sum() > 0.97 * (det.mask > 0).sum()  # the jacket itself stays whole
    assert not out.needs_review  # cut, not flagged


def test_the_floor_is_twenty_px() -> None:
    """Under 20 working px a doubted piece is a rim along the outline: not worth the risk of a cut."""
    assert SIDE_MIN_PX == 20
