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
from lookbook.photos.detect import _open_thin_strips, open_thin_strips
from slit_scenes import RGB, segmenter_detection, shirt_with_slit

SHEET = (200, 60, 110)  # a raspberry bedsheet
SHADOWED_SHEET = (105, 38, 62)  # the same sheet in the shadow of the sleeve: darker, a little greyer
SHIRT = (215, 215, 210)  # a pale grey shirt
FOLD = (105, 105, 102)  # the shadow of a fold in that shirt




def _photo(slit: RGB, sheet: RGB = SHEET) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The shirt on ``sheet`` with a 4 px ``slit`` between its left sleeve and the body (:mod:`slit_scenes`)."""
    return shirt_with_slit(slit, sheet=sheet, shirt=SHIRT)


def test_the_sheets_colour_alone_misses_a_shadowed_slit() -> None:
    rgb, small, mask = _photo(SHADOWED_SHEET)
    assert np.array_equal(_open_thin_strips(mask, rgb, small, None, shade=False), mask)  # main's rule


def test_the_cleanup_opens_a_shadowed_slit_of_a_saturated_sheet() -> None:
    rgb, small, mask = _photo(SHADOWED_SHEET)
    out = clean_detection(rgb, segmenter_detection(mask), category="shirt").detection
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
