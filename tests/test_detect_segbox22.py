"""On shoes, a colour box that took in the floor under the pair gives way to the segmenter's box (h-segbox22).

The colour pass is sure of a box that takes in a patch of carpet beside and under a pair of black trainers
(heldout19 train/shoes/f7b209c5: box IoU 0.787 against the label); the learned segmenter's box lies within it and
holds the shoes alone. Told the photo is of shoes, the detector keeps the segmenter's box and mask, so the hero
loses the carpet; with no category (the app's renders before a tie) or another one, the box stays the colour
pass's (on a shirt the gap is a sleeve or a strap the segmenter left out).
"""

from __future__ import annotations

import json
from pathlib import Path

from lookbook.photos.detect import _box_iou, detect_garment
from lookbook.photos.imaging import load_photo
from lookbook.photos.pipeline import process_one
from lookbook.photos.presets import DEFAULT_PRESET
from photo_support import labelled_photo

CARPET = "train/shoes/f7b209c5-c0c1-4ff8-b643-0b0dbdd1d600.jpg"
BOXES = json.loads((Path(__file__).parent / "data" / "garment_boxes.json").read_text())["boxes"]


def _truth(key: str) -> tuple[int, int, int, int]:
    b = BOXES[key]
    return tuple(b["box"] if isinstance(b, dict) else b)  # type: ignore[return-value]


def test_shoes_boxed_with_the_carpet_take_the_segmenter_box() -> None:
    decoded = load_photo(labelled_photo(CARPET))
    before = detect_garment(decoded.rgb, scale=decoded.scale)
    assert before.method == "cheap" and _box_iou(before.box, _truth(CARPET)) < 0.8
    det = detect_garment(decoded.rgb, scale=decoded.scale, category="shoes")
    assert det.method == "segmenter"
    assert _box_iou(det.box, _truth(CARPET)) > 0.95
    # The carpet under the pair is out of the mask: its area shrinks by more than the box's.
    assert (det.mask > 0).sum() < 0.9 * (before.mask > 0).sum()
    # Other categories keep the colour box.
    assert detect_garment(decoded.rgb, scale=decoded.scale, category="shirt").box == before.box


def test_the_pipeline_boxes_shoes_by_their_category() -> None:
    # The app's pipeline hands the product's category to the detector as to the cleanup; untied, the box is the old.
    path = labelled_photo(CARPET)
    tied = process_one(path, None, DEFAULT_PRESET, cleanup_category="shoes")
    assert _box_iou(tied.garment_box, _truth(CARPET)) > 0.95
    assert _box_iou(process_one(path, None, DEFAULT_PRESET).garment_box, _truth(CARPET)) < 0.8
