"""The floor kept in a top's sleeve-body gap flags the shot (h-gapfloor26).

heldout24 train/longsleeve/9ab72282: a white longsleeve on grey wood planks; the mask keeps a tall wedge of the
floor in the left sleeve-body gap, joined by one- and two-pixel threads to the floor kept above the sleeve and
along its outer edge, so the wedge rule (h-tops25) sees one wide piece that is not flanked. heldout23
train/longsleeve/d164ed7b: a mustard jumper on pale planks; the mask keeps a plank strip in the right sleeve-body
gap that runs on below the hem to the photo's edge, with no garment beside it there (outline run 7, no wedge).
Both heroes were judged not clean and went out unflagged on main.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from lookbook.photos.cleanup import clean_detection
from lookbook.photos.detect import Detection

DATA = Path(__file__).parent / "data"
REASON = "in a gap between a sleeve and the body"


def _photo(name: str) -> tuple[np.ndarray, Detection]:
    """The photo (CC0, as decoded) and the detector's own detection of it on main."""
    rgb = cv2.cvtColor(cv2.imread(str(DATA / f"gapfloor26_{name}.jpg")), cv2.COLOR_BGR2RGB)
    mask = cv2.imread(str(DATA / f"gapfloor26_{name}_mask.png"), cv2.IMREAD_GRAYSCALE)
    if name == "9ab72282":
        bg = np.array([[43.61, 129.23, 135.70], [51.32, 128.86, 135.79], [63.05, 128.72, 134.34],
                       [75.18, 128.84, 133.00]], np.float32)
        return rgb, Detection(box=(0, 137, 381, 468), confidence=0.714, mask=mask, mask_scale=0.375,
                              method="segmenter", bg_colours=bg, threshold=13.0, hanger_hint=0.0, seg_inside=1.0)
    bg = np.array([[19.76, 130.08, 113.02], [66.23, 128.70, 144.27], [77.54, 132.04, 150.58],
                   [88.62, 127.16, 141.86], [112.26, 128.00, 125.79]], np.float32)
    return rgb, Detection(box=(94, 69, 446, 400), confidence=0.976, mask=mask, mask_scale=0.37523452157598497,
                          method="segmenter", bg_colours=bg, threshold=14.5, hanger_hint=0.0, seg_inside=1.0)


def test_the_floor_wedge_in_a_sleeve_gap_flags_the_shot() -> None:
    rgb, det = _photo("9ab72282")
    top = clean_detection(rgb, det, category="longsleeve")
    assert top.needs_review  # unflagged on main
    assert any(REASON in r for r in top.reasons)


def test_the_plank_strip_running_below_the_hem_is_no_longer_left_to_the_flag() -> None:
    """Flagged here until h-gapcut27, which cuts it (tests/test_hero_gapcut27.py)."""
    rgb, det = _photo("d164ed7b")
    top = clean_detection(rgb, det, category="longsleeve")
    assert not any(REASON in r for r in top.reasons)


def test_a_box_a_person_set_is_not_second_guessed() -> None:
    rgb, det = _photo("d164ed7b")
    assert not any(REASON in r for r in clean_detection(rgb, det, category="longsleeve", trim_box=False).reasons)


def test_only_tops_get_the_gap_reason() -> None:
    """Dresses, coats and bottoms were not measured: they keep main's flags."""
    rgb, det = _photo("9ab72282")
    for category in ("dress", "outwear", "trousers", None):
        assert not any(REASON in r for r in clean_detection(rgb, det, category=category).reasons)


def test_the_same_jumper_without_the_strip_is_not_flagged_for_it() -> None:
    """The strip taken off the mask (columns 136-152 of 200 from row 73 down) leaves nothing to flag."""
    rgb, det = _photo("d164ed7b")
    mask = det.mask.copy()
    mask[73:, 136:153] = 0
    top = clean_detection(rgb, Detection(**{**det.__dict__, "mask": mask}), category="longsleeve")
    assert not any(REASON in r for r in top.reasons)
