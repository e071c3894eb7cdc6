"""A hanger's lower loop left in a T-shirt's neck opening is flagged (h-loop29).

heldout26's white T-shirt ``c1ab2b23`` (CC0, train/t-shirt, at the mask's size with the cut-out it had): the
detector's mask never held the grey-green hanger's hook and arms, but kept its lower loop round the neck label,
fabric all round it, and the hero showed it unflagged. The loop's colour runs on above the collar as a thin stroke
(the hook), which a label or a collar the backdrop's colour does not.
"""

from pathlib import Path

import cv2
import numpy as np

from lookbook.photos.cleanup import hanger_loop_in_neck

DATA = Path(__file__).parent / "data"


def _photo() -> tuple[np.ndarray, np.ndarray]:
    bgr = cv2.imread(str(DATA / "loop29_c1ab2b23.png"))
    mask = cv2.imread(str(DATA / "loop29_c1ab2b23_mask.png"), cv2.IMREAD_GRAYSCALE)
    assert bgr is not None and mask is not None
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), mask


def test_hanger_loop_in_the_neck_is_found() -> None:
    rgb, mask = _photo()
    assert hanger_loop_in_neck(rgb, mask)


def test_without_the_hook_above_the_loop_is_not_a_hanger() -> None:
    # The same neck with the hook and arms above the collar painted the rug's colour: a dark piece in the neck
    # with nothing of its colour standing above the garment is a label or a print, not flagged.
    rgb, mask = _photo()
    ys = np.nonzero(mask)[0]
    top = int(ys.min())
    above = np.zeros(mask.shape, bool)
    above[:top + 3] = True
    above &= mask == 0
    rgb[above] = (120, 40, 40)
    assert not hanger_loop_in_neck(rgb, mask)


def test_plain_white_top_is_not_flagged() -> None:
    rgb = np.full((200, 150, 3), (150, 110, 80), np.uint8)
    mask = np.zeros((200, 150), np.uint8)
    mask[30:190, 20:130] = 255
    rgb[mask > 0] = 235
    assert not hanger_loop_in_neck(rgb, mask)
