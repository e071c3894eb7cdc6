"""The floor in a top's sleeve-body gap is cut out of the hero where it is sure to be floor (h-gapcut27).

Same photos as tests/test_hero_gapfloor26.py (CC0, with the detector's own detections). heldout23
train/longsleeve/d164ed7b: a mustard jumper on pale planks, the mask keeping a plank strip in the right sleeve-body
gap that runs on below the hem to the photo's edge; h-gapfloor26 flagged it, the customer still got the strip. It is
a gap open to the floor at its end and the floor's colour: cut. heldout24 train/longsleeve/9ab72282: a white
longsleeve on grey wood; its floor wedge's opened piece runs on into a shadowed fold across the sleeve, as dark as
the floor, with sleeve above and below it: a cut would take the fold, so it stays flagged and nothing is cut.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from lookbook.photos import cleanup
from lookbook.photos.cleanup import clean_detection
from lookbook.photos.detect import Detection, backdrop_map, cut_floor_in_sleeve_gap
from test_hero_gapfloor26 import REASON, _photo

#: The strip in d164ed7b's mask: columns 136-152, rows 73 down (1187 mask pixels, 801 of them plank).
STRIP = (slice(73, None), slice(136, 153))


def test_the_plank_strip_in_the_sleeve_gap_is_cut_and_not_flagged() -> None:
    rgb, det = _photo("d164ed7b")
    top = clean_detection(rgb, det, category="longsleeve")
    before, after = det.mask > 0, top.detection.mask > 0
    lost = before & ~after
    assert int(lost[STRIP].sum()) >= 750  # 2 on main: the strip went out with the hero
    assert int(lost.sum()) - int(lost[STRIP].sum()) <= 10  # nothing else of the jumper goes
    assert not (after & ~before).any()
    assert not top.needs_review


def test_the_cut_keeps_the_jumper_beside_the_strip() -> None:
    """The sleeve left of the strip and the body right of it stay whole (the cut is the plank strip's colour)."""
    rgb, det = _photo("d164ed7b")
    after = clean_detection(rgb, det, category="longsleeve").detection.mask > 0
    before = det.mask > 0
    for rows, cols in ((slice(73, 120), slice(110, 134)), (slice(73, 120), slice(155, 175))):
        assert int((before & ~after)[rows, cols].sum()) == 0


def test_a_gap_closed_above_and_below_by_the_sleeve_stays_flagged_uncut() -> None:
    rgb, det = _photo("9ab72282")
    top = clean_detection(rgb, det, category="longsleeve")
    assert top.needs_review and any(REASON in r for r in top.reasons)
    small_mask = (det.mask > 0).astype(np.uint8)
    h, w = small_mask.shape
    small = cv2.resize(rgb, (w, h), interpolation=cv2.INTER_AREA)
    assert np.array_equal(cut_floor_in_sleeve_gap(small_mask, small, backdrop_map(small)), small_mask)


def test_a_box_a_person_set_is_cut_too_but_not_flagged() -> None:
    """The cut is cleanup, not a second guess at the box: it runs on any box; the flag only on automatic ones."""
    rgb, det = _photo("d164ed7b")
    top = clean_detection(rgb, det, category="longsleeve", trim_box=False)
    assert int(((det.mask > 0) & ~(top.detection.mask > 0))[STRIP].sum()) >= 750


def test_only_tops_are_cut() -> None:
    rgb, det = _photo("d164ed7b")
    for category in ("dress", "outwear", "trousers", None):
        top = clean_detection(rgb, Detection(**det.__dict__), category=category)
        assert int(((det.mask > 0) & ~(top.detection.mask > 0))[STRIP].sum()) < 750


def test_the_outline_flag_reads_the_mask_before_the_gap_cut(monkeypatch: pytest.MonkeyPatch) -> None:
    """A cut must not take away the evidence another flag of main's read: the outline check sees the strip."""
    rgb, det = _photo("d164ed7b")
    seen: list[np.ndarray] = []
    real = cleanup.backdrop_at_outline

    def spy(mask: np.ndarray, *args: object, **kwargs: object) -> bool:
        seen.append(mask.copy())
        return real(mask, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(cleanup, "backdrop_at_outline", spy)
    top = clean_detection(rgb, det, category="longsleeve")
    assert seen and int((seen[0] > 0)[STRIP].sum()) > int((top.detection.mask > 0)[STRIP].sum()) + 750
