"""A sleeve the segmenter loses on a busy bed is back in the box (issue 12, section 2; h-box22).

U²-Netp takes a sleeve whose colour is near the bed's for the bed: its box stops at the body, while the colour
pass and the rectangle GrabCut both reach the sleeve's end. The box's left and right move out to where those two
agree; the top and bottom never do (above a hung garment both take in the hanger)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bench.pipeline_quality import iou
from lookbook.photos import segmenter
from lookbook.photos.detect import _reach_out, _with_sleeves, detect_garment
from lookbook.photos.imaging import load_photo
from photo_support import labelled_photo

GARMENT_BOXES = json.loads((Path(__file__).parent / "data" / "garment_boxes.json").read_text())["boxes"]
# heldout20 photos (tuning material since session 13), both flagged: a grey sweater on a red sheet boxed without
# its arms (IoU 0.50 before), a raglan T-shirt whose dark sleeves the segmenter left on a dark floor (0.64).
LOST_SLEEVES = ["train/longsleeve/34c466b5-ad3e-431e-9fb3-6326fd4b1940.jpg",
                "train/t-shirt/8eb3e51e-df75-43a5-be62-08e635a20edc.jpg"]


@pytest.mark.skipif(not segmenter.available(), reason="the segmenter's weights are not here")
@pytest.mark.parametrize("key", LOST_SLEEVES)
def test_a_sleeve_the_segmenter_lost_is_back_in_the_box_and_the_cut_out(key: str) -> None:
    dec = load_photo(labelled_photo(key))
    det = detect_garment(dec.rgb, scale=dec.scale)
    truth = GARMENT_BOXES[key]["box"]
    assert iou(det.box, truth) >= 0.9, (det.box, truth)
    # The sleeves are in the cut-out too, not only in the box: the mask reaches within 3 % of the box's sides.
    cols = np.flatnonzero((det.mask > 127).any(axis=0)) / det.mask_scale
    width = det.box[2] - det.box[0]
    assert cols[0] - det.box[0] <= 0.03 * width and det.box[2] - cols[-1] <= 0.03 * width + 1 / det.mask_scale
    assert det.needs_review  # still a guess a person checks: the flag is decided before


def test_reach_out_moves_left_and_right_only_where_both_colour_methods_agree() -> None:
    seg = (50, 40, 150, 160)
    # Both reach 20 px further left, within 3 px of each other: the left moves to the nearer.
    assert _reach_out(seg, (30, 40, 150, 160), (33, 41, 151, 160)) == (33, 40, 150, 160)
    # Only one of them reaches out (a rug, a rail, a pillow): nothing moves.
    assert _reach_out(seg, (30, 40, 150, 160), (49, 41, 151, 160)) == seg
    # They part by more than REACH_AGREE_PX: nothing moves.
    assert _reach_out(seg, (20, 40, 150, 160), (33, 41, 151, 160)) == seg
    # Both reach 3 px further only: too little to be a sleeve.
    assert _reach_out(seg, (47, 40, 150, 160), (47, 41, 151, 160)) == seg
    # Both reach above and below (a hanger, a shadow): top and bottom stay.
    assert _reach_out(seg, (50, 10, 150, 190), (50, 12, 150, 188)) == seg
    # Right side too.
    assert _reach_out(seg, (50, 40, 175, 160), (50, 40, 178, 160)) == (50, 40, 175, 160)


def test_with_sleeves_joins_a_piece_of_the_garments_hue_and_refuses_another() -> None:
    small = np.full((60, 80, 3), (200, 60, 60), np.uint8)  # a red sheet
    small[10:50, 30:50] = (120, 120, 125)  # a grey body
    small[15:25, 10:30] = (70, 70, 75)  # its sleeve, darker grey in a fold's shadow
    seg = np.zeros((60, 80), np.uint8)
    seg[10:50, 30:50] = 1  # the segmenter holds the body only
    colour = seg.copy()
    colour[15:25, 10:30] = 1  # the colour pass holds the sleeve too
    grown = _with_sleeves(seg, colour, (30, 10, 50, 50), (10, 10, 50, 50), small)
    assert grown is not None and grown[15:25, 10:30].all() and grown[10:50, 30:50].all()
    small[15:25, 10:30] = (230, 230, 120)  # a yellow strip of wall instead: another hue
    assert _with_sleeves(seg, colour, (30, 10, 50, 50), (10, 10, 50, 50), small) is None


def test_with_sleeves_refuses_a_strip_of_patterned_rug_beside_a_plain_garment() -> None:
    # h-sleeves23: heldout11 train/shirt/243d1b0c (a CONFIRMATION photo, where this guard was found): both colour
    # methods ran a few px past a plain mauve shirt's side into a cream rug with a woven pattern; cream and mauve are
    # both near grey, so the chroma test let the strip in and it showed in the hero.
    rng = np.random.default_rng(23)
    small = np.full((60, 80, 3), 150, np.uint8)
    weave = rng.integers(150, 240, size=(60, 80), dtype=np.uint8)  # a pale rug's busy weave, grey as the shirt
    small[...] = weave[..., None]
    small[10:50, 30:50] = (110, 106, 112)  # the plain body
    seg = np.zeros((60, 80), np.uint8)
    seg[10:50, 30:50] = 1
    colour = seg.copy()
    colour[20:45, 18:30] = 1  # a strip of rug along the body's side, held by both colour methods
    assert _with_sleeves(seg, colour, (30, 10, 50, 50), (18, 10, 50, 50), small) is None
    # The same strip in the shirt's own cloth (as plain as the body, a shade darker in a fold) is a sleeve: joined.
    small[20:45, 18:30] = (90, 86, 92)
    grown = _with_sleeves(seg, colour, (30, 10, 50, 50), (18, 10, 50, 50), small)
    assert grown is not None and grown[20:45, 18:30].all()
