"""Hangers that reached the customer unflagged on heldout4, 5, 8, 13 and 15 flag the shot (issue 12 §2, h-hangers16):
a hook or hanger's neck running off the photo's top edge, a dark hanger's sliver left across a light collar."""

from __future__ import annotations

import cv2
import numpy as np

from hanger_scenes import SHIRT, shirt, wall
from lookbook.photos.cleanup import clean_detection, dark_sliver_at_collar, hook_off_frame
from lookbook.photos.detect import detect_garment

LIGHT = (232, 230, 222)  # a white shirt's fabric
BLACK = (25, 25, 28)
OFF_FRAME = "running off the photo's top edge"
SLIVER = "sliver across the collar"


def _top_mask(contact: tuple[int, int] | None, shoulders_at_top: bool = False) -> np.ndarray:
    # A 200 x 150 working-size silhouette (the detector's grid): a top 100 px wide from row 20 down, its middle at
    # column 75, and what touches the frame's top row (columns ``contact``) joined to it.
    mask = np.zeros((200, 150), np.uint8)
    mask[0 if shoulders_at_top else 20:195, 25:125] = 1
    if contact is not None:
        mask[0:21, contact[0]:contact[1]] = 1
    return mask


def test_a_narrow_piece_over_the_middle_leaving_the_frame_is_a_hook() -> None:
    # heldout4/heldout15 shirts, heldout5 dress, heldout8 blouse: the hanger's hook (or neck) runs off the frame's
    # top inside the mask, 0.02-0.18 of the garment's width, over its middle.
    assert not hook_off_frame(_top_mask(None))  # the garment does not reach the frame's top: nothing to read
    assert hook_off_frame(_top_mask((72, 79)))  # a hook
    assert hook_off_frame(_top_mask((66, 84)))  # a hanger's neck, 0.18 of the width
    # A garment the frame cuts touches it across its shoulders; a sleeve or strap touches it off the middle.
    assert not hook_off_frame(_top_mask(None, shoulders_at_top=True))
    assert not hook_off_frame(_top_mask((60, 90)))  # a collar, 0.3 of the width
    assert not hook_off_frame(_top_mask((30, 40)))  # a strap at the side


def test_a_hangers_neck_running_off_the_top_edge_flags_the_shot() -> None:
    # End to end: a shirt hung just under the frame's top, the hanger's neck (the shirt's colour, so no colour cut
    # sees it; too wide for the opening to drop) running from its collar off the frame. hook_above has no rows above
    # the garment to read (the frame ends), so before h-hangers16 the shot went out unflagged.
    img = shirt(wall(), top=16, bottom=480)
    plain = clean_detection(img, detect_garment(img), category="shirt")
    assert not any(OFF_FRAME in r for r in plain.reasons), plain.reasons
    cv2.rectangle(img, (180, 0), (220, 21), SHIRT, -1)
    det = detect_garment(img)
    cleaned = clean_detection(img, det, category="shirt")
    assert cleaned.detection.mask[0, int(200 * det.mask_scale)] > 0  # the neck is in the cut-out...
    assert cleaned.needs_review  # ...so the shot is flagged, saying why
    assert any(OFF_FRAME in r for r in cleaned.reasons), cleaned.reasons
    # A hat or shoes are not hung: not asked (bottoms are since h-hang22: a clip hanger's hook leaves the frame too).
    assert not any(OFF_FRAME in r for r in clean_detection(img, det, category="shoes").reasons)


def _light_top(colour: tuple[int, int, int] = LIGHT) -> tuple[np.ndarray, np.ndarray]:
    # A light top at the detector's grid (150 x 200): the photo at that size and its silhouette.
    small = np.full((200, 150, 3), (125, 125, 128), np.uint8)
    mask = np.zeros((200, 150), np.uint8)
    outline = np.array([[50, 10], [100, 10], [125, 30], [120, 190], [30, 190], [25, 30]], np.int32)
    cv2.fillPoly(mask, [outline], 1)
    small[mask > 0] = colour
    return small, mask


def test_a_thin_dark_bar_across_a_light_collar_is_a_hangers_sliver() -> None:
    # heldout13 train/shirt/de34f49f: the cut took the black hanger's bar out of the neck opening, but its end lying
    # on the collar band stayed, two working pixels high and a tenth of the width, and the hero showed it unflagged.
    small, mask = _light_top()
    assert not dark_sliver_at_collar(small, mask)
    small[35:37, 68:80] = BLACK
    assert dark_sliver_at_collar(small, mask)


def test_labels_dark_prints_and_dark_tops_are_not_a_sliver() -> None:
    # A square dark label at the neck is no bar.
    small, mask = _light_top()
    small[30:38, 70:78] = BLACK
    assert not dark_sliver_at_collar(small, mask)
    # The same bar on a top whose body holds dark stripes is the garment's print.
    small, mask = _light_top()
    small[35:37, 68:80] = BLACK
    for y in range(60, 190, 12):
        small[y:y + 2][mask[y:y + 2] > 0] = BLACK
    assert not dark_sliver_at_collar(small, mask)
    # On a dark top a dark bar cannot be told from its fabric's shadows.
    small, mask = _light_top((70, 70, 75))
    small[35:37, 68:80] = BLACK
    assert not dark_sliver_at_collar(small, mask)
    # Low on the body (a belt, a pocket's edge), not at the collar.
    small, mask = _light_top()
    small[120:122, 68:80] = BLACK
    assert not dark_sliver_at_collar(small, mask)
