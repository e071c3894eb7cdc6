"""A clip hanger's flat hook plate standing only a few rows above its bar (h-clips28).

heldout25's navy trousers ``e78ca83f`` kept the whole black clip hanger on their hero, unflagged: its hook plate
stands 4 rows (0.021 of the height) above the bar, so :func:`hook_on_waist_bar`'s neck row at 0.02 of the height
was already the bar (0.53 of the width), and the bar, lighter than the navy body, was no dark piece for
:func:`clip_ends` or :func:`dark_bar_on_top`. The neck is now read at 0.01 of the height too.
"""

from pathlib import Path

import cv2
import numpy as np

from lookbook.photos.cleanup import hook_on_waist_bar

DATA = Path(__file__).parent / "data"


def _trousers(plate_rows: int, plate_px: int = 10) -> np.ndarray:
    """Return a 200x150 mask: a hook plate over the middle, a bar under it, a waistband and legs (x 25-105)."""
    mask = np.zeros((200, 150), np.uint8)
    top = 10
    mask[top:top + plate_rows, 65 - plate_px // 2:65 + plate_px // 2] = 1  # the hook's plate
    bar = top + plate_rows
    mask[bar:bar + 3, 40:90] = 1  # the bar, narrower than the waistband under it
    mask[bar + 3:195, 25:105] = 1  # waistband and legs
    return mask


def test_short_hook_plate_on_a_bar_is_found() -> None:
    # Plate 4 rows tall on a 185-row silhouette: the row at 0.02 of the height is the bar.
    assert hook_on_waist_bar(_trousers(plate_rows=4))


def test_real_hook_plate_over_navy_trousers() -> None:
    mask = cv2.imread(str(DATA / "clips28_e78ca83f_mask.png"), cv2.IMREAD_GRAYSCALE)
    assert mask is not None
    assert hook_on_waist_bar(mask)


def test_waistband_without_a_plate_or_with_a_wide_label_is_not_a_hook() -> None:
    assert not hook_on_waist_bar(_trousers(plate_rows=0))
    # A label or bow as wide as a fifth of the garment over the middle: no hook's neck.
    assert not hook_on_waist_bar(_trousers(plate_rows=4, plate_px=20))
    # A single stray row (a thread) over the middle is under 0.01 of the height: not read.
    assert not hook_on_waist_bar(_trousers(plate_rows=1))
