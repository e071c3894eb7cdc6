"""A clip hanger's flat hook plate standing only a few rows above its bar, and dark clips standing above both
ends of a waistband (h-clips28).

heldout25's navy trousers ``e78ca83f`` kept the whole black clip hanger on their hero, unflagged: its hook plate
stands 4 rows (0.021 of the height) above the bar, so :func:`hook_on_waist_bar`'s neck row at 0.02 of the height
was already the bar (0.53 of the width), and the bar, lighter than the navy body, was no dark piece for
:func:`clip_ends` or :func:`dark_bar_on_top`. The neck is now read at 0.01 of the height too.
"""

from pathlib import Path

import cv2
import numpy as np

from lookbook.photos.cleanup import clips_above_waistband, hook_on_waist_bar

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


# heldout25's jeans ``ec4bc8b1`` (h-clips28): both black clips kept on the waistband's ends, unflagged. The left jaw
# runs into the waistband's dark inner shadow (one dark piece 0.26 of the width, past CLIP_SIZE for clip_ends); what
# tells them is that above the waistband's first full row the silhouette holds only these two dark pieces.
DENIM = (70, 95, 140)
BLACK = (8, 8, 8)


def _jeans_with_clips(clips: bool, middle: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Return a photo and mask of mid-blue jeans (x 20-130) with black clips standing 8 rows above the waistband."""
    img = np.full((200, 150, 3), 235, np.uint8)
    mask = np.zeros((200, 150), np.uint8)
    mask[12:195, 20:130] = 1
    if clips:
        mask[4:14, 21:31] = 1
        mask[4:14, 118:129] = 1
    if middle:
        mask[6:12, 70:80] = 1  # a hook's plate or a label over the middle
    img[mask > 0] = DENIM
    if clips:
        img[4:14, 21:31] = BLACK
        img[4:14, 118:129] = BLACK
    if middle:
        img[6:12, 70:80] = BLACK
    return img, mask


def test_dark_clips_standing_above_both_waistband_ends_are_found() -> None:
    img, mask = _jeans_with_clips(clips=True)
    assert clips_above_waistband(img, mask)


def test_real_clips_on_jeans() -> None:
    img = cv2.imread(str(DATA / "clips28_ec4bc8b1.png"))
    mask = cv2.imread(str(DATA / "clips28_ec4bc8b1_mask.png"), cv2.IMREAD_GRAYSCALE)
    assert img is not None and mask is not None
    assert clips_above_waistband(cv2.cvtColor(img, cv2.COLOR_BGR2RGB), mask)


def test_bare_waistband_or_something_over_the_middle_is_not_this_shape() -> None:
    img, mask = _jeans_with_clips(clips=False)
    assert not clips_above_waistband(img, mask)
    img, mask = _jeans_with_clips(clips=True, middle=True)
    assert not clips_above_waistband(img, mask)
    # Clips the jeans' own colour (the waistband's corners standing up) are not dark: not clips.
    img, mask = _jeans_with_clips(clips=True)
    img[mask > 0] = DENIM
    assert not clips_above_waistband(img, mask)
