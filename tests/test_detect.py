"""The garment detector: boxes close to the hand-labelled truth, deterministic, sane on synthetic input."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from bench.pipeline_quality import iou
from lookbook.photos.detect import detect_garment
from lookbook.photos.imaging import load_photo
from photo_support import labelled_photo

TRUTH = json.loads((Path(__file__).parent / "data" / "truth_boxes.json").read_text())["boxes"]
# A few labelled photos across kinds: hanging on a wall, flat on a bed, a pair of shoes.
SAMPLE = [k for k in sorted(TRUTH) if k.split("/")[0] in {"shirt", "outwear", "shoes", "longsleeve"}][::4]


@pytest.mark.parametrize("key", SAMPLE)
def test_box_matches_hand_label(key: str) -> None:
    dec = load_photo(labelled_photo(f"test/{key}"))
    det = detect_garment(dec.rgb, scale=dec.scale)
    assert iou(det.box, TRUTH[key]) >= 0.85, (det.box, TRUTH[key])


def test_deterministic_and_scaled_back() -> None:
    key = SAMPLE[0]
    a = load_photo(labelled_photo(f"test/{key}"))
    first = detect_garment(a.rgb, scale=a.scale)
    again = detect_garment(a.rgb.copy(), scale=a.scale)
    assert first.box == again.box and first.confidence == again.confidence
    assert np.array_equal(first.mask, again.mask)
    # A reduced decode gives a box in the same (original) pixel coordinates.
    half = load_photo(labelled_photo(f"test/{key}"), min_side=200)
    assert half.scale < 1.0
    assert iou(detect_garment(half.rgb, scale=half.scale).box, first.box) > 0.93


def test_synthetic_garment_on_plain_wall() -> None:
    img = np.full((300, 240, 3), (235, 230, 220), np.uint8)
    img[60:250, 50:190] = (30, 60, 140)  # a navy "shirt"
    img[20:60, 118:122] = (20, 20, 20)  # a thin hanger hook above it
    det = detect_garment(img)
    assert iou(det.box, (50, 60, 190, 250)) > 0.95
    assert 0.0 <= det.confidence <= 1.0 and not det.needs_review
    x0, y0, x1, y1 = det.box
    assert 0 <= x0 < x1 <= 240 and 0 <= y0 < y1 <= 300


def test_empty_photo_is_flagged() -> None:
    flat = np.full((200, 200, 3), 128, np.uint8)
    det = detect_garment(flat)
    assert det.needs_review


# --- Boxes that hold on new photos (issue 12, section 2) ---------------------------------------

GARMENT_BOXES = json.loads((Path(__file__).parent / "data" / "garment_boxes.json").read_text())["boxes"]
# Tune-split photos (never held-out ones) on which the detector before this change gave a box
# far off the labelled one with a confidence that did not flag it: a dark T-shirt with a white
# print running off a white quilt (boxed as its print), a leather skirt filling the frame (a
# corner of it), a sleeve-to-sleeve white shirt on a wooden floor, a pair of shoes boxed as one.
HARD = ["train/t-shirt/2fa9f4e6-ff5a-4ee1-9e74-ca1506331c17.jpg",
        "train/skirt/d44cfac9-3fda-47ba-8eb1-8b130f60b08c.jpg",
        "train/shoes/6b4278ed-f15b-4989-ac9e-0dbf4361d6e0.jpg",
        "train/pants/17936ba2-937a-46d8-afa0-0750abdb3200.jpg"]


def test_truth_file_keeps_heldout_apart() -> None:
    splits = {v["split"] for v in GARMENT_BOXES.values()}
    assert splits == {"tune", "heldout", "heldout3", "heldout4", "heldout5", "heldout6", "heldout7", "heldout8",
                      "heldout9", "heldout10", "heldout11", "heldout12", "heldout13", "heldout14", "heldout15",
                      "heldout16", "heldout17", "heldout18", "heldout19",
                      "heldout20", "heldout21", "heldout22", "heldout23",
                      "heldout24", "heldout25",
                      "heldout26", "heldout27", "heldout28", "heldout29", "heldout30",
                      "heldout31", "heldout32", "heldout33"}
    assert sum(v["split"] == "heldout" for v in GARMENT_BOXES.values()) >= 120
    # heldout3: labelled with no detector box drawn, before the detector was changed again; never tuned on.
    assert sum(v["split"] == "heldout3" for v in GARMENT_BOXES.values()) >= 60
    # heldout4: read by eye at 1x/2x with no machine box ever drawn; report only, never tuned on.
    assert sum(v["split"] == "heldout4" for v in GARMENT_BOXES.values()) >= 60
    # heldout5: read by eye off a 2x view, every side checked on 2x edge strips, no machine box ever drawn,
    # labelled while the hanger cleanup was being changed; report only, never tuned on.
    assert sum(v["split"] == "heldout5" for v in GARMENT_BOXES.values()) >= 60
    # heldout6 (half A: dress, longsleeve, outwear, pants, shoes; half B: shirt, shorts, skirt, t-shirt, hat): read
    # the heldout5 way by labellers who never saw a machine box for these photos; report only, never tuned on.
    assert sum(v["split"] == "heldout6" for v in GARMENT_BOXES.values()) >= 76
    # heldout7 (half A: dress, longsleeve, outwear, pants, shoes; half B: shirt, shorts, skirt, t-shirt, hat): read
    # the heldout6 way after heldout6 was measured, by labellers who never saw a machine box for these photos.
    assert sum(v["split"] == "heldout7" for v in GARMENT_BOXES.values()) >= 70
    # heldout8 (half A: dress, longsleeve, outwear, pants, shoes; half B: shirt, shorts, skirt, t-shirt, hat): read
    # the heldout7 way by labellers who never saw a machine box for these photos; report only, never tuned on.
    assert sum(v["split"] == "heldout8" for v in GARMENT_BOXES.values()) >= 70
    # heldout9 (half A: dress, longsleeve, outwear, pants, shoes; half B: shirt, shorts, skirt, t-shirt, hat): read
    # the heldout8 way by labellers who never saw a machine box for these photos; report only, never tuned on.
    assert sum(v["split"] == "heldout9" for v in GARMENT_BOXES.values()) >= 70
    # heldout10 (half A: dress, longsleeve, outwear, pants, shoes; half B: shirt, shorts, skirt, t-shirt, hat): read
    # the heldout9 way by labellers who never saw a machine box for these photos; report only, never tuned on.
    assert sum(v["split"] == "heldout10" for v in GARMENT_BOXES.values()) >= 70
    # heldout11 (four parts: dress, longsleeve, shoes / outwear, pants / shirt, shorts, hat / skirt, t-shirt; 92 random,
    # 48 hard): read the heldout10 way by four labellers who never saw a machine box for these photos; report only.
    assert sum(v["split"] == "heldout11" for v in GARMENT_BOXES.values()) >= 140
    # heldout12 (half A: dress, longsleeve, outwear, pants, shoes; half B: shirt, shorts, skirt, t-shirt, hat; 45
    # random, 21 hard): labelled in session 8 by two labellers who never saw a machine box for these photos, with no
    # pipeline code run on them; measured once on session 9's frozen code; report only, never tuned on.
    assert sum(v["split"] == "heldout12" for v in GARMENT_BOXES.values()) >= 66
    # heldout13 (half A: dress, longsleeve, outwear, pants, shoes, 22 photos; half B: shirt, shorts, t-shirt, hat, 16;
    # no skirt was left unlabelled): labelled in session 9 for the next session by two labellers who never saw a
    # machine box for these photos, with no pipeline code run on them; measured once on session 10's frozen code.
    assert sum(v["split"] == "heldout13" for v in GARMENT_BOXES.values()) >= 38
    # heldout14 (half A: dress, longsleeve, outwear, pants, shoes, skirt, 23 photos; half B: shirt, shorts, t-shirt,
    # hat, 20; half C: every category but skirt, 27): labelled in session 10 by three labellers who never saw a
    # machine box for these photos, with no pipeline code run on them, sides settled on the photos' own pixels;
    # measured once on session 10's frozen code. Report only, never tuned on.
    assert sum(v["split"] == "heldout14" for v in GARMENT_BOXES.values()) >= 70
    # heldout15 (parts D, E, F: every category but skirt, 25 + 25 + 26 photos, 69 random + 7 hard): labelled in
    # session 10 the heldout14 way, by three labellers who never saw a machine box for these photos, with no pipeline
    # code run on them; measured once on session 10's second frozen code. Report only, never tuned on.
    assert sum(v["split"] == "heldout15" for v in GARMENT_BOXES.values()) >= 76
    # heldout16 (parts G, H, I, J: every category but skirt, which has no unlabelled photo left; 59 + 62 + 63 + 63
    # photos, 213 random in pool order + 34 hard): labelled in session 11 the heldout15 way, by four labellers who never
    # saw a machine box for these photos, with no pipeline code run on them; joined after the code was frozen at 80057fa
    # and measured once. Report only, never tuned on.
    assert sum(v["split"] == "heldout16" for v in GARMENT_BOXES.values()) >= 247
    # heldout17 (parts K, L, M, N: 26 + 27 + 26 + 27 random photos in pool order, every category but skirt): labelled
    # in session 11 the heldout16 way while the hanger flags were tuned on heldout16; joined after the code was frozen
    # at 074d66d and measured once. Report only, never tuned on.
    assert sum(v["split"] == "heldout17" for v in GARMENT_BOXES.values()) >= 106
    # heldout18 (parts P..W: 25 + 24 + 24 + 25 + 25 + 23 + 22 + 21 random photos in pool order, every category but
    # skirt): labelled in session 12 the heldout17 way while h-hood19, h-outdet19 and h-bays19 tuned on the earlier
    # splits; joined after the code was frozen at 1e090d4 and measured once. Report only, never tuned on.
    assert sum(v["split"] == "heldout18" for v in GARMENT_BOXES.values()) >= 189
    # heldout19 (parts A..F: 27 + 24 + 25 + 26 + 25 + 25 random photos in pool order; no hat or skirt left, 1 outwear):
    # labelled in session 12 the heldout18 way while h-floor20, h-hooks20 and h-gaps20 tuned on heldout18 and earlier;
    # joined after the code was frozen at 6778e6f and measured once. Report only, never tuned on.
    assert sum(v["split"] == "heldout19" for v in GARMENT_BOXES.values()) >= 152
    # heldout20 (parts G..L: 19 + 20 * 5 random photos in pool order; shoes, shirts, trousers, long sleeves and
    # T-shirts: the few dresses, shorts and outwear left were unreadable): labelled in session 12 the heldout19 way
    # while h-shoebox21 and h-clips21 tuned on heldout19 and earlier; joined after the code was frozen at a6362d1 and
    # measured once. Report only, never tuned on.
    assert sum(v["split"] == "heldout20" for v in GARMENT_BOXES.values()) >= 119
    # heldout21 (parts M..R: 20 random photos each in pool order; shoes, shirts, trousers, long sleeves and T-shirts;
    # 3 unreadable photos replaced by their pool's first spare): labelled in session 13 the heldout20 way while
    # h-floor22, h-hang22, h-segbox22, h-box22 and h-keep22 tuned on heldout20 and earlier; joined after the code
    # was frozen at 2128c51 and measured once. Report only, never tuned on.
    assert sum(v["split"] == "heldout21" for v in GARMENT_BOXES.values()) >= 120
    # heldout22 (parts S..W: 17-20 random photos each in pool order, 24 trousers, long sleeves and T-shirts, 20 shoes
    # and the last 4 readable shirts; 7 unreadable photos skipped, 5 replaced by spares): labelled in session 13 the
    # heldout21 way while h-collar23, h-prop23 and h-gaps23 tuned on heldout21 and earlier; joined after the code was
    # frozen at 232a4c3 and measured once. Report only, never tuned on.
    assert sum(v["split"] == "heldout22" for v in GARMENT_BOXES.values()) >= 96
    # heldout23 (parts a..d: 24, 24, 24 and 23 random photos in pool order; 19 shoes, 24 trousers, 24 long sleeves,
    # 28 T-shirts; 7 unreadable photos skipped, 6 replaced by their pool's spares): labelled in session 14 the
    # heldout22 way while h-shoefloor24, h-legs24, h-gaps24 and h-box24 tuned on heldout22 and earlier; joined after
    # the code was frozen at fd418cc and measured once. Report only, never tuned on.
    assert sum(v["split"] == "heldout23" for v in GARMENT_BOXES.values()) >= 95
    # heldout24 (parts e..h: 21, 21, 19 and 20 random photos in pool order; the last shoes, trousers, long sleeves
    # and T-shirts; unreadable photos replaced by their pool's spares where one was left): labelled in session 14
    # the heldout23 way while h-shoes25, h-tops25, h-legs25 and h-flags25 tuned on heldout23 and earlier; joined
    # after the code was frozen at f3a3bf4 and measured once. Report only, never tuned on.
    assert sum(v["split"] == "heldout24" for v in GARMENT_BOXES.values()) >= 81
    # heldout25 (parts i..n: 19, 20, 20, 16, 16 and 16 random photos in pool order; 33 trousers, 33 long sleeves,
    # 39 T-shirts and the last 2 dresses; the last shoe, shorts and outwear photos skipped as unreadable, with no spare
    # left): labelled in session 15 the heldout24 way while h-gapcut27, h-floor27 and h-flags27 tuned on heldout24
    # and earlier; joined after the code was frozen at f384c3f and measured once. Report only, never tuned on.
    assert sum(v["split"] == "heldout25" for v in GARMENT_BOXES.values()) >= 107
    # heldout26 (parts o..r: 19, 15, 16 and 20 random photos in pool order; 23 trousers, 21 long sleeves, 26 T-shirts):
    # labelled in session 15 the heldout25 way while h-clips28, h-ties28, h-sheet28 and h-prop28 tuned on heldout25
    # and earlier; joined after the code was frozen at 1eb8de1 and measured once. Report only, never tuned on.
    assert sum(v["split"] == "heldout26" for v in GARMENT_BOXES.values()) >= 70
    # heldout27 (parts s..x: 7, 10, 10, 4, 10 and 10 random photos in pool order; trousers, long sleeves, T-shirts):
    # labelled in session 15 the heldout26 way after the last helpers stopped; joined after the code was frozen at
    # 813f8fc and measured once. Report only, never tuned on.
    assert sum(v["split"] == "heldout27" for v in GARMENT_BOXES.values()) >= 51
    # heldout28 (parts a..d: 25 random photos each in pool order, 4 trousers, 5 long sleeves and 16 T-shirts per part,
    # the last 10 from a second pool once the first was done): labelled in session 16 the heldout27 way while
    # h-wedge30, h-side30, h-box30 and h-prec30 tuned on heldout27 and earlier; joined after the code was frozen at
    # f23e5c7 and measured once. Report only, never tuned on.
    assert sum(v["split"] == "heldout28" for v in GARMENT_BOXES.values()) >= 100
    # heldout29 (parts e..g: 25 random T-shirts each in pool order, the last 10 from a second pool; no other category
    # was left unlabelled): labelled in session 16 the heldout28 way while h-neck31, h-gap31 and h-keep31 tuned on
    # heldout28 and earlier; joined after the code was frozen at 475c5ae and measured once. Report only, never tuned on.
    assert sum(v["split"] == "heldout29" for v in GARMENT_BOXES.values()) >= 75
    # heldout30 (parts h..j: 15 random T-shirts each in pool order): labelled at the end of session 16 the heldout29
    # way, after the last tuning helper stopped; joined in session 17 after the code was frozen at 9d5fdcd and
    # measured once. Report only, never tuned on.
    assert sum(v["split"] == "heldout30" for v in GARMENT_BOXES.values()) >= 45
    # heldout31 (parts k, l: 21 trousers; n, o: 29 long sleeves; q: 15 T-shirts; all random in pool order, the
    # trousers and long sleeves from earlier sessions' unused spare lists, photos nobody had opened): labelled in
    # session 17 the heldout30 way; joined after the code was frozen at 9d5fdcd (heldout30's freeze) and measured
    # once. Report only, never tuned on.
    assert sum(v["split"] == "heldout31" for v in GARMENT_BOXES.values()) >= 65
    # heldout32 (parts r..t: 13 random T-shirts each, never in an earlier pool, in pool order): labelled in session
    # 17 while h-tape32 and h-rug32 tuned on heldout31 and earlier; joined after the code was frozen at 5db8273 and
    # measured once. Report only, never tuned on.
    assert sum(v["split"] == "heldout32" for v in GARMENT_BOXES.values()) >= 39
    # heldout33 (parts u..w: 14 random T-shirts each from earlier sessions' unused spare lists, in pool order; three
    # unreadable picks replaced by spares): labelled in session 17 after heldout32 was measured; joined after the code
    # was frozen at 949a79d and measured once. Report only, never tuned on.
    assert sum(v["split"] == "heldout33" for v in GARMENT_BOXES.values()) >= 42
    assert not any(k.startswith("validation/") for k in GARMENT_BOXES)
    assert all(k in GARMENT_BOXES for k in HARD) and all(GARMENT_BOXES[k]["split"] == "tune" for k in HARD)


@pytest.mark.parametrize("key", HARD)
def test_hard_photo_boxed_right_or_flagged(key: str) -> None:
    dec = load_photo(labelled_photo(key))
    det = detect_garment(dec.rgb, scale=dec.scale)
    score = iou(det.box, GARMENT_BOXES[key]["box"])
    assert score >= 0.85 or det.needs_review, (det.box, GARMENT_BOXES[key]["box"], det.confidence)


@pytest.mark.parametrize("key", HARD[:2])
def test_busy_print_and_frame_filling_photos_get_the_whole_garment(key: str) -> None:
    # The two failures named in the issue, on real photos: the box now covers the garment.
    dec = load_photo(labelled_photo(key))
    det = detect_garment(dec.rgb, scale=dec.scale)
    assert iou(det.box, GARMENT_BOXES[key]["box"]) >= 0.85, (det.box, GARMENT_BOXES[key]["box"])


def _noisy(img: np.ndarray, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.clip(img.astype(int) + rng.integers(-6, 7, img.shape), 0, 255).astype(np.uint8)


def test_frame_filling_garment_reaches_the_edges() -> None:
    # A navy coat that runs off the left, right and bottom edges of a beige floor photo, its
    # collar standing above the shoulders. The old detector took navy (most of the border) for
    # the floor and boxed the coat 24 px short on every side.
    img = np.full((320, 240, 3), (200, 185, 160), np.uint8)
    img[70:320, 0:240] = (35, 45, 90)
    img[40:70, 80:160] = (35, 45, 90)
    det = detect_garment(_noisy(img, 1))
    assert iou(det.box, (0, 40, 240, 320)) >= 0.95, det.box
    assert det.box[0] <= 2 and det.box[2] >= 238 and det.box[3] >= 318


def test_sleeves_running_off_both_sides_reach_the_edges() -> None:
    img = np.full((300, 300, 3), (215, 205, 190), np.uint8)
    img[60:260, 70:230] = (150, 40, 50)  # body
    img[60:130, 0:300] = (150, 40, 50)  # sleeves cut off by the frame
    det = detect_garment(_noisy(img, 3))
    assert iou(det.box, (0, 60, 300, 260)) >= 0.95, det.box


def test_dark_shirt_with_print_filling_a_white_frame_is_not_boxed_as_its_print() -> None:
    # The "busy print gets a tiny box": a dark T-shirt corner to corner on a white sheet,
    # a white and red print in the middle. The old detector boxed the print (IoU 0.09) with
    # confidence 0.6, unflagged.
    img = np.full((300, 300, 3), 240, np.uint8)
    img[40:300, 0:300] = (25, 25, 30)
    img[120:200, 110:190] = 235
    img[130:190, 120:180] = (200, 40, 40)
    det = detect_garment(_noisy(img, 4))
    score = iou(det.box, (0, 40, 300, 300))
    assert score >= 0.85 or det.needs_review, (det.box, det.confidence)
    assert score >= 0.9, det.box


def test_busy_print_on_white_gets_the_whole_garment() -> None:
    rng = np.random.default_rng(2)
    img = np.full((300, 300, 3), 245, np.uint8)  # a white sheet
    # A T-shirt shape (body and two sleeves) printed all over with small coloured blobs on white.
    shirt = np.zeros((300, 300), bool)
    shirt[60:260, 80:220] = True
    shirt[60:120, 30:270] = True
    print_ = rng.integers(0, 255, (30, 30, 3)).astype(np.uint8)
    print_ = cv2.resize(print_, (300, 300), interpolation=cv2.INTER_NEAREST)
    white = rng.random((30, 30)) < 0.5
    white = cv2.resize(white.astype(np.uint8), (300, 300), interpolation=cv2.INTER_NEAREST) > 0
    img[shirt & ~white] = print_[shirt & ~white]
    img[shirt & white] = (250, 250, 250)
    det = detect_garment(img)
    assert iou(det.box, (30, 60, 270, 260)) >= 0.85 or det.needs_review, (det.box, det.confidence)
    assert iou(det.box, (30, 60, 270, 260)) >= 0.7, det.box
