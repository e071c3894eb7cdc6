"""Trousers hanging on a clothes rail are boxed without the rail (issue 12, section 2; h-box22).

Where the seeded GrabCut parts from the rectangle GrabCut, the rectangle's box is kept as the classical one and then
confirmed only itself: every segmenter box inside it counted as a part of the garment (a print). Both GrabCuts had
taken in the rail; the cheap colour pass, whose opening drops thin things, and the segmenter box the trousers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.pipeline_quality import iou
from lookbook.photos import segmenter
from lookbook.photos.detect import detect_garment
from lookbook.photos.imaging import load_photo
from photo_support import labelled_photo

GARMENT_BOXES = json.loads((Path(__file__).parent / "data" / "garment_boxes.json").read_text())["boxes"]


@pytest.mark.skipif(not segmenter.available(), reason="the segmenter's weights are not here")
def test_trousers_on_a_clothes_rail_are_boxed_without_the_rail() -> None:
    # heldout20 (tuning material since session 13): dark trousers hanging from a clothes rail, boxed with the rail
    # (IoU 0.35) on 4a5090b.
    key = "train/pants/a685a9b1-c4af-4302-be13-27ef25d178b5.jpg"
    dec = load_photo(labelled_photo(key))
    det = detect_garment(dec.rgb, scale=dec.scale)
    truth = GARMENT_BOXES[key]["box"]
    assert iou(det.box, truth) >= 0.9, (det.box, truth)
    assert det.method == "segmenter"
    assert det.needs_review  # no method but the cheap pass finds the box: still a person's look
