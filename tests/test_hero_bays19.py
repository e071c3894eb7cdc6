"""The backdrop in a bay of the cut-out that opens to the outside is taken out (h-bays19).

The colour pass's closing (and the segmenter's rounded outline) takes in a narrow strip of floor
between two trouser legs or two sandals: a bay joined to the outside of the mask, which the
closed-hole test of h-gaps18 never sees. Pale fabric on a pale backdrop must stay.
"""

from __future__ import annotations

import numpy as np

from lookbook.photos.cleanup import clean_detection
from lookbook.photos.detect import detect_garment, open_backdrop_bays

FLOOR = (205, 185, 150)  # beige tiles
NAVY = (30, 35, 80)


def _noisy(img: np.ndarray, seed: int) -> np.ndarray:
    noise = np.random.default_rng(seed).normal(0, 3, img.shape)
    return np.clip(img + noise, 0, 255).astype(np.uint8)


def _pants_on_floor() -> np.ndarray:
    """Navy shorts on a beige floor, the legs 8 px apart (4 working px) from the crotch to the hems."""
    img = np.empty((400, 400, 3), np.uint8)
    img[:] = FLOOR
    img[60:200, 110:290] = NAVY  # seat and waistband
    img[200:350, 110:196] = NAVY  # left leg
    img[200:350, 204:290] = NAVY  # right leg, 8 px of floor between (half the garment's height)
    return _noisy(img, 3)


def _floor_share(mask: np.ndarray, f: float) -> float:
    """Share of the strip of floor between the legs that the mask holds."""
    m = mask[int(210 * f):int(340 * f), int(198 * f):int(202 * f)]
    return float((m > 0).mean())


def test_the_floor_between_two_legs_is_taken_out_of_the_cut_out() -> None:
    img = _pants_on_floor()
    det = clean_detection(img, detect_garment(img, mode="cheap"), category="pants").detection
    assert det.mask is not None
    f = det.mask_scale
    # Main closed the 3 px strip into the mask (a beige stripe between the legs of the hero).
    assert _floor_share(det.mask, f) < 0.2
    # The legs themselves stay whole.
    legs = det.mask[int(210 * f):int(340 * f)]
    left = legs[:, int(115 * f):int(190 * f)]
    right = legs[:, int(210 * f):int(285 * f)]
    assert (left > 0).mean() > 0.97 and (right > 0).mean() > 0.97


def test_pale_fabric_on_a_pale_backdrop_stays() -> None:
    """A white shirt on a white sheet: the piece near the backdrop's colour is as near the fabric's and stays."""
    white, sheet = (236, 236, 232), (242, 242, 240)
    img = np.empty((200, 200, 3), np.uint8)
    img[:] = sheet
    img[40:180, 50:150] = white
    img[40:180, 60:140] = (120, 130, 160)  # a grey-blue print that the colour pass holds
    small = _noisy(img, 5)
    mask = np.zeros((200, 200), np.uint8)
    mask[40:180, 50:150] = 1  # the garment, its white side panels near the sheet's colour
    assert np.array_equal(open_backdrop_bays(mask, small), mask)


def test_a_bay_of_the_backdrop_beside_a_garment_goes_and_the_garment_stays() -> None:
    img = np.empty((200, 200, 3), np.uint8)
    img[:] = FLOOR
    img[40:180, 50:150] = NAVY
    small = _noisy(img, 7)
    mask = np.zeros((200, 200), np.uint8)
    mask[40:180, 50:150] = 1
    mask[150:180, 150:158] = 1  # 8 x 30 px of floor rounded into the outline beside the hem
    out = open_backdrop_bays(mask, small)
    assert out[150:180, 151:158].sum() == 0  # the column against the fabric is blurred into it
    assert np.array_equal(out[40:180, 50:150], mask[40:180, 50:150])


def test_a_strip_that_parts_the_garment_in_two_stays() -> None:
    """An open vest's front: a strip of the backdrop's colour from top to hem would leave two halves."""
    img = np.empty((200, 200, 3), np.uint8)
    img[:] = FLOOR
    img[40:180, 50:150] = NAVY
    img[40:180, 96:104] = FLOOR
    small = _noisy(img, 9)
    mask = np.zeros((200, 200), np.uint8)
    mask[40:180, 50:150] = 1
    assert np.array_equal(open_backdrop_bays(mask, small), mask)


def test_a_strip_from_top_to_hem_stays_even_where_the_top_joins_it() -> None:
    """An open vest's zip seen from the front, joined across by the hood: taller than any bay between legs."""
    img = np.empty((200, 200, 3), np.uint8)
    img[:] = FLOOR
    img[30:180, 50:150] = NAVY
    img[45:180, 96:104] = FLOOR  # open from the hem up to just under the hood
    small = _noisy(img, 13)
    mask = np.zeros((200, 200), np.uint8)
    mask[30:180, 50:150] = 1
    assert np.array_equal(open_backdrop_bays(mask, small), mask)
