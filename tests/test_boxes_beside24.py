"""A colour box one side wider than the segmenter's, by a strip unlike the garment, takes the segmenter's box and is
flagged (issue 12, section 2; h-box24).

The cheap colour pass keeps whatever is unlike the border: a lit patch of wood floor beside black leggings joined
their mask and carried the box's right side out (heldout22 train/pants/aaece34a: IoU 0.685, the one box under 0.7
that split left unflagged). The rectangle GrabCut took in the same patch, so the flag saw two methods agree. The
segmenter stopped at the leggings on three sides and left the patch out on the fourth: its box is the leggings'.
The cut-out keeps the colour mask (the floor beside leggings is another branch's, h-legs24)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bench.pipeline_quality import iou
from lookbook.photos import segmenter
from lookbook.photos.detect import _beside_one_side, detect_garment
from lookbook.photos.imaging import load_photo
from photo_support import labelled_photo

GARMENT_BOXES = json.loads((Path(__file__).parent / "data" / "garment_boxes.json").read_text())["boxes"]


@pytest.mark.skipif(not segmenter.available(), reason="the segmenter's weights are not here")
def test_leggings_boxed_with_the_lit_floor_beside_them_take_the_segmenters_box_and_are_flagged() -> None:
    key = "train/pants/aaece34a-d076-45ab-84b9-78519297ce5a.jpg"
    dec = load_photo(labelled_photo(key))
    det = detect_garment(dec.rgb, scale=dec.scale, category="pants")
    assert iou(det.box, GARMENT_BOXES[key]["box"]) >= 0.95, det.box  # 0.685 on 0d31fdb, the floor patch boxed
    assert det.needs_review  # a box moved on the segmenter's word alone is still a person's look (unflagged before)
    # The cut-out is left as it was: the colour mask, floor patch and all, reaches past the new box's right side.
    cols = np.flatnonzero((det.mask > 127).any(axis=0)) / det.mask_scale
    assert cols[-1] > det.box[2] + 20


@pytest.mark.skipif(not segmenter.available(), reason="the segmenter's weights are not here")
def test_a_sleeve_the_segmenter_lost_on_one_side_raises_no_flag() -> None:
    # heldout6: a grey sweater on a red bed; the segmenter left out its right sleeve on one side just as above, but
    # the strip it left is the sweater's own cloth, and the colour box is right (IoU 0.97).
    key = "train/longsleeve/85e0ef8c-3088-4b90-9dd5-fea0f50e9234.jpg"
    dec = load_photo(labelled_photo(key))
    det = detect_garment(dec.rgb, scale=dec.scale, category="longsleeve")
    assert iou(det.box, GARMENT_BOXES[key]["box"]) >= 0.95
    assert not det.needs_review


def _scene(strip_rgb: tuple[int, int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A dark garment (columns 40-99) on a mid-grey floor, a strip (100-129) of ``strip_rgb`` beside it."""
    small = np.full((160, 160, 3), 128, np.uint8)
    small[20:140, 40:100] = (20, 20, 25)
    small[20:140, 100:130] = strip_rgb
    seg = np.zeros((160, 160), np.uint8)
    seg[20:140, 40:100] = 1
    mask = np.zeros((160, 160), np.uint8)
    mask[20:140, 40:130] = 1
    return small, seg, mask


def test_beside_one_side_needs_a_strip_unlike_the_garment_on_one_side_only() -> None:
    colour_box, seg_box = (40, 20, 130, 140), (40, 20, 100, 140)
    small, seg, mask = _scene((220, 160, 90))  # a lit wood floor
    assert _beside_one_side(seg, mask, seg_box, colour_box, small)
    small, seg, mask = _scene((24, 22, 28))  # the garment's own cloth: a sleeve the segmenter lost
    assert not _beside_one_side(seg, mask, seg_box, colour_box, small)
    small, seg, mask = _scene((220, 160, 90))
    # Inside on two sides: the segmenter found a part (a print), not the garment without what lies beside it.
    assert not _beside_one_side(seg, mask, (40, 30, 100, 140), colour_box, small)
    # Inside by too little to matter.
    assert not _beside_one_side(seg, mask, (40, 20, 125, 140), colour_box, small)
