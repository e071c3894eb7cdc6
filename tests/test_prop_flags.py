"""A large flat prop inside the cut-out (a shoe box, a board) flags the shot for review (issue 12 §2)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from lookbook.photos.cleanup import clean_detection, flat_block
from lookbook.photos.detect import detect_garment

SHARED = Path(__file__).resolve().parents[2] / "shared" / "photos" / "clothing-small"
FLOOR = (120, 118, 112)
WHITE = (245, 245, 242)
BOX = (12, 12, 14)
REASON = "an object with straight edges inside the cut-out"


def _sneaker(img: np.ndarray, bottom: int) -> np.ndarray:
    # A white sneaker in profile, with laces and a sole line so that it has a shoe's texture.
    body = np.array([[90, bottom], [90, bottom - 70], [150, bottom - 120], [220, bottom - 110],
                     [310, bottom - 50], [310, bottom]], np.int32)
    cv2.fillPoly(img, [body], WHITE)
    for x in range(150, 230, 12):
        cv2.line(img, (x, bottom - 112), (x + 18, bottom - 80), (170, 170, 165), 2)
    cv2.line(img, (92, bottom - 14), (308, bottom - 14), (200, 200, 196), 2)
    return img


def _small(img: np.ndarray, mask: np.ndarray) -> np.ndarray:
    return cv2.resize(img, (mask.shape[1], mask.shape[0]), interpolation=cv2.INTER_AREA)


def _floor() -> np.ndarray:
    img = np.full((420, 400, 3), FLOOR, np.uint8)
    for y in range(0, 420, 40):  # floor planks' seams
        cv2.line(img, (0, y), (399, y), (100, 98, 92), 1)
    return img


def test_a_shoe_box_under_sneakers_flags_the_shot() -> None:
    # The white sneakers stand on their black box, which the detector takes in with them.
    img = _sneaker(_floor(), 200)
    cv2.rectangle(img, (70, 200), (330, 330), BOX, -1)
    det = detect_garment(img)
    assert det.mask[int(260 * det.mask_scale), int(200 * det.mask_scale)] > 0  # the box is in the cut-out
    cleaned = clean_detection(img, det, category="shoes")
    assert cleaned.needs_review
    assert any(REASON in r for r in cleaned.reasons)


def test_sneakers_alone_are_not_a_block() -> None:
    img = _sneaker(_floor(), 300)
    det = detect_garment(img)
    assert not flat_block(_small(img, det.mask), det.mask)
    assert not any(REASON in r for r in clean_detection(img, det, category="shoes").reasons)


def test_a_smooth_dark_garment_on_its_own_is_not_a_block() -> None:
    # One colour all over: no second colour group far from the first, however smooth the fabric.
    img = _floor()
    cv2.rectangle(img, (100, 80), (300, 340), BOX, -1)
    mask = detect_garment(img).mask
    assert not flat_block(_small(img, mask), mask)


@pytest.mark.skipif(not SHARED.exists(), reason="labelled photos not present")
def test_real_sneakers_on_their_shoe_box_flag_the_shot() -> None:
    # heldout9: white sneakers on their open black shoe box; boxed with it (IoU 0.60), the hero showed the
    # whole box, unflagged.
    from lookbook.photos.imaging import load_photo

    photo = load_photo(SHARED / "train" / "shoes" / "fb0e4090-f7e7-424a-aa85-44daffcea9a1.jpg")
    det = detect_garment(photo.rgb, scale=photo.scale)
    cleaned = clean_detection(photo.rgb, det, scale=photo.scale, category="shoes")
    assert cleaned.needs_review
    assert any(REASON in r for r in cleaned.reasons)


def test_the_block_is_only_looked_for_on_shoes() -> None:
    # A straight band of another colour is a two-tone garment's design as often as a prop (heldout9's
    # navy skirt with a white band): the check runs where the product is known to be shoes.
    img = _sneaker(_floor(), 200)
    cv2.rectangle(img, (70, 200), (330, 330), BOX, -1)
    det = detect_garment(img)
    for category in ("skirt", None):
        assert not any(REASON in r for r in clean_detection(img, det, category=category).reasons)
