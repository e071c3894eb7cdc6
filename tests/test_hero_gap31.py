"""A pale top keeping the floor in its sleeve-body gaps where the backdrop map takes its shadowed half for the floor
is flagged (h-gap31).

heldout28's train/longsleeve/80c77dd2: a cream turtleneck on grey-brown planks; dark wood stays in both sleeve-body
gaps (a wedge on the left, a thin strip on the right) of an unflagged hero. Over half of the garment lies within the
threshold of the border's lighter planks, so the bays, wedges, pockets and gap flags all stand down; the segmenter
gives the gaps 0.5-0.9 (not under h-side30's 0.2). Its doubt there, with the gaps' colour far from the sure fabric
round them and near the floor just outside the garment, flags the shot; nothing is cut.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from detection_support import stored_detection
from lookbook.photos.cleanup import clean_detection
from lookbook.photos.detect import Detection, backdrop_map, doubted_gap_on_backdrop_like_top

REASON = "a piece the segmenter doubts in a gap between a sleeve and the body"


def _80c77dd2() -> tuple[np.ndarray, Detection]:
    """heldout28 train/longsleeve/80c77dd2 (CC0, as decoded: 400 x 533) and the detector's own detection of it: its
    mask and the segmenter's probability (stored in 8 bits), at the working size (150 x 200)."""
    return stored_detection("gap31_80c77dd2", box=(0, 44, 400, 509), confidence=0.797, method="segmenter",
                            threshold=18.0, bg=[[37.56, 132.61, 130.0], [47.97, 130.42, 127.8],
                                                [58.62, 130.41, 128.16], [71.89, 128.85, 127.13]])


def test_the_floor_in_the_sleeve_gaps_of_a_backdrop_like_top_flags_the_shot() -> None:
    rgb, det = _80c77dd2()
    out = clean_detection(rgb, det, category="longsleeve")
    assert out.needs_review  # unflagged on main
    assert any(REASON in r for r in out.reasons)


def test_flag_only_the_cut_out_is_main_s() -> None:
    rgb, det = _80c77dd2()
    assert det.seg_prob is not None
    sure = replace(det, seg_prob=np.where(det.mask > 0, 1.0, det.seg_prob).astype(np.float32))
    flagged, plain = clean_detection(rgb, det, category="longsleeve"), clean_detection(rgb, sure, category="longsleeve")
    assert np.array_equal(flagged.detection.mask, plain.detection.mask)


def test_not_where_the_segmenter_is_sure_of_the_gaps() -> None:
    """The gaps' colour alone is a shadowed fold's: without the segmenter's doubt nothing is said."""
    rgb, det = _80c77dd2()
    assert det.seg_prob is not None
    sure = replace(det, seg_prob=np.where(det.mask > 0, 1.0, det.seg_prob).astype(np.float32))
    assert not any(REASON in r for r in clean_detection(rgb, sure, category="longsleeve").reasons)


def test_not_on_a_garment_the_backdrop_map_reads() -> None:
    """A dark gap the segmenter doubts in a top unlike the backdrop is the map-based gap rules' business."""
    small = np.full((200, 150, 3), (200, 200, 200), np.uint8)  # a light grey backdrop
    mask = np.zeros((200, 150), np.uint8)
    mask[30:180, 30:120] = 1
    small[mask > 0] = (170, 40, 40)  # a red top
    small[100:140, 45:49] = (190, 190, 190)  # a backdrop-coloured slit between a sleeve and the body
    prob = np.where(mask > 0, 1.0, 0.0).astype(np.float32)
    prob[100:140, 45:49] = 0.7
    assert not doubted_gap_on_backdrop_like_top(mask, small, prob, backdrop_map(small))


def test_a_box_a_person_set_is_not_second_guessed() -> None:
    rgb, det = _80c77dd2()
    assert not any(REASON in r for r in clean_detection(rgb, det, category="longsleeve", trim_box=False).reasons)


def test_only_tops_get_the_reason() -> None:
    rgb, det = _80c77dd2()
    assert not any(REASON in r for r in clean_detection(rgb, det, category="dress").reasons)
