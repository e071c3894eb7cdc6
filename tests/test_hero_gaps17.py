"""Backdrop seen through a closed gap stays out of the cut-out (issue 12 §2, h-gaps17).

On heldout16 the heroes of shirts on a pink sheet kept the sheet between sleeve and body: the gap was a
closed hole under 2 % of the garment, and the detector filled every such hole as if it were a print.
"""

from __future__ import annotations

import numpy as np

from lookbook.photos.detect import HOLE_BG_MIN_PX, _fill_small_holes, detect_garment

PINK = (200, 60, 110)
NAVY = (30, 35, 80)
WHITE = (245, 245, 240)


def _shirt_on_sheet(hole: tuple[int, int, int]) -> np.ndarray:
    """A navy shirt (body and one sleeve that meets it at the cuff) on a pink sheet, with a closed patch."""
    rng = np.random.default_rng(7)
    img = np.empty((400, 400, 3), np.uint8)
    img[:] = PINK
    img[80:360, 120:290] = NAVY  # body and the other sleeve
    img[80:330, 70:120] = NAVY  # left sleeve, lying against the body at shoulder and cuff
    if hole == PINK:
        img[180:260, 104:116] = PINK  # the closed gap: 12 x 80 px of sheet, about 1.7 % of the garment
    else:
        img[200:230, 190:220] = hole  # a print instead, inside the body
    noise = rng.normal(0, 3, img.shape)
    return np.clip(img + noise, 0, 255).astype(np.uint8)


def _hero_share(rgb: np.ndarray, y0: int, y1: int, x0: int, x1: int) -> float:
    det = detect_garment(rgb, mode="cheap")
    assert det.mask is not None
    f = det.mask_scale
    m = det.mask[int(y0 * f):int(y1 * f), int(x0 * f):int(x1 * f)]
    return float((m > 0).mean())


def test_a_closed_gap_of_sheet_colour_stays_out_of_the_cut_out() -> None:
    # The old code filled it: the whole gap came back as garment.
    assert _hero_share(_shirt_on_sheet(PINK), 186, 254, 106, 114) < 0.2


def test_a_print_unlike_the_backdrop_is_still_garment() -> None:
    assert _hero_share(_shirt_on_sheet(WHITE), 205, 225, 195, 215) > 0.9


def test_only_backdrop_coloured_holes_stay_open() -> None:
    mask = np.zeros((100, 100), np.uint8)
    mask[10:90, 10:90] = 1
    mask[20:45, 20:24] = 0  # 100 px of the backdrop's colour, tall and at the side: a closed sleeve gap
    mask[60:70, 60:70] = 0  # 100 px far from it: a print the colour pass missed
    mask[45:47, 45:47] = 0  # 4 px of the backdrop's colour: too small to matter, filled
    dist = np.full(mask.shape, 40.0, np.float32)
    dist[20:45, 20:24] = 5.0
    dist[45:47, 45:47] = 5.0
    out = _fill_small_holes(mask, dist=dist, thresh=12.0)
    assert not out[20:45, 20:24].any()
    assert out[60:70, 60:70].all() and out[45:47, 45:47].all()
    assert 4 < HOLE_BG_MIN_PX <= 100
    # Without a colour model (as before) every small closed hole is filled.
    assert _fill_small_holes(mask)[20:45, 20:24].all()
