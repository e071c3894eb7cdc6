"""The floor kept beside a top's body under a sleeve flags the shot (h-tops25).

heldout23 train/t-shirt/2fff27df: a charcoal t-shirt on a wood floor lit by a lamp; the mask keeps a bright
patch of the floor, glare and a plank seam, beside the right side of the body under the sleeve (hero verdict:
not clean, unflagged on main). The patch is far from the backdrop's border colours, so the bays, pockets and
strips never see it, but the outline runs through it with no edge across it (h-legs24's
``backdrop_at_outline``, read on bottoms only until now).
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from lookbook.photos.cleanup import clean_detection
from lookbook.photos.detect import Detection

DATA = Path(__file__).parent / "data"
REASON = "beside the body or a sleeve"


def _2fff27df() -> tuple[np.ndarray, Detection]:
    """The photo (CC0, as decoded: 400 x 533) and the detector's own detection of it on main."""
    rgb = cv2.cvtColor(cv2.imread(str(DATA / "tops25_2fff27df.jpg")), cv2.COLOR_BGR2RGB)
    mask = cv2.imread(str(DATA / "tops25_2fff27df_mask.png"), cv2.IMREAD_GRAYSCALE)
    bg = np.array([[63.88, 141.60, 156.17], [68.80, 139.09, 148.62], [77.12, 141.52, 162.67]], np.float32)
    det = Detection(box=(0, 93, 400, 499), confidence=1.0, mask=mask, mask_scale=0.375, method="cheap",
                    bg_colours=bg, threshold=20.0, hanger_hint=0.0, seg_inside=0.993)
    return rgb, det


def test_the_floor_under_a_t_shirts_sleeve_flags_the_shot() -> None:
    rgb, det = _2fff27df()
    tee = clean_detection(rgb, det, category="t-shirt")
    assert tee.needs_review  # unflagged on main
    assert any(REASON in r for r in tee.reasons)


def test_a_box_a_person_set_is_not_second_guessed() -> None:
    rgb, det = _2fff27df()
    kept = clean_detection(rgb, det, category="t-shirt", trim_box=False)
    assert not any(REASON in r for r in kept.reasons)


def test_only_tops_get_the_top_reason() -> None:
    """Dresses and coats were not measured: they keep main's flags."""
    rgb, det = _2fff27df()
    for category in ("dress", "outwear", None):
        assert not any(REASON in r for r in clean_detection(rgb, det, category=category).reasons)


def test_a_clean_cut_of_the_same_t_shirt_is_not_flagged_for_it() -> None:
    """The same photo with the floor patch taken off the mask (cut at the body's edge)."""
    rgb, det = _2fff27df()
    mask = det.mask.copy()
    mask[96:145, 130:] = 0  # the patch: right of the body's edge (column 130 of 150), under the sleeve
    tee = clean_detection(rgb, Detection(**{**det.__dict__, "mask": mask}), category="t-shirt")
    assert not any(REASON in r for r in tee.reasons)
