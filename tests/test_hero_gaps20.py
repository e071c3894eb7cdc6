"""The backdrop closed inside the cut-out between a sleeve and the body is taken out (h-gaps20).

The segmenter rounds a shirt's outline over the narrow slit of bedsheet between a sleeve laid down
beside the body and the body: the slit is closed at the armpit and at the cuff, and inside the mask,
so neither the closed-hole test (h-gaps18: a hole *in* the mask) nor the bays' (h-bays19: joined to
the outside) sees it. Fabric must stay: a print, a placket on the centre line, pale on pale.
"""

from __future__ import annotations

import numpy as np

from lookbook.photos.cleanup import clean_detection
from lookbook.photos.detect import Detection, open_backdrop_pockets

SHEET = (200, 60, 110)  # a pink bedsheet
STRIPES = (225, 225, 220)  # a pale shirt


def _noisy(img: np.ndarray, seed: int) -> np.ndarray:
    noise = np.random.default_rng(seed).normal(0, 3, img.shape)
    return np.clip(img + noise, 0, 255).astype(np.uint8)


def _shirt(gap: tuple[int, int, int], sheet: tuple[int, int, int] = SHEET,
           shirt: tuple[int, int, int] = STRIPES) -> tuple[np.ndarray, np.ndarray]:
    """A 150 x 200 working image of a shirt on a sheet, a 4 px slit of ``gap`` colour between its
    left sleeve and the body (rows 100-140), and the mask the segmenter makes: the slit rounded in."""
    img = np.empty((200, 150, 3), np.uint8)
    img[:] = sheet
    img[30:180, 40:120] = shirt  # the body
    img[40:170, 24:40] = shirt  # the left sleeve, laid beside it
    img[100:140, 36:40] = gap  # the slit between sleeve and body, closed above and below
    img[40:170, 120:136] = shirt  # the right sleeve
    mask = np.zeros((200, 150), np.uint8)
    mask[30:180, 40:120] = 1
    mask[40:170, 24:40] = 1
    mask[40:170, 120:136] = 1
    return _noisy(img, 11), mask


def test_the_sheet_closed_between_a_sleeve_and_the_body_goes() -> None:
    small, mask = _shirt(SHEET)
    out = open_backdrop_pockets(mask, small)
    assert out[101:139, 37:39].sum() == 0  # the slit is open now
    keep = mask.copy()
    keep[100:140, 36:40] = 0
    assert np.array_equal(out[keep > 0], mask[keep > 0])  # and nothing else changed


def test_the_cleanup_opens_it_in_the_hero_mask() -> None:
    small, mask = _shirt(SHEET)
    det = Detection(box=(24, 30, 136, 180), confidence=1.0, mask=mask * 255, mask_scale=1.0, method="segmenter",
                    bg_colours=np.zeros((0, 3), np.float32), threshold=20.0)
    out = clean_detection(small, det, category="shirt").detection
    assert out.mask is not None
    # Main kept the slit: a pink stripe beside the sleeve in the hero.
    assert (out.mask[101:139, 37:39] > 0).mean() < 0.1
    assert (out.mask[40:170, 24:36] > 0).mean() > 0.97  # the sleeve stays whole


def test_a_print_unlike_the_sheet_stays() -> None:
    small, mask = _shirt((40, 40, 160))  # a navy piping where the slit would be
    assert np.array_equal(open_backdrop_pockets(mask, small), mask)


def test_pale_fabric_on_a_pale_sheet_stays() -> None:
    """A white shirt on a white sheet: a shaded fold near the sheet's colour is as near the fabric's."""
    small, mask = _shirt((236, 236, 234), sheet=(240, 240, 238), shirt=(232, 232, 228))
    assert np.array_equal(open_backdrop_pockets(mask, small), mask)


def test_a_strip_of_the_sheets_colour_on_the_centre_line_stays() -> None:
    """A pink placket down the middle of a shirt is the garment's, not a gap beside a sleeve."""
    small, mask = _shirt(STRIPES)
    small[60:120, 78:82] = SHEET
    assert np.array_equal(open_backdrop_pockets(mask, small), mask)


def test_the_sheets_colour_repeated_across_the_garment_is_its_print_and_stays() -> None:
    """A white patch of a paisley print (train/dress/b47ca626) or leather's sheen (train/outwear/8b6ecf4d)
    beside a sleeve matched the sheet: where the same colour also lies all over the garment, away from
    any gap, it is the garment's own, and the slit-shaped piece of it stays too."""
    small, mask = _shirt(SHEET)
    dots = small.copy()
    for r in range(50, 170, 20):  # a print of the sheet's colour: 6 x 6 dots across the body
        for c in range(50, 112, 20):
            dots[r:r + 6, c:c + 6] = SHEET
    assert np.array_equal(open_backdrop_pockets(mask, dots), mask)
    # Without the dots the same slit goes (the test above): the print, not the slit, keeps it.
    assert open_backdrop_pockets(mask, small)[101:139, 37:39].sum() == 0
