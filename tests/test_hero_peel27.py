"""The peel leaves a T-shirt's printed yoke and collar; it still takes a hanger's bar (h-peel27).

heldout24 train/t-shirt/f34957ab: a white T-shirt with a blue-and-green printed yoke and a blue V collar, laid on
a patterned bedspread. The yoke's rows are unlike the middle of the shirt (white), so the peel took them row by
row as a hanger's bar, down to its limit: 1,660 of the mask's pixels, the collar and the whole yoke (hero verdict:
LOST, V-neck collar cut away, flat top). The yoke's colour comes back lower on the shirt (the sleeves, the blue
band), which a hanger's pink, wooden or chrome bar does not.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from lookbook.photos.cleanup import clean_detection, hanger_mask
from lookbook.photos.detect import Detection

DATA = Path(__file__).parent / "data"


def _f34957ab() -> tuple[np.ndarray, Detection]:
    """The photo (CC0, as decoded: 400 x 533) and the detector's own detection of it on main."""
    rgb = cv2.cvtColor(cv2.imread(str(DATA / "peel27_f34957ab.jpg")), cv2.COLOR_BGR2RGB)
    mask = cv2.imread(str(DATA / "peel27_f34957ab_mask.png"), cv2.IMREAD_GRAYSCALE)
    bg = np.array([[13.97, 134.95, 134.67], [29.13, 136.55, 139.53], [43.91, 130.50, 135.30],
                   [58.14, 131.95, 139.34]], np.float32)
    det = Detection(box=(0, 102, 378, 476), confidence=0.985, mask=mask, mask_scale=0.375, method="segmenter",
                    bg_colours=bg, threshold=20.0, hanger_hint=0.0, seg_inside=1.0)
    return rgb, det


def test_a_t_shirts_printed_yoke_and_collar_stay() -> None:
    rgb, det = _f34957ab()
    before = det.mask > 0
    after = clean_detection(rgb, det, category="t-shirt").detection.mask > 0
    assert np.count_nonzero(before & ~after) < 50  # main took 1,662 pixels: collar and yoke
    top = int(np.nonzero(before.any(axis=1))[0].min())
    assert after[top + 2].any()  # the collar's top rows are still there (main started 21 rows lower)


def test_other_categories_keep_mains_peel() -> None:
    """Dresses, shirts and trousers were not measured: the peel there is main's."""
    rgb, det = _f34957ab()
    small = cv2.resize(rgb, det.mask.shape[::-1], interpolation=cv2.INTER_AREA)
    assert np.count_nonzero(hanger_mask(small, det.mask)[0]) > 1000  # yokes=False: main's peel
    assert np.count_nonzero(clean_detection(rgb, det, category="dress").detection.mask > 0) < np.count_nonzero(
        det.mask > 0) - 1000


def _hanger() -> tuple[np.ndarray, np.ndarray]:
    """A synthetic grey T-shirt hung on a pink hanger (bar and hook above the shoulders) on a white wall."""
    h, w = 200, 150
    rgb = np.full((h, w, 3), 235, np.uint8)
    mask = np.zeros((h, w), np.uint8)
    cv2.rectangle(mask, (25, 60), (125, 190), 1, -1)  # body and shoulders
    rgb[mask > 0] = (90, 90, 95)
    hanger = np.zeros_like(mask)
    cv2.fillPoly(hanger, [np.array([[75, 46], [20, 62], [130, 62]], np.int32)], 1)  # the hanger's triangle
    cv2.rectangle(hanger, (73, 40), (77, 46), 1, -1)  # its hook
    rgb[hanger > 0] = (235, 80, 160)
    return rgb, mask | hanger


def test_a_pink_hanger_above_a_t_shirt_still_goes() -> None:
    rgb, mask = _hanger()
    cut = hanger_mask(rgb, mask, yokes=True)[0]
    assert np.count_nonzero(cut[40:60]) > 0.8 * np.count_nonzero(mask[40:60])
    assert np.array_equal(cut, hanger_mask(rgb, mask)[0])
