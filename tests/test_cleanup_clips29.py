"""A clip hanger's grey metal clips at both ends of a waistband (h-clips29).

heldout26's navy trousers ``8cbfe48e`` kept both metal clips of a clip hanger on their hero, unflagged: the clips are
mid-grey, as light as the navy body, so the dark-clip and light-clip rules miss them; their near-zero chroma against
the body's tells them. The real photo is committed at the mask's working size (CC0, clothing-small train split).
"""

from pathlib import Path

import cv2
import numpy as np

from lookbook.photos.cleanup import grey_clips_at_ends

DATA = Path(__file__).parent / "data"
NAVY = (60, 70, 110)
GREY = (110, 110, 110)


def _trousers(clips: bool, body: tuple[int, int, int] = NAVY) -> tuple[np.ndarray, np.ndarray]:
    """Return a photo and mask of trousers (x 20-130) with grey clips over both ends of the waistband's top."""
    img = np.full((200, 150, 3), 235, np.uint8)
    mask = np.zeros((200, 150), np.uint8)
    mask[8:195, 20:130] = 1
    img[mask > 0] = body
    if clips:
        img[8:16, 22:28] = GREY
        img[8:16, 122:128] = GREY
    return img, mask


def test_real_grey_clips_on_navy_trousers() -> None:
    small = cv2.imread(str(DATA / "clips29_8cbfe48e_small.png"), cv2.IMREAD_COLOR)
    mask = cv2.imread(str(DATA / "clips29_8cbfe48e_mask.png"), cv2.IMREAD_GRAYSCALE)
    assert small is not None and mask is not None
    assert grey_clips_at_ends(cv2.cvtColor(small, cv2.COLOR_BGR2RGB), mask)


def test_grey_clips_on_a_coloured_waistband_are_found() -> None:
    img, mask = _trousers(clips=True)
    assert grey_clips_at_ends(img, mask)


def test_no_clips_or_a_grey_garment_is_not_flagged() -> None:
    img, mask = _trousers(clips=False)
    assert not grey_clips_at_ends(img, mask)
    # Grey trousers: the garment's own colour is the clips', nothing tells them.
    img, mask = _trousers(clips=True, body=GREY)
    assert not grey_clips_at_ends(img, mask)
