"""A sleeve tinted toward a strongly coloured sheet is still the garment's (issue 12, section 2; h-box30).

The segmenter loses a sleeve on a red sheet; the colour pass and the rectangle GrabCut both reach its end, and
:func:`lookbook.photos.detect._with_sleeves` joins it unless its hue parts from the body's by over ``REACH_CHROMA``.
On a red sheet a purple or striped sleeve's thin edge pixels and the light the sheet throws back pull its hue
toward the sheet's, a little past that bar. Up to ``REACH_TINTED`` the pieces still count as the sleeve where
their hue lies nearer the body's than any of the backdrop's border colours; a strip of the backdrop itself (a door,
a wall) lies on one of those colours and stays out."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from bench.pipeline_quality import iou
from lookbook.photos import segmenter
from lookbook.photos.detect import _with_sleeves, detect_garment
from lookbook.photos.imaging import load_photo
from photo_support import labelled_photo

GARMENT_BOXES = json.loads((Path(__file__).parent / "data" / "garment_boxes.json").read_text())["boxes"]
# heldout27 and heldout21 photos (tuning material now), both flagged: a purple hoodie and a navy striped top on red
# sheets, each boxed without its left or right sleeve (IoU 0.767 and 0.737 on main; pieces 6.7 and 7.3 from the
# body's hue, 23.1 and 14.4 from the nearest border colour).
TINTED_SLEEVES = ["train/longsleeve/7eb185de-28ed-45bc-9696-47b0a70e9066.jpg",
                  "train/longsleeve/c7cd0ac8-cd00-43af-a6fa-de1e177ffd32.jpg"]


@pytest.mark.skipif(not segmenter.available(), reason="the segmenter's weights are not here")
@pytest.mark.parametrize("key", TINTED_SLEEVES)
def test_a_sleeve_tinted_by_a_red_sheet_is_back_in_the_box(key: str) -> None:
    dec = load_photo(labelled_photo(key))
    det = detect_garment(dec.rgb, scale=dec.scale, category="longsleeve")
    truth = GARMENT_BOXES[key]["box"]
    assert iou(det.box, truth) >= 0.85, (det.box, truth)
    assert det.needs_review  # the sleeve is still a guess a person checks: the flag is decided before


def _lab_colour(rgb: tuple[int, int, int]) -> np.ndarray:
    """Return one colour in the detector's border-colour units (Lab, lightness halved)."""
    lab = cv2.cvtColor(np.array([[rgb]], np.uint8), cv2.COLOR_RGB2LAB)[0, 0].astype(np.float32)
    lab[0] *= 0.5
    return lab


def _scene(sleeve: tuple[int, int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A purple body on a red sheet, with a piece beside it that the colour pass holds and the segmenter does not."""
    small = np.full((60, 80, 3), (200, 40, 50), np.uint8)  # the red sheet
    small[10:50, 30:50] = (110, 70, 110)  # the purple body
    small[15:25, 10:30] = sleeve
    seg = np.zeros((60, 80), np.uint8)
    seg[10:50, 30:50] = 1
    colour = seg.copy()
    colour[15:25, 10:30] = 1
    return small, seg, colour


def test_with_sleeves_joins_a_piece_tinted_toward_the_sheet_only_with_the_border_colours() -> None:
    tinted = (118, 65, 98)  # the body's purple pulled toward the sheet's red: a hue gap of about 8
    small, seg, colour = _scene(tinted)
    ab = cv2.cvtColor(small, cv2.COLOR_RGB2LAB)[..., 1:].astype(np.float32)
    gap = float(np.hypot(*(ab[20, 20] - ab[30, 40])))
    assert 6.5 < gap < 9.0, gap  # past REACH_CHROMA, within REACH_TINTED
    border = np.array([_lab_colour((200, 40, 50))])
    grown = _with_sleeves(seg, colour, (30, 10, 50, 50), (10, 10, 50, 50), small, border)
    assert grown is not None and grown[15:25, 10:30].all() and grown[10:50, 30:50].all()
    # Without the border colours nothing says which way the hue drifted: the old bar holds.
    assert _with_sleeves(seg, colour, (30, 10, 50, 50), (10, 10, 50, 50), small) is None


def test_with_sleeves_refuses_a_piece_of_a_border_colour_as_far_from_the_body() -> None:
    # A strip of a backdrop whose own colour the border holds (a door, a wall), as far in hue from the body as the
    # tinted sleeve above: it lies on a border colour, so it is the backdrop.
    strip = (118, 65, 98)
    small, seg, colour = _scene(strip)
    border = np.array([_lab_colour((200, 40, 50)), _lab_colour(strip)])
    assert _with_sleeves(seg, colour, (30, 10, 50, 50), (10, 10, 50, 50), small, border) is None
