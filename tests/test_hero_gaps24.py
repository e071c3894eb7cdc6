"""A slit of backdrop in the garment's shadow is taken out too, on a saturated backdrop (h-gaps24).

h-strips23 takes out slits of bedsheet between a sleeve and the body that are too thin for the working
image, but only where the slit is the sheet's own colour. On heldout21's 0d24634d (a check shirt on a
raspberry sheet) and 2abc4569 (a grey long sleeve on a red sheet) the slit lies in the garment's shadow:
the sheet's hue, darker and less saturated, and it stayed in the hero as a dark red line. A fold's shadow
on a grey or white fabric is dark too, but has no hue: it must stay.
"""

from __future__ import annotations

import numpy as np

from lookbook.photos.cleanup import clean_detection
from lookbook.photos.detect import Detection, _open_thin_strips, open_thin_strips

SHEET = (200, 60, 110)  # a raspberry bedsheet
SHADOWED_SHEET = (105, 38, 62)  # the same sheet in the shadow of the sleeve: darker, a little greyer
SHIRT = (215, 215, 210)  # a pale grey shirt
FOLD = (105, 105, 102)  # the shadow of a fold in that shirt
F = 3  # the photo is three times the working size


RGB = tuple[int, int, int]


def _photo(slit: RGB, sheet: RGB = SHEET) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A 450 x 600 photo of a shirt on ``sheet`` with a 4 px ``slit`` (photo pixels) between its left sleeve and
    the body (photo rows 300-420), the 150 x 200 working image, and the segmenter's mask with the slit rounded in."""
    img = np.empty((200 * F, 150 * F, 3), np.uint8)
    img[:] = sheet
    img[30 * F:180 * F, 40 * F:120 * F] = SHIRT  # the body
    img[40 * F:170 * F, 24 * F:40 * F] = SHIRT  # the left sleeve, touching the body above and below the slit
    img[100 * F:140 * F, 40 * F - 4:40 * F] = slit
    img[40 * F:170 * F, 120 * F:136 * F] = SHIRT  # the right sleeve
    noise = np.random.default_rng(7).normal(0, 3, img.shape)
    rgb = np.clip(img + noise, 0, 255).astype(np.uint8)
    small = rgb.reshape(200, F, 150, F, 3).mean(axis=(1, 3)).round().astype(np.uint8)
    mask = np.zeros((200, 150), np.uint8)
    mask[30:180, 40:120] = 1
    mask[40:170, 24:40] = 1
    mask[40:170, 120:136] = 1
    return rgb, small, mask


def _det(mask: np.ndarray) -> Detection:
    return Detection(box=(24, 30, 136, 180), confidence=1.0, mask=mask * 255, mask_scale=1.0, method="segmenter",
                     bg_colours=np.zeros((0, 3), np.float32), threshold=20.0)


def test_the_sheets_colour_alone_misses_a_shadowed_slit() -> None:
    rgb, small, mask = _photo(SHADOWED_SHEET)
    assert np.array_equal(_open_thin_strips(mask, rgb, small, None, shade=False), mask)  # main's rule


def test_the_cleanup_opens_a_shadowed_slit_of_a_saturated_sheet() -> None:
    rgb, small, mask = _photo(SHADOWED_SHEET)
    out = clean_detection(rgb, _det(mask), category="shirt").detection
    assert out.mask is not None
    # Main kept it: a dark red line beside the sleeve in the hero.
    assert (out.mask[101:139, 39] > 0).mean() < 0.1
    assert (out.mask[40:170, 24:38] > 0).mean() > 0.99  # the sleeve stays
    assert (out.mask[30:180, 40:120] > 0).mean() > 0.99  # and the body


def test_a_folds_grey_shadow_stays() -> None:
    """As dark as the shadowed sheet, but the fabric's grey, not the sheet's hue."""
    rgb, small, mask = _photo(FOLD)
    assert np.array_equal(open_thin_strips(mask, rgb, small), mask)


def test_on_a_grey_backdrop_a_dark_grey_slit_stays() -> None:
    """A grey sheet's shadow is a grey like a dark fabric's: the hue test needs a coloured backdrop."""
    rgb, small, mask = _photo(FOLD, sheet=(170, 170, 168))
    assert np.array_equal(open_thin_strips(mask, rgb, small), mask)
